"""mlp_gradients: solve: every reported quantity."""

from __future__ import annotations

import numpy as np

from ...maths import mlp
from .data import Params, Result


def solve(p: Params) -> Result:
    net, cp = mlp.Net(activation=p.activation), p.canonical()
    T = p.t.reshape(-1, 1)
    exact = mlp.exact_preactivations(p.X, cp.W1, cp.b1)  # the branch of z = 0.1 * 3 - 0.3 is decided exactly
    fw = mlp.forward(net, cp, p.X, T, exact)
    g = mlp.backward(net, cp, p.X, T, fw)
    kinks = tuple((int(k) + 1, int(j) + 1) for k, j in np.argwhere(exact[1] == 0)) if p.activation == "relu" else ()
    return Result(
        Z=fw.Z1,
        A=fw.A1,
        mask=fw.dA_dZ1,
        y=fw.Y.ravel(),
        residual=fw.residual.ravel(),
        loss=fw.loss,
        dL_dy=g.dL_dY.ravel(),
        dL_dA=g.dL_dA1,
        dL_dZ=g.dL_dZ1,
        dL_dW1=p.form.assignment_w1(g.dL_dW1),
        dL_db1=g.dL_db1,
        dL_dW2=g.dL_dW2.ravel(),
        dL_db2=float(g.dL_db2[0]),
        costs=mlp.mode_costs(p.N, p.d, p.h),
        kinks=kinks,
    )
