"""mlp_gradients: parse: read and check its keys."""

from __future__ import annotations

import numpy as np

from ...errors import SpecError
from ...spec import Table
from .data import MAX_WORK, Params, _net
from .layout import NAMES as LAYOUTS
from .layout import Layout
from .reference import (
    loss_unit,
)


def parse(t: Table) -> Params:
    layout = t.choice("layout", LAYOUTS)
    activation = t.choice("activation", ("relu", "sigmoid", "tanh"), "relu")
    X = t.array("X", (None, None))
    N, d = X.shape
    targets = t.array("t", (N,))
    b1 = t.array("b1", (None,))
    h = b1.shape[0]
    W1 = t.array("W1", Layout(layout).w1_shape(h, d))
    W2 = t.array("W2", (h,))
    b2 = float(t.array("b2", ()))
    work = N * h * (d + 1) * (h * (d + 2) + 1)
    if work > MAX_WORK:
        raise t.error("X", f"{N} samples, {d} inputs and {h} hidden units need {work:,} loop steps to verify "
                           f"by finite differences; at most {MAX_WORK:,} (fewer samples or units)")
    p = Params(layout, activation, X, targets, W1, b1, W2, b2, t.boolean("explain_order", True))
    with np.errstate(over="ignore"):
        unit = loss_unit(_net(p))
    if not unit <= 1e300:
        raise SpecError(t.file, t.path, f"the data's scale puts the loss's terms at {unit:.3g}, beyond what double "
                                        "precision can hold and difference (1e300); scale X, t and the weights down")
    return p
