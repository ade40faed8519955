"""conv_arithmetic: verify: the independent checks (never imports solver.py)."""

from __future__ import annotations

import numpy as np

from ...verify import Check, equal
from .data import SIMULATE_MACS, SIMULATE_WINDOWS, Params, Result
from .model import run_stack
from .windows import window_starts


def conv2d(x: np.ndarray, w: np.ndarray, s: int, p: int, d: int) -> np.ndarray:
    """Direct convolution (cross-correlation) of x (C, H, W) with w (F, C, k, k): pad, visit every
    window position, multiply and sum. No output-size formula involved."""
    k = w.shape[-1]
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    rows = window_starts(x.shape[1], k, s, p, d)
    cols = window_starts(x.shape[2], k, s, p, d)
    out = np.empty((w.shape[0], len(rows), len(cols)))
    span = d * (k - 1) + 1
    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            out[:, a, b] = np.einsum("fcij,cij->f", w, xp[:, r:r + span:d, c:c + span:d])
    return out


def pool2d(x: np.ndarray, k: int, s: int, kind: str, p: int = 0) -> np.ndarray:
    """Pooling over every window of the padded input (max: padded with -inf, so padding never
    wins; average: padded with zeros that count, as PyTorch's default)."""
    xp = np.pad(x, ((0, 0), (p, p), (p, p)), constant_values=-np.inf if kind == "maxpool" else 0.0)
    rows, cols = window_starts(x.shape[1], k, s, p, 1), window_starts(x.shape[2], k, s, p, 1)
    reduce = np.mean if kind == "avgpool" else np.max
    return np.array([[[reduce(ch[r:r + k, c:c + k]) for c in cols] for r in rows] for ch in xp])


def simulation_cost(p: Params) -> tuple[int, int]:
    """(multiply-adds, window positions) of convolving a random image through the stack."""
    stages = run_stack(p)
    pairs = list(zip(stages, stages[1:], strict=False))
    macs = sum(b.size ** 2 * a.channels * b.kernel ** 2 * (b.channels if b.kind == "conv" else 1) for a, b in pairs)
    return macs, sum(b.size ** 2 * (1 if b.kind == "conv" else b.channels) for _, b in pairs)


def simulate_stack(p: Params, rng: np.random.Generator) -> tuple[list[tuple[int, ...]], list[int]]:
    """Run the stack on a random image; the shapes after each layer and each layer's weight-array size."""
    x = rng.standard_normal((p.in_channels, p.in_size, p.in_size))
    shapes, weights = [x.shape], [0]
    for layer in p.layers:
        if layer.kind == "conv":
            w = rng.standard_normal((layer.filters, x.shape[0], layer.kernel, layer.kernel))
            x = conv2d(x, w, layer.stride, layer.padding, 1)
            weights.append(w.size)
        else:
            x = pool2d(x, layer.kernel, layer.stride, layer.kind, layer.padding)
            weights.append(0)
        shapes.append(x.shape)
    return shapes, weights


def walk_stack(p: Params) -> tuple[list[tuple[int, ...]], list[int]]:
    """The same without data, for stacks too large to convolve: window positions counted by
    walking one axis, channels from the filters, weights as the size of a weight-array view
    (np.broadcast_to allocates nothing)."""
    size, ch = p.in_size, p.in_channels
    shapes, weights = [(ch, size, size)], [0]
    for layer in p.layers:
        size = len(window_starts(size, layer.kernel, layer.stride, layer.padding, 1))
        if layer.kind == "conv":
            weights.append(np.broadcast_to(0.0, (layer.filters, ch, layer.kernel, layer.kernel)).size)
            ch = layer.filters
        else:
            weights.append(0)
        shapes.append((ch, size, size))
    return shapes, weights


def verify(p: Params, r: Result) -> list[Check]:
    rng = np.random.default_rng(0)
    macs, windows = simulation_cost(p)
    if macs <= SIMULATE_MACS and windows <= SIMULATE_WINDOWS:
        shapes, weights = simulate_stack(p, rng)
        how = "direct convolution and pooling of a random image"
    else:
        shapes, weights = walk_stack(p)
        how = (f"window positions walked layer by layer ({macs:,} multiply-adds at {windows:,} windows are too "
               "many to convolve)")
    final = shapes[-1]
    checks = [
        equal("(a) shapes after each layer", how,
              [(s.channels, s.size, s.size) for s in r.stages], [tuple(s) for s in shapes]),
        equal("(a) output dimensionality", "size of the simulated output array", r.output_dim, int(np.prod(final))),
        equal("(b) weights of the last layer", "size of the weight array used in the simulation",
              r.last_weights, weights[-1]),
        equal("(b) weights of the last layer", "k * k * input channels * filters, from the assignment's numbers",
              r.last_weights, p.layers[-1].kernel ** 2 * r.stages[-2].channels * p.layers[-1].filters),
    ]
    n, target = r.in_size, r.out_size
    for dz in r.designs:
        brute = {(k, s) for k in range(1, dz.k_max + 1) for s in range(1, dz.s_max + 1)
                 if len(window_starts(n, k, s, dz.p, dz.d)) == target}
        checks.append(equal(f"({dz.item}) all (k, s) with output {target}",
                            f"count window positions for each of {dz.k_max * dz.s_max} pairs",
                            {(c.k, c.s) for c in dz.found}, brute))
        tiled = {(c.k, c.s) for c in dz.found
                 if window_starts(n, c.k, c.s, dz.p, dz.d)[-1] + c.extent() == n + 2 * dz.p}
        checks.append(equal(f"({dz.item}) exact fits", "last window ends on the last padded row",
                            {(c.k, c.s) for c in dz.exact}, tiled))
        covered = set()
        for c in dz.exact:
            seen = np.zeros(n + 2 * dz.p, dtype=bool)
            for start in window_starts(n, c.k, c.s, dz.p, dz.d):
                seen[start:start + c.extent()] = True
            if seen[dz.p:dz.p + n].all():
                covered.add((c.k, c.s))
        checks.append(equal(f"({dz.item}) no skipped rows", "rows marked by every window's extent",
                            {(c.k, c.s) for c in dz.covering}, covered))
        c = dz.chosen
        # The spatial size does not depend on the channel counts: convolve at most 2 of each, so
        # that 65,536 channels of 254 x 254 (valid data) need no 31 GiB input.
        c_in, c_out = min(r.in_channels, 2), min(r.out_channels, 2)
        x = rng.standard_normal((c_in, n, n))
        w = rng.standard_normal((c_out, c_in, c.k, c.k))
        got = conv2d(x, w, c.s, c.p, c.d).shape
        shape = f"({target}, {target})"
        checks.append(equal(f"({dz.item}) k={c.k}, s={c.s}, p={c.p}, d={c.d} gives {shape} per map",
                            f"direct convolution of a random {c_in}-channel input with {c_out} filters",
                            got, (c_out, target, target)))
        checks.append(equal(f"({dz.item}) chosen by the rule", "smallest (k, s) among exact, gap-free fits",
                            (c.k, c.s), min((cc.k, cc.s) for cc in dz.found
                                            if (cc.k, cc.s) in tiled and (cc.k, cc.s) in covered)))
    return checks
