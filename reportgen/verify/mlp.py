"""Independent re-computations for the regression network (no shared code with solvers.mlp).

Everything here takes plain arrays in the assignment's layout (``column``: W1 is h x d,
``row``: W1 is d x h), never the problem kind's own types.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import central_diff

_F = {"relu": lambda z: max(z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh}


def loss_by_loops(layout: str, activation: str, X: np.ndarray, t: np.ndarray, W1: np.ndarray, b1: np.ndarray,
                  W2: np.ndarray, b2: float) -> float:
    """L = 1/2 sum_k (y_k - t_k)^2 written as explicit sums over the assignment's indices."""
    f = _F[activation]
    (N, d), h = X.shape, b1.shape[0]
    loss = 0.0
    for k in range(N):
        y = b2
        for j in range(h):
            # column layout: z_j = sum_i W1[j, i] x_i; row layout: z_j = sum_i x_i W1[i, j]
            weights = [W1[j, i] if layout == "column" else W1[i, j] for i in range(d)]
            z = b1[j] + sum(w * X[k, i] for i, w in enumerate(weights))
            y += W2[j] * f(z)
        loss += 0.5 * (y - t[k]) ** 2
    return float(loss)


def gradients_by_finite_differences(layout: str, activation: str, X: np.ndarray, t: np.ndarray, W1: np.ndarray,
                                    b1: np.ndarray, W2: np.ndarray, b2: float) -> dict[str, np.ndarray]:
    def loss(**change: object) -> float:
        return loss_by_loops(layout, activation, X, t, **{"W1": W1, "b1": b1, "W2": W2, "b2": b2, **change})

    return {
        "W1": central_diff(lambda W: loss(W1=W), W1),
        "b1": central_diff(lambda b: loss(b1=b), b1),
        "W2": central_diff(lambda w: loss(W2=w), W2),
        "b2": central_diff(lambda b: loss(b2=float(b)), np.array(b2)),
    }


@dataclass(frozen=True)
class Chains:
    """The gradient as (vec W1 (h x d: unit by unit), b1, w2, b2), by both orders of the chain."""

    reverse_grad: np.ndarray
    forward_grad: np.ndarray
    reverse_mults: int
    forward_mults: int


def explicit_jacobian_chains(X: np.ndarray, W2: np.ndarray, A: np.ndarray, mask: np.ndarray,
                             residual: np.ndarray) -> Chains:
    """Build every local Jacobian as a dense matrix, multiply the chain in both orders, and
    count the scalar multiplications the products actually performed. ``A`` (N x h) are the
    hidden outputs, ``mask`` (N x h) f'(z), ``residual`` (N,) y - t."""
    (N, d), h = X.shape, W2.shape[0]
    mults = {"n": 0}

    def mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        mults["n"] += a.shape[0] * a.shape[1] * b.shape[1]
        return a @ b

    J_L_y = residual.reshape(1, N)
    J_y_A = np.zeros((N, N * h))
    J_Z_t1 = np.zeros((N * h, h * (d + 1)))
    J_y_t2 = np.zeros((N, h + 1))
    for k in range(N):
        for j in range(h):
            J_y_A[k, k * h + j] = W2[j]
            J_y_t2[k, j] = A[k, j]
            J_Z_t1[k * h + j, h * d + j] = 1.0
            for i in range(d):
                J_Z_t1[k * h + j, j * d + i] = X[k, i]
        J_y_t2[k, h] = 1.0
    J_A_Z = np.diag(mask.ravel())

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
    return Chains(reverse, forward, reverse_mults, forward_mults)
