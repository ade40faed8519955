"""Problem kinds: each is a module with ``parse(table) -> Params``, ``solve(params) -> Result``
and ``verify(params, result) -> list[Check]``, rendered by ``templates/sections/<kind>.tex.j2``.

Kinds are imported on first use, so a report that needs no SymPy never imports it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..spec import Table

KINDS = {
    "mlp_gradients": "Gradients of a one-hidden-layer regression network, computed and explained",
    "gd_step_size": "Admissible gradient-descent learning rates on a quadratic",
    "cnn_design": "A conv/pool stack that reaches a target shape, with parameter counts",
    "softmax_ce_gradient": "The derivative of softmax cross-entropy, general and one-hot targets",
    "smoothed_ce_derivation": "Gradients of the label-smoothed cross-entropy through a ReLU/softmax network, derived",
    "smoothed_ce_step": "Forward pass, backpropagation and one gradient-descent step with label smoothing",
}


def kind_module(kind: str, where: Table | None = None) -> ModuleType:
    if kind not in KINDS:
        known = ", ".join(sorted(KINDS))
        if where is None:
            raise KeyError(kind)
        raise where.error("kind", f"unknown problem kind {kind!r}; known kinds: {known}")
    return importlib.import_module(f"{__name__}.{kind}")
