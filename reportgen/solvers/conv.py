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
        return self.kernel * self.kernel * self.in_channels * self.out_channels if self.kind == "conv" else 0

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
    def signature(self) -> str:
        """'conv5 pool conv7 pool': the shape-determining sequence."""
        return " ".join(f"conv{layer.kernel}" if layer.kind == "conv" else "pool" for layer in self.layers)


@dataclass(frozen=True)
class StackSearch:
    candidates: tuple[Architecture, ...]  # every valid stack, in search order
    chosen: Architecture  # by the selection rule


def shape_sequences(in_size: int, target: int, kernels: tuple[int, ...], pool: int) -> list[list[tuple[str, int]]]:
    """Every strictly alternating conv/pool sequence, starting with a convolution, that maps
    ``in_size`` to ``target``; stride-1 unpadded convolutions, pool windows that tile exactly."""
    found: list[list[tuple[str, int]]] = []

    def extend(size: int, seq: list[tuple[str, int]], next_kind: str) -> None:
        if seq and size == target:
            found.append(list(seq))
            return
        if next_kind == "conv":
            for k in kernels:
                if fits_exactly(size, k) and out_size(size, k) >= target:
                    extend(out_size(size, k), seq + [("conv", k)], "pool")
        elif fits_exactly(size, pool, s=pool) and out_size(size, pool, s=pool) >= target:
            extend(out_size(size, pool, s=pool), seq + [("pool", pool)], "conv")

    extend(in_size, [], "conv")
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


def selection_key(a: Architecture) -> tuple[int, int, tuple[int, ...]]:
    """Fewest learnable parameters, then fewest layers, then smallest kernels first."""
    return (a.params, len(a.layers), tuple(layer.kernel for layer in a.layers))


def search(
    in_size: int, in_channels: int, target_size: int, target_channels: int, kernels: tuple[int, ...], pool: int = 2
) -> StackSearch:
    seqs = shape_sequences(in_size, target_size, kernels, pool)
    if not seqs:
        raise ValueError(f"no alternating conv/pool stack maps {in_size}x{in_size} to {target_size}x{target_size}")
    candidates = tuple(build(s, in_size, in_channels, target_channels) for s in seqs)
    return StackSearch(candidates, min(candidates, key=selection_key))
