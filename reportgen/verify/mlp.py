"""Independent re-computations for the regression network (no shared code with solvers.mlp)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import central_diff

if TYPE_CHECKING:
    from ..problems.mlp_gradients import Params, Result

_F = {"relu": lambda z: max(z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh}


def loss_by_loops(p: Params, W1=None, b1=None, W2=None, b2=None) -> float:
    """L = 1/2 sum_k (y_k - t_k)^2 written as explicit sums over the assignment's indices."""
    W1 = p.W1 if W1 is None else W1
    b1 = p.b1 if b1 is None else b1
    W2 = p.W2 if W2 is None else W2
    b2 = p.b2 if b2 is None else b2
    f = _F[p.activation]
    loss = 0.0
    for k in range(p.N):
        y = b2
        for j in range(p.h):
            # column layout: z_j = sum_i W1[j, i] x_i; row layout: z_j = sum_i x_i W1[i, j]
            weights = [W1[j, i] if p.layout == "column" else W1[i, j] for i in range(p.d)]
            z = b1[j] + sum(w * p.X[k, i] for i, w in enumerate(weights))
            y += W2[j] * f(z)
        loss += 0.5 * (y - p.t[k]) ** 2
    return float(loss)


def gradients_by_finite_differences(p: Params) -> dict[str, np.ndarray]:
    return {
        "W1": central_diff(lambda W: loss_by_loops(p, W1=W), p.W1),
        "b1": central_diff(lambda b: loss_by_loops(p, b1=b), p.b1),
        "W2": central_diff(lambda w: loss_by_loops(p, W2=w), p.W2),
        "b2": central_diff(lambda b: loss_by_loops(p, b2=float(b)), np.array(p.b2)),
    }


@dataclass(frozen=True)
class Chains:
    backprop_grad: np.ndarray  # (vec W1 (h x d, row-major), b1, w2, b2) from the solver
    reverse_grad: np.ndarray
    forward_grad: np.ndarray
    reverse_mults: int
    forward_mults: int


def explicit_jacobian_chains(p: Params, r: Result) -> Chains:
    """Build every local Jacobian as a dense matrix, multiply the chain in both orders, and
    count the scalar multiplications the products actually performed."""
    N, d, h = p.N, p.d, p.h
    mults = {"n": 0}

    def mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        mults["n"] += a.shape[0] * a.shape[1] * b.shape[1]
        return a @ b

    J_L_y = r.residual.reshape(1, N)
    J_y_A = np.zeros((N, N * h))
    J_Z_t1 = np.zeros((N * h, h * (d + 1)))
    J_y_t2 = np.zeros((N, h + 1))
    for k in range(N):
        for j in range(h):
            J_y_A[k, k * h + j] = p.W2[j]
            J_y_t2[k, j] = r.A[k, j]
            J_Z_t1[k * h + j, h * d + j] = 1.0
            for i in range(d):
                J_Z_t1[k * h + j, j * d + i] = p.X[k, i]
        J_y_t2[k, h] = 1.0
    J_A_Z = np.diag(r.mask.ravel())

    mults["n"] = 0
    g_t2 = mm(J_L_y, J_y_t2)
    g_Z = mm(mm(J_L_y, J_y_A), J_A_Z)
    g_t1 = mm(g_Z, J_Z_t1)
    reverse = np.concatenate([g_t1.ravel(), g_t2.ravel()])
    reverse_mults = mults["n"]

    mults["n"] = 0
    T_y = mm(J_y_A, mm(J_A_Z, J_Z_t1))
    f_t1 = mm(J_L_y, T_y)
    f_t2 = mm(J_L_y, J_y_t2)
    forward = np.concatenate([f_t1.ravel(), f_t2.ravel()])
    forward_mults = mults["n"]

    dW1 = r.dL_dW1 if p.layout == "column" else r.dL_dW1.T
    backprop = np.concatenate([dW1.ravel(), r.dL_db1, r.dL_dW2, [r.dL_db2]])
    return Chains(backprop, reverse, forward, reverse_mults, forward_mults)
