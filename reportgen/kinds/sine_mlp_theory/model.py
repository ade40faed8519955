"""sine_mlp_theory: code its solver and its checks share."""

from __future__ import annotations

import numpy as np

from ...maths import mlp
from .data import Backprop, Network

NET = mlp.Net(activation="sin", head="softmax", reduction="sum")


def onehot_of(label: int, classes: int) -> np.ndarray:
    return np.eye(classes)[label]


def backprop(net: Network, xv: np.ndarray, label: int) -> Backprop:
    """mlp.forward / mlp.backward on the one-row batch X = x^T, T = onehot(y)^T, transposed back."""
    X, T = xv.reshape(1, -1), onehot_of(label, net.b2.size).reshape(1, -1)
    p = net.canonical()
    fw = mlp.forward(NET, p, X, T)
    g = mlp.backward(NET, p, X, T, fw)
    return Backprop(
        ha=fw.Z1[0], hs=fw.A1[0], oa=fw.Z2[0], os=fw.Y[0], loss=fw.loss,
        dL_doa=g.dL_dZ2[0], dL_dW2=g.dL_dW2.T, dL_db2=g.dL_db2, dL_dhs=g.dL_dA1[0], dL_dha=g.dL_dZ1[0],
        dL_dW1=g.dL_dW1.T, dL_db1=g.dL_db1, dL_dx=g.dL_dX[0],
    )


def n_theta(d_in: int, dh: int, classes: int) -> int:
    """d_h (d + 1) + m (d_h + 1)."""
    return dh * (d_in + 1) + classes * (dh + 1)
