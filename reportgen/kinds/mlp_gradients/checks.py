"""mlp_gradients: verify: the independent checks (never imports solver.py)."""

from __future__ import annotations

import numpy as np

from ...verify import Check, close, equal
from .data import Params, Result, _net
from .reference import (
    explicit_jacobian_chains,
    gradients_by_finite_differences,
    loss_by_loops,
    loss_unit,
    scales,
)


def verify(p: Params, r: Result) -> list[Check]:
    net = _net(p)
    fd = gradients_by_finite_differences(net)
    fd_method = "central differences (steps 1e-6 relative to each entry) of a per-sample loop implementation"
    if p.activation == "relu":
        fd_method += ", each ReLU on the branch of its exact sign (z = 0: f = 0, one-sided from below)"
    unit = loss_unit(net)  # the loss's size before cancellation; gradients are relative to unit / scale
    floors = {name: unit / size for name, size in scales(net).items()}
    checks = [
        close("loss L", "per-sample loop implementation", r.loss, loss_by_loops(net), 1e-12, unit * 1e-3),
        close("dL/dW(1)", fd_method, r.dL_dW1, fd["W1"], 1e-6, floors["W1"] * 1e-3),
        close("dL/db(1)", fd_method, r.dL_db1, fd["b1"], 1e-6, floors["b1"] * 1e-3),
        close("dL/dW(2)", fd_method, r.dL_dW2, fd["W2"], 1e-6, floors["W2"] * 1e-3),
        close("dL/db(2)", fd_method, r.dL_db2, fd["b2"][0], 1e-6, floors["b2"] * 1e-3),
    ]
    chains = explicit_jacobian_chains(p.X, p.W2, r.A, r.mask, r.residual)
    dW1 = p.form.unit_major_w1(r.dL_dW1)  # (h, d): unit by unit, as the chains
    backprop = np.concatenate([dW1.ravel(), r.dL_db1, r.dL_dW2, [r.dL_db2]])
    g_floor = 1e-3 * min(floors.values())
    checks += [
        close("gradient by the reverse Jacobian chain", "dense Jacobians multiplied from the loss side",
              chains.reverse_grad, backprop, 1e-12, g_floor),
        close("gradient by the forward Jacobian chain", "dense Jacobians multiplied from the input side",
              chains.forward_grad, backprop, 1e-12, g_floor),
        equal("multiplications, reverse order", "counted while multiplying the dense Jacobians",
              chains.reverse_mults, r.costs.reverse_total),
        equal("multiplications, forward order", "counted while multiplying the dense Jacobians",
              chains.forward_mults, r.costs.forward_total),
    ]
    return checks
