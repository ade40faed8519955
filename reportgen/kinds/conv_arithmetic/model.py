"""conv_arithmetic: code its solver and its checks share."""

from __future__ import annotations

from ...maths.conv import Config, configs, conv_weights, out_size
from .data import Design, Params, Stage


def run_stack(p: Params) -> tuple[Stage, ...]:
    stages = [Stage("input", 0, 0, 0, p.in_size, p.in_channels, 0, 0)]
    for layer in p.layers:
        prev = stages[-1]
        size = out_size(prev.size, layer.kernel, layer.stride, layer.padding)
        if size < 1:
            raise ValueError(f"a {layer.kernel}x{layer.kernel} window does not fit a {prev.size}x{prev.size} input")
        if layer.kind == "conv":
            ch, w, b = layer.filters, conv_weights(layer.kernel, prev.channels, layer.filters), layer.filters
        else:
            ch, w, b = prev.channels, 0, 0
        stages.append(Stage(layer.kind, layer.kernel, layer.stride, layer.padding, size, ch, w, b))
    return tuple(stages)


def design_key(c: Config) -> tuple[int, int]:
    return (c.k, c.s)


def search_design(n: int, target: int, item: str, p: int, d: int) -> Design:
    bound = n + 2 * p
    found = configs(n, target, p, d, bound, bound)
    exact = tuple(c for c in found if c.fits(n))
    covering = tuple(c for c in exact if c.s <= c.extent())
    if not covering:
        raise ValueError(f"({item}): no exact, gap-free layer maps {n} to {target} with p = {p}, d = {d}")
    return Design(item, p, d, bound, bound, found, exact, covering, min(covering, key=design_key))
