"""Independent re-computations for the regression network (no shared code with reportgen.maths.mlp).

Everything here takes plain arrays in the assignment's layout (``column``: W1 is h x d,
``row``: W1 is d x h), gathered in ``Net``, never the problem kind's own types.

ReLU kinks: the sign of each pre-activation is decided here in exact rational arithmetic on the
decimals as written, and the loss is differenced with every ReLU held on that branch (for
z = 0 the branch f = 0 of z <= 0). Near a kink this is the one-sided difference from the side
the convention f'(0) = 0 names, and a step never jumps across a kink.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...verify import array_scale, central_diff, decimal

STEP = 1e-6  # relative central-difference step


@dataclass(frozen=True)
class Net:
    """The regression network's data as plain arrays, in the assignment's layout."""

    layout: str  # "column" (W1 is h x d) or "row" (W1 is d x h)
    activation: str
    X: np.ndarray  # (N, d)
    t: np.ndarray  # (N,)
    W1: np.ndarray
    b1: np.ndarray  # (h,)
    W2: np.ndarray  # (h,)
    b2: float

    @property
    def N(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def h(self) -> int:
        return self.b1.shape[0]


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


_F = {"sigmoid": _sigmoid, "tanh": math.tanh}


def _weight(p: Net, W1: np.ndarray, i: int, j: int) -> float:
    """The weight from input i to hidden unit j (column layout: W1[j, i]; row layout: W1[i, j])."""
    return W1[j, i] if p.layout == "column" else W1[i, j]


def exact_signs(p: Net) -> list[list[int]]:
    """sign(z_kj) for every sample k and unit j, from the decimals as written (0.1 * 3 - 0.3 = 0)."""
    out = []
    for k in range(p.N):
        row = []
        for j in range(p.h):
            z = decimal(p.b1[j]) + sum(decimal(_weight(p, p.W1, i, j)) * decimal(p.X[k, i]) for i in range(p.d))
            row.append((z > 0) - (z < 0))
        out.append(row)
    return out


def loss_by_loops(p: Net, W1=None, b1=None, W2=None, b2=None, signs=None) -> float:
    """L = 1/2 sum_k (y_k - t_k)^2 written as explicit sums over the assignment's indices; a
    ReLU unit is linear (z) or zero as ``signs`` (the pattern at the data) says."""
    W1 = p.W1 if W1 is None else W1
    b1 = p.b1 if b1 is None else b1
    W2 = p.W2 if W2 is None else W2
    b2 = p.b2 if b2 is None else b2
    signs = exact_signs(p) if signs is None and p.activation == "relu" else signs
    loss = 0.0
    for k in range(p.N):
        y = float(b2)
        for j in range(p.h):
            z = b1[j] + sum(_weight(p, W1, i, j) * p.X[k, i] for i in range(p.d))
            a = (z if signs[k][j] > 0 else 0.0) if p.activation == "relu" else _F[p.activation](z)
            y += W2[j] * a
        loss += 0.5 * (y - p.t[k]) ** 2
    return float(loss)


def scales(p: Net) -> dict[str, float]:
    """A typical size for each parameter array: its largest entry, or where it is all zero the
    size its terms would need (W1 ~ z / x, W2 ~ y / a), from absolute values of the data; for
    sigmoid and tanh, which bend on the scale 1 of z, at most what moves z by 1e-4 per step of
    1e-6 of it. Steps of central differences and the floors of tolerances are relative to these."""
    z = max(abs(p.b1[j]) + sum(abs(_weight(p, p.W1, i, j) * p.X[k, i]) for i in range(p.d))
            for k in range(p.N) for j in range(p.h))
    a = 1.0 if p.activation == "sigmoid" else (min(z, 1.0) if p.activation == "tanh" else z)
    y = math.sqrt(2 * loss_unit(p) / p.N) or 1.0
    x = array_scale(p.X)
    z = z or 1.0
    out = {"W1": array_scale(p.W1, z / x), "b1": array_scale(p.b1, z),
           "W2": array_scale(p.W2, y / (a or 1.0)), "b2": array_scale(p.b2, y)}
    if p.activation != "relu":  # ReLU held on a branch is linear: any step is exact but for rounding
        out["W1"], out["b1"] = min(out["W1"], 1e-4 / STEP / x), min(out["b1"], 1e-4 / STEP)
    return out


def gradients_by_finite_differences(p: Net) -> dict[str, np.ndarray]:
    """Central differences with steps relative to each entry (h_i = 1e-6 max(|theta_i|, s),
    s the array's scale; see scales), ReLU units held on their exact branch."""
    signs = exact_signs(p) if p.activation == "relu" else None
    s = scales(p)
    cap = {"W1": STEP * s["W1"], "b1": STEP * s["b1"]} if p.activation != "relu" else {}
    inf = float("inf")
    return {
        "W1": central_diff(lambda W: loss_by_loops(p, W1=W, signs=signs), p.W1, STEP, s["W1"], cap.get("W1", inf)),
        "b1": central_diff(lambda b: loss_by_loops(p, b1=b, signs=signs), p.b1, STEP, s["b1"], cap.get("b1", inf)),
        "W2": central_diff(lambda w: loss_by_loops(p, W2=w, signs=signs), p.W2, STEP, s["W2"]),
        "b2": central_diff(lambda b: loss_by_loops(p, b2=float(b[0]), signs=signs), np.array([p.b2]), STEP, s["b2"]),
    }


def loss_unit(p: Net) -> float:
    """The size the loss's terms have before they cancel: 1/2 sum_k (|y_k|_abs + |t_k|)^2 with
    |y_k|_abs the prediction recomputed from absolute values (|f(z)| <= |z| for ReLU and tanh;
    for sigmoid max(1, |z|/4), which also bounds how far a rounding of z moves f). A floor for
    tolerances: rounding errors are relative to this, not to L."""
    total = 0.0
    for k in range(p.N):
        y = abs(p.b2)
        for j in range(p.h):
            z = abs(p.b1[j]) + sum(abs(_weight(p, p.W1, i, j) * p.X[k, i]) for i in range(p.d))
            y += abs(p.W2[j]) * (max(1.0, z / 4) if p.activation == "sigmoid" else z)
        total += 0.5 * (y + abs(p.t[k])) ** 2
    return total


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
