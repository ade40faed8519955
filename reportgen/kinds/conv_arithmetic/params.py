"""conv_arithmetic: parse: read and check its keys."""

from __future__ import annotations

from ...spec import Table
from .data import ITEM_RE, KINDS, MAX_CHANNELS, MAX_DESIGN, MAX_LAYERS, MAX_SIZE, Constraint, LayerSpec, Params
from .model import run_stack, search_design


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
            search_design(p.design_in_size, p.design_out_size, c.item, c.padding, c.dilation)
        except ValueError as exc:
            raise design.error(f"constraints[{i}]", str(exc)) from None
    return p
