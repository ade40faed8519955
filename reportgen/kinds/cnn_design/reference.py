"""Brute-force checks of the conv/pool search: every string of layers, shape by shape."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ...maths.conv import Architecture


@dataclass(frozen=True)
class Brute:
    signatures: tuple[str, ...]
    tried: int
    max_len: int


def _max_len(in_size: int, target: int, pool: int) -> int:
    """Each pool divides the size by ``pool``, so at most log_pool(in/target) pools fit; an
    alternating stack has at most one more conv than pools. Two layers beyond are tried too."""
    pools_max = int(math.log(in_size / target, pool) + 1e-9) if in_size > target else 0
    return 2 * pools_max + 3


FIRST = {"conv": (0,), "pool": (1,), "either": (0, 1)}  # 0: a word starts with a conv, 1: with a pool


def words_to_try(in_size: int, target: int, kernels: tuple[int, ...], pool: int, start: str = "conv") -> int:
    """How many words brute_force_stacks enumerates (known before it starts)."""
    total = 0
    for length in range(1, _max_len(in_size, target, pool) + 1):
        total += sum(len(kernels) ** ((length + 1 - first) // 2) for first in FIRST[start])
    return total


def brute_force_stacks(in_size: int, target: int, kernels: tuple[int, ...], pool: int, start: str = "conv") -> Brute:
    """Every alternating word conv, pool, conv, ... or pool, conv, pool, ... (any kernel in each
    conv slot) up to the longest stack that can exist. Sizes use the plain formulas n - k + 1
    and n / pool (exact division only); a word is a valid stack when it has a conv, ends at the
    target size and reaches it at no earlier layer."""
    max_len = _max_len(in_size, target, pool)
    hits, tried = [], 0
    for first in FIRST[start]:
        for length in range(1, max_len + 1):
            slots = [i for i in range(length) if (i + first) % 2 == 0]
            for ks in itertools.product(kernels, repeat=len(slots)):
                tried += 1
                kernel = dict(zip(slots, ks, strict=True))
                word = [f"conv{kernel[i]}" if i in kernel else "pool" for i in range(length)]
                size, ok = in_size, bool(slots)
                for i, w in enumerate(word):
                    if w == "pool":
                        ok = ok and size % pool == 0
                        size //= pool
                    else:
                        size -= kernel[i] - 1
                    ok = ok and size >= 1 and (size != target or i == length - 1)
                if ok and size == target:
                    hits.append(" ".join(word))
    return Brute(tuple(hits), tried, max_len)


def count_params_from_arrays(a: Architecture) -> int:
    """Allocate each conv layer's weight tensor (k, k, c_in, c_out) and bias, and count entries."""
    total = 0
    for layer in a.layers:
        if layer.kind == "conv":
            total += np.zeros((layer.kernel, layer.kernel, layer.in_channels, layer.out_channels)).size
            total += np.zeros(layer.out_channels).size
    return total
