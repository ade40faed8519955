"""Convolution arithmetic: the shapes and weight count of a given conv/pool stack, and square
convolution layers (k, s, p, d) that map an input to a target shape under fixed constraints.

Output size along one axis (reportgen.solvers.conv.out_size):
    o = floor((n + 2p - d (k - 1) - 1) / s) + 1.
The search tries every kernel 1 <= k <= n + 2p and stride 1 <= s <= n + 2p (beyond that the
window no longer fits, or one window is all there is) and keeps those giving the target size.
Selection rule among them: (1) the windows tile the padded input exactly (the floor drops
nothing), (2) no input row is skipped (stride at most the dilated window's extent), (3) the
smallest kernel (fewest weights), then the smallest stride.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..solvers.conv import Config, configs, out_size
from ..spec import Table
from ..verify import Check, equal

name = "conv_arithmetic"
description = "Output sizes and weight counts of conv layers, and (k, s, p, d) found by search"

KINDS = ("conv", "avgpool", "maxpool")
ITEM_RE = re.compile(r"^[a-z]{1,3}$")  # an item letter: (c), (d), (e)
# Limits, each from a resource bound (VGG-16: 13 convolutions of up to 512 filters on 224x224):
MAX_LAYERS = 64  # rows of the printed table
MAX_SIZE = 1024  # the walk over window positions in the check is linear in the size
MAX_CHANNELS = 65536  # weight counts stay exact integers; the check allocates nothing this large
MAX_DESIGN = 256  # the design search and its check visit every (k, s) up to n + 2p: quadratic
SIMULATE_MACS = 20_000_000  # multiply-adds up to which the check convolves a random image
SIMULATE_WINDOWS = 100_000  # and window positions (each one a numpy call)


@dataclass(frozen=True)
class LayerSpec:
    kind: str
    kernel: int
    stride: int
    padding: int
    filters: int  # conv only; pooling keeps the channels (0 here)


@dataclass(frozen=True)
class Constraint:
    item: str  # the assignment's item letter
    padding: int
    dilation: int


@dataclass(frozen=True)
class Params:
    in_size: int
    in_channels: int
    layers: tuple[LayerSpec, ...]
    design_in_size: int
    design_in_channels: int
    design_out_size: int
    design_out_channels: int
    constraints: tuple[Constraint, ...]


def _layer(lt: Table) -> LayerSpec:
    kind = lt.choice("kind", KINDS)
    kernel = lt.integer("kernel", lo=1, hi=MAX_SIZE)
    layer = LayerSpec(kind=kind, kernel=kernel, stride=lt.integer("stride", 1, lo=1, hi=MAX_SIZE),
                      padding=lt.integer("padding", 0, lo=0, hi=MAX_SIZE),
                      filters=lt.integer("filters", lo=1, hi=MAX_CHANNELS) if kind == "conv" else 0)
    if kind != "conv" and layer.padding > kernel // 2:
        raise lt.error("padding", f"pooling padding {layer.padding} is more than half the kernel ({kernel} // 2 = "
                                  f"{kernel // 2}): a window could then cover padding only")
    lt.done()
    return layer


def parse(t: Table) -> Params:
    layer_tables = t.tables("layers")
    if len(layer_tables) > MAX_LAYERS:
        raise t.error("layers", f"{len(layer_tables)} layers; at most {MAX_LAYERS}")
    layers = [_layer(lt) for lt in layer_tables]
    if layers[-1].kind != "conv":
        raise t.error(f"layers[{len(layers) - 1}]", "(b) asks for the weights of the last layer: it must be a conv")
    design = t.table("design")
    constraints = []
    for ct in design.tables("constraints"):
        constraints.append(Constraint(ct.text("item", pattern=ITEM_RE), ct.integer("padding", lo=0, hi=MAX_DESIGN),
                                      ct.integer("dilation", lo=1, hi=MAX_DESIGN)))
        ct.done()
    p = Params(
        in_size=t.integer("in_size", lo=1, hi=MAX_SIZE),
        in_channels=t.integer("in_channels", lo=1, hi=MAX_CHANNELS),
        layers=tuple(layers),
        design_in_size=design.integer("in_size", lo=1, hi=MAX_DESIGN),
        design_in_channels=design.integer("in_channels", lo=1, hi=MAX_CHANNELS),
        design_out_size=design.integer("out_size", lo=1, hi=MAX_DESIGN),
        design_out_channels=design.integer("out_channels", lo=1, hi=MAX_CHANNELS),
        constraints=tuple(constraints),
    )
    if any(c.padding > MAX_DESIGN // 2 for c in p.constraints) or p.design_in_size + 2 * max(
            (c.padding for c in p.constraints), default=0) > MAX_DESIGN:
        raise design.error("constraints", f"in_size + 2 padding is at most {MAX_DESIGN} (the search visits every "
                                          f"(k, s) up to it)")
    design.done()
    try:  # shapes that cannot exist are input errors, reported before anything is computed
        run_stack(p)
    except ValueError as exc:
        raise t.error("layers", str(exc)) from None
    for i, c in enumerate(p.constraints):
        try:
            search(p.design_in_size, p.design_out_size, c.item, c.padding, c.dilation)
        except ValueError as exc:
            raise design.error(f"constraints[{i}]", str(exc)) from None
    return p


# --- (a), (b): the given stack ----------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    kind: str  # "input", "conv", "avgpool", "maxpool"
    kernel: int
    stride: int
    padding: int
    size: int  # output height = width
    channels: int
    weights: int  # without biases
    biases: int

    @property
    def outputs(self) -> int:
        return self.size * self.size * self.channels


def run_stack(p: Params) -> tuple[Stage, ...]:
    stages = [Stage("input", 0, 0, 0, p.in_size, p.in_channels, 0, 0)]
    for layer in p.layers:
        prev = stages[-1]
        size = out_size(prev.size, layer.kernel, layer.stride, layer.padding)
        if size < 1:
            raise ValueError(f"a {layer.kernel}x{layer.kernel} window does not fit a {prev.size}x{prev.size} input")
        if layer.kind == "conv":
            ch, w, b = layer.filters, layer.kernel**2 * prev.channels * layer.filters, layer.filters
        else:
            ch, w, b = prev.channels, 0, 0
        stages.append(Stage(layer.kind, layer.kernel, layer.stride, layer.padding, size, ch, w, b))
    return tuple(stages)


# --- (c), (d), (e): the search ----------------------------------------------------------------


@dataclass(frozen=True)
class Design:
    item: str
    p: int
    d: int
    k_max: int  # search bounds: 1 <= k <= k_max, 1 <= s <= s_max
    s_max: int
    found: tuple[Config, ...]  # every (k, s) giving the target size
    exact: tuple[Config, ...]  # of those, the ones that tile the padded input exactly
    covering: tuple[Config, ...]  # of those, the ones whose windows touch or overlap (s <= extent)
    chosen: Config

    @property
    def n_found(self) -> int:
        return len(self.found)


def selection_key(c: Config) -> tuple[int, int]:
    return (c.k, c.s)


def search(n: int, target: int, item: str, p: int, d: int) -> Design:
    bound = n + 2 * p
    found = configs(n, target, p, d, bound, bound)
    exact = tuple(c for c in found if c.fits(n))
    covering = tuple(c for c in exact if c.s <= c.extent())
    if not covering:
        raise ValueError(f"({item}): no exact, gap-free layer maps {n} to {target} with p = {p}, d = {d}")
    return Design(item, p, d, bound, bound, found, exact, covering, min(covering, key=selection_key))


@dataclass(frozen=True)
class Result:
    stages: tuple[Stage, ...]
    designs: tuple[Design, ...]
    in_size: int
    in_channels: int
    out_size: int
    out_channels: int

    @property
    def output_dim(self) -> int:
        return self.stages[-1].outputs

    @property
    def last_weights(self) -> int:
        return self.stages[-1].weights

    @property
    def configurations(self) -> tuple[Config, ...]:
        """The chosen (k, s, p, d) of each constrained item, in order."""
        return tuple(dz.chosen for dz in self.designs)

    @property
    def strides(self) -> tuple[int, ...]:
        """Every stride with an exact fit in some item (the rows of the comparison table)."""
        return tuple(sorted({c.s for dz in self.designs for c in dz.exact}))

    def exact_kernel(self, design: Design, stride: int) -> Config | None:
        return next((c for c in design.exact if c.s == stride), None)

    def rows_read(self, c: Config) -> int:
        """How many of the input rows some kernel tap of ``c`` reads (dilated taps skip rows)."""
        return len(tapped_rows(self.in_size, c))


def tapped_rows(n: int, c: Config) -> set[int]:
    """The input rows (0..n-1, padding excluded) under a tap of some window position."""
    return {r for start in window_starts(n, c.k, c.s, c.p, c.d) for j in range(c.k)
            if 0 <= (r := start + j * c.d - c.p) < n}


def solve(p: Params) -> Result:
    designs = tuple(search(p.design_in_size, p.design_out_size, c.item, c.padding, c.dilation) for c in p.constraints)
    return Result(run_stack(p), designs, p.design_in_size, p.design_in_channels, p.design_out_size,
                  p.design_out_channels)


# --- independent checks -------------------------------------------------------------------------


def window_starts(n: int, k: int, s: int, p: int, d: int) -> list[int]:
    """Start rows (in the padded input) of every window position, by walking the input."""
    starts, start = [], 0
    while start + d * (k - 1) <= n + 2 * p - 1:
        starts.append(start)
        start += s
    return starts


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
        x = rng.standard_normal((r.in_channels, n, n))
        w = rng.standard_normal((r.out_channels, r.in_channels, c.k, c.k))
        got = conv2d(x, w, c.s, c.p, c.d).shape
        shape = f"({r.out_channels}, {target}, {target})"
        checks.append(equal(f"({dz.item}) k={c.k}, s={c.s}, p={c.p}, d={c.d} gives {shape}",
                            "direct convolution of a random input", got, (r.out_channels, target, target)))
        checks.append(equal(f"({dz.item}) chosen by the rule", "smallest (k, s) among exact, gap-free fits",
                            (c.k, c.s), min((cc.k, cc.s) for cc in dz.found
                                            if (cc.k, cc.s) in tiled and (cc.k, cc.s) in covered)))
    return checks
