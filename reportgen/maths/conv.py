"""Convolution arithmetic and the search for conv/pool stacks that reach a target shape.

Output size of a convolution or pooling window along one axis (Dumoulin & Visin, 2016):

    o = floor((n + 2p - d (k - 1) - 1) / s) + 1

A layer *fits exactly* when the floor drops nothing: (n + 2p - d(k - 1) - 1) divisible by s.
A k x k convolution from c_in to c_out maps has k*k*c_in*c_out weights and c_out biases;
pooling has none.
"""

from __future__ import annotations

from dataclasses import dataclass


def out_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """floor((n + 2p - d(k-1) - 1)/s) + 1, or 0 when the window does not fit at all."""
    span = n + 2 * p - d * (k - 1) - 1
    return span // s + 1 if span >= 0 else 0


def fits_exactly(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> bool:
    span = n + 2 * p - d * (k - 1) - 1
    return span >= 0 and span % s == 0


def conv_weights(k: int, c_in: int, c_out: int) -> int:
    """Weights of a k x k convolution from c_in to c_out maps (biases not counted): k k c_in c_out."""
    return k * k * c_in * c_out


@dataclass(frozen=True)
class Config:
    """One square convolution window: kernel k, stride s, zero-padding p, dilation d."""

    k: int
    s: int
    p: int
    d: int

    def out(self, n: int) -> int:
        return out_size(n, self.k, self.s, self.p, self.d)

    def fits(self, n: int) -> bool:
        return fits_exactly(n, self.k, self.s, self.p, self.d)

    def extent(self) -> int:
        """Rows spanned by one dilated window, d (k - 1) + 1 (a method, so JSON lists k, s, p, d only)."""
        return self.d * (self.k - 1) + 1

    def span(self, n: int) -> int:
        """n + 2p - d (k - 1) - 1: the rows the window's start can move over; the output has
        steps(n) + 1 = floor(span / s) + 1 rows."""
        return n + 2 * self.p - self.extent()

    def steps(self, n: int) -> int:
        return self.span(n) // self.s

    def overlap(self) -> int:
        """Rows shared by consecutive windows (negative: a gap between them)."""
        return self.extent() - self.s


def configs(n: int, target: int, p: int, d: int, k_max: int, s_max: int) -> tuple[Config, ...]:
    """Every (k, s) with 1 <= k <= k_max, 1 <= s <= s_max whose output size is ``target``."""
    return tuple(Config(k, s, p, d) for k in range(1, k_max + 1) for s in range(1, s_max + 1)
                 if out_size(n, k, s, p, d) == target)


@dataclass(frozen=True)
class Layer:
    kind: str  # "conv" or "pool"
    kernel: int
    stride: int
    in_size: int
    out_size: int
    in_channels: int
    out_channels: int

    @property
    def weights(self) -> int:
        return conv_weights(self.kernel, self.in_channels, self.out_channels) if self.kind == "conv" else 0

    @property
    def biases(self) -> int:
        return self.out_channels if self.kind == "conv" else 0

    @property
    def params(self) -> int:
        return self.weights + self.biases


@dataclass(frozen=True)
class Architecture:
    layers: tuple[Layer, ...]

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def n_conv(self) -> int:
        return sum(layer.kind == "conv" for layer in self.layers)

    @property
    def filter_counts(self) -> tuple[int, ...]:
        """Output maps of each convolution, in order."""
        return tuple(layer.out_channels for layer in self.layers if layer.kind == "conv")

    @property
    def filters_double(self) -> bool:
        """Each convolution has twice the filters of the one before."""
        counts = self.filter_counts
        return all(b == 2 * a for a, b in zip(counts, counts[1:], strict=False))

    @property
    def signature(self) -> str:
        """'conv5 pool conv7 pool': the shape-determining sequence."""
        return " ".join(f"conv{layer.kernel}" if layer.kind == "conv" else "pool" for layer in self.layers)


@dataclass(frozen=True)
class StackSearch:
    candidates: tuple[Architecture, ...]  # every valid stack, in search order
    chosen: Architecture  # by the selection rule

    @property
    def most_params(self) -> int:
        """Parameters of the largest valid stack."""
        return max(a.params for a in self.candidates)


def _steps(size: int, kind: str, kernels: tuple[int, ...], pool: int, target: int) -> list[tuple[str, int, int]]:
    """The layers that can follow at ``size``: (kind, kernel, new size); sizes only shrink, so
    a layer that goes below the target is pruned."""
    if kind == "conv":
        return [("conv", k, out_size(size, k)) for k in kernels
                if fits_exactly(size, k) and out_size(size, k) >= target]
    if fits_exactly(size, pool, s=pool) and out_size(size, pool, s=pool) >= target:
        return [("pool", pool, out_size(size, pool, s=pool))]
    return []


STARTS = {"conv": ("conv",), "pool": ("pool",), "either": ("conv", "pool")}  # first layer of the stacks searched


def count_sequences(in_size: int, target: int, kernels: tuple[int, ...], pool: int, start: str = "conv") -> int:
    """How many stacks shape_sequences would return, counted without listing them (memoised on
    (size, next kind, has a conv)): the search is refused before it starts when this is huge."""
    memo: dict[tuple[int, str, bool], int] = {}

    def count(size: int, kind: str, conv: bool, first: bool) -> int:
        if not first and size == target:
            return int(conv)
        key = (size, kind, conv)
        if key not in memo:
            nxt = "pool" if kind == "conv" else "conv"
            memo[key] = sum(count(new, nxt, conv or kind == "conv", False)
                            for kind_, _, new in _steps(size, kind, kernels, pool, target))
        return memo[key]

    return sum(count(in_size, first, False, True) for first in STARTS[start])


def shape_sequences(in_size: int, target: int, kernels: tuple[int, ...], pool: int,
                    start: str = "conv") -> list[list[tuple[str, int]]]:
    """Every strictly alternating conv/pool sequence, starting as ``start`` says, with at least one
    convolution, that maps ``in_size`` to ``target`` and stops there (the first layer at which
    the size equals the target is the last); stride-1 unpadded convolutions, pool windows that
    tile exactly. Depth-first, pruned where the size drops below the target."""
    found: list[list[tuple[str, int]]] = []

    def extend(size: int, seq: list[tuple[str, int]], next_kind: str) -> None:
        if seq and size == target:
            if any(kind == "conv" for kind, _ in seq):
                found.append(list(seq))
            return
        for kind, k, new in _steps(size, next_kind, kernels, pool, target):
            extend(new, seq + [(kind, k)], "pool" if kind == "conv" else "conv")

    for first in STARTS[start]:
        extend(in_size, [], first)
    return found


def widths(n_conv: int, target_channels: int) -> list[int]:
    """Filter counts that double from layer to layer and end at the target: 16, 32, 64."""
    return [max(1, target_channels // 2 ** (n_conv - 1 - i)) for i in range(n_conv)]


def build(seq: list[tuple[str, int]], in_size: int, in_channels: int, target_channels: int) -> Architecture:
    n_conv = sum(kind == "conv" for kind, _ in seq)
    filters = iter(widths(n_conv, target_channels))
    layers, size, ch = [], in_size, in_channels
    for kind, k in seq:
        if kind == "conv":
            out_ch, s = next(filters), 1
        else:
            out_ch, s = ch, k
        new = out_size(size, k, s=s)
        layers.append(Layer(kind, k, s, size, new, ch, out_ch))
        size, ch = new, out_ch
    return Architecture(tuple(layers))


def stack_key(a: Architecture) -> tuple[int, int, tuple[int, ...]]:
    """Fewest learnable parameters, then fewest layers, then smallest kernels first."""
    return (a.params, len(a.layers), tuple(layer.kernel for layer in a.layers))


def search_stacks(
    in_size: int, in_channels: int, target_size: int, target_channels: int, kernels: tuple[int, ...], pool: int = 2,
    start: str = "conv",
) -> StackSearch:
    seqs = shape_sequences(in_size, target_size, kernels, pool, start)
    if not seqs:
        raise ValueError(f"no alternating conv/pool stack maps {in_size}x{in_size} to {target_size}x{target_size}")
    candidates = tuple(build(s, in_size, in_channels, target_channels) for s in seqs)
    return StackSearch(candidates, min(candidates, key=stack_key))
