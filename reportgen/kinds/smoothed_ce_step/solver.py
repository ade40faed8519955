"""smoothed_ce_step: solve: every reported quantity."""

from __future__ import annotations

import numpy as np

from ...maths import mlp
from .data import Params, Result


def solve(p: Params) -> Result:
    net, cp = mlp.Net("relu", "softmax", "sum"), p.canonical()
    X = p.x.reshape(1, -1)
    y_soft = (1.0 - p.epsilon) * p.y + p.epsilon / p.q
    T = y_soft.reshape(1, -1)
    exact = mlp.exact_preactivations(X, cp.W1, cp.b1)  # the ReLU branch of h = 0.1 * 3 - 0.3 is decided exactly
    fw = mlp.forward(net, cp, X, T, exact)
    g = mlp.backward(net, cp, X, T, fw)
    new = cp.step(g, p.eta)
    if not np.all(np.isfinite(new.flat())):
        raise ValueError(f"the step with eta = {p.eta:g} overflows the updated weights (beyond 1.8e308)")
    z = fw.Z2[0]
    return Result(
        h=fw.Z1[0], a=fw.A1[0], mask=fw.dA_dZ1[0], z=z, yhat=fw.Y[0], y_soft=y_soft,
        log_sum_exp=float(mlp.log_sum_exp(z)), ys_dot_z=float(y_soft @ z), loss=fw.loss,
        dL_dyhat=g.dL_dY[0], softmax_jacobian=np.diag(fw.Y[0]) - np.outer(fw.Y[0], fw.Y[0]),
        dL_dz=g.dL_dZ2[0], dL_dW2=g.dL_dW2, dL_db2=g.dL_db2, dL_da=g.dL_dA1[0],
        dL_dh=g.dL_dZ1[0], dL_dW1=g.dL_dW1, dL_db1=g.dL_db1,
        W1_new=new.W1, b1_new=new.b1, W2_new=new.W2, b2_new=new.b2, loss_new=mlp.loss_at(net, new, X, T),
        kinks=tuple(int(j) + 1 for j in np.flatnonzero(exact[1][0] == 0)),
    )
