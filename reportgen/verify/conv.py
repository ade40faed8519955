"""Brute-force checks of the conv/pool search: every string of layers, shape by shape."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..solvers.conv import Architecture


@dataclass(frozen=True)
class Brute:
    signatures: tuple[str, ...]
    tried: int
    max_len: int


def brute_force_stacks(in_size: int, target: int, kernels: tuple[int, ...], pool: int) -> Brute:
    """Every alternating word conv, pool, conv, ... (any kernel in each conv slot) up to the
    longest stack that can exist: each pool divides the size by ``pool``, so at most
    log_pool(in/target) pools fit, and two more layers are tried beyond that bound.
    Sizes use the plain formulas n - k + 1 and n / pool (exact division only)."""
    pools_max = int(math.log(in_size / target, pool)) if in_size > target else 0
    max_len = 2 * pools_max + 3
    hits, tried = [], 0
    for length in range(1, max_len + 1):
        for ks in itertools.product(kernels, repeat=(length + 1) // 2):
            tried += 1
            word = [f"conv{ks[i // 2]}" if i % 2 == 0 else "pool" for i in range(length)]
            size, ok = in_size, True
            for w in word:
                if w == "pool":
                    ok = ok and size % pool == 0
                    size //= pool
                else:
                    size -= int(w[4:]) - 1
                ok = ok and size >= 1
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
