"""smoothed_ce_derivation: solve: every reported quantity."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy import Derivative, KroneckerDelta, Sum

from ...maths.derivation import Chain, Step
from .data import Derived, Params, Result
from .symbols import (
    MX,
    W1,
    W2,
    a,
    b1,
    b2,
    d,
    delta1,
    delta2,
    eps,
    h,
    h_entry,
    i,
    j,
    k,
    l,
    m,
    n,
    q,
    r,
    soft_data,
    softmax_data,
    softmax_entry,
    written,
    written_sum,
    x,
    y,
    yh,
    ys,
    z,
    z_entry,
)


def at(symbols: tuple, rows: tuple, data: Any = None) -> tuple[dict, ...]:
    """Instances: each row gives values for ``symbols`` (a str names a value used only by
    ``data``, such as the true class); ``data(*row)`` adds the entries' Lambdas."""
    return tuple({**{s: v for s, v in zip(symbols, row, strict=True) if not isinstance(s, str)},
                  **(data(*row) if data else {})} for row in rows)


THROUGH_Z = "chain rule through every z_i, delta2_i = dLoss/dz_i"
THROUGH_H = "chain rule through every h_l, delta1_l = dLoss/dh_l"
KEEP_IK = "delta_ik keeps the term i = k"
KEEP_LJ = "delta_lj keeps the term l = j"


def softmax_part() -> tuple[Derived, Derived, Derived, Derived]:
    """Soft labels, dLoss/dyhat, the softmax Jacobian and their collapse to dLoss/dz."""
    soft = Derived("", "", Chain("soft labels sum to one", Sum(ys[i], (i, 1, q)), (
        Step(Sum(written_sum(written(1 - eps, y[i]), eps / q), (i, 1, q)), "definition of the soft labels"),
        Step(written_sum(written(1 - eps, Sum(y[i], (i, 1, q))), eps),
             "the constant eps/q is added q times"),
        Step(sp.Integer(1), "y is one-hot: its entries sum to 1"),
    ), {eps: (0.0, 1.0)}, at((q, "class"), ((2, 1), (3, 1), (3, 3), (5, 2)), lambda s, c: soft_data(s, c))))

    dyhat = Derived("dLoss/dyhat_k", "definition of the loss", Chain(
        "dLoss/dyhat_k", Derivative(-Sum(written(ys[i], sp.log(yh[i])), (i, 1, q)), yh[k]), (
            Step(-Sum(ys[i] * KroneckerDelta(i, k) / yh[i], (i, 1, q)),
                 "only the term i = k depends on yhat_k, and (ln u)' = 1/u"),
            Step(-ys[k] / yh[k], KEEP_IK),
        ), {yh: (0.05, 1.0)}, at((q, k), ((2, 1), (3, 2), (5, 5)))))

    S = Sum(sp.exp(z[r]), (r, 1, q))
    yhat = MX["yhat"]
    jacobian = Derived("dyhat_i/dz_k", "definition of the softmax", Chain(
        "softmax Jacobian dyhat_i/dz_k", Derivative(softmax_entry(i), z[k]), (
            Step(written_sum(KroneckerDelta(i, k) * sp.exp(z[i]) / S, -sp.exp(z[i]) * sp.exp(z[k]) / S**2),
                 "quotient rule: de^(z_i)/dz_k = delta_ik e^(z_i), d(sum_r e^(z_r))/dz_k = e^(z_k)"),
            Step(written_sum(yh[i] * KroneckerDelta(i, k), -yh[i] * yh[k]),
                 "yhat_i = e^(z_i) / sum_r e^(z_r)"),
            Step(written(yh[i], KroneckerDelta(i, k) - yh[k]), "factor out yhat_i"),
        ), {}, at((q, i, k), ((2, 1, 1), (2, 1, 2), (3, 3, 3), (4, 2, 3)), lambda s, *_: softmax_data(s))),
        "dyhat/dz", jacobian_formula(yhat), "jacobian")

    dz = Derived("dLoss/dz_k", "the loss as a function of z", Chain(
        "dLoss/dz_k", Derivative(-Sum(written(ys[i], sp.log(softmax_entry(i))), (i, 1, q)), z[k]), (
            Step(Sum(written(-ys[i] / yh[i], written(yh[i], KroneckerDelta(i, k) - yh[k])), (i, 1, q)),
                 "chain rule through every yhat_i, with the two results above"),
            Step(written_sum(-ys[k], written(yh[k], Sum(ys[i], (i, 1, q)))),
                 "yhat_i cancels; delta_ik keeps the term i = k"),
            Step(yh[k] - ys[k], "the soft labels sum to one"),
        ), {eps: (0.0, 1.0)}, at((q, k, "class"), ((2, 1, 1), (2, 2, 1), (3, 2, 1), (4, 3, 3)),
                                 lambda s, _, c: {**softmax_data(s), **soft_data(s, c)})),
        "delta2 = dLoss/dz", yhat - MX["ys"], "z")
    return soft, dyhat, jacobian, dz


def jacobian_formula(yhat: sp.MatrixSymbol) -> sp.MatAdd:
    """diag(yhat) - yhat yhat^T, built as SymPy's ``DiagMatrix(yhat) - yhat * yhat.T`` leaves it
    (the same expression, terms in its order) without its doit(): that asks whether yhat is
    diagonal, which loads SymPy's SAT-based assumptions (0.04 s) for an answer that changes nothing."""
    return sp.MatAdd(-yhat * sp.Transpose(yhat), sp.DiagMatrix(yhat))


def layer_part() -> tuple[Derived, ...]:
    """W2, b2, a and h (through the ReLU) from delta2 = dLoss/dz; W1, b1 from delta1 = dLoss/dh."""
    d2, d1 = MX["delta2"], MX["delta1"]
    dW2 = Derived("dLoss/d(W2)_jk", THROUGH_Z, Chain(
        "dLoss/d(W2)_jk", Sum(written(delta2[i], Derivative(z_entry(i), W2[j, k])), (i, 1, q)), (
            Step(Sum(written(delta2[i], a[j], KroneckerDelta(i, k)), (i, 1, q)),
                 "only the term l = j of z_i depends on (W2)_jk, and only if i = k"),
            Step(written(a[j], delta2[k]), KEEP_IK),
        ), {}, at((n, q, j, k), ((3, 3, 2, 1), (2, 4, 1, 4), (1, 2, 1, 2)))),
        "dLoss/dW2", MX["a"] * sp.Transpose(d2), "W2")

    db2 = Derived("dLoss/d(b2)_k", THROUGH_Z, Chain(
        "dLoss/d(b2)_k", Sum(written(delta2[i], Derivative(z_entry(i), b2[k])), (i, 1, q)), (
            Step(Sum(written(delta2[i], KroneckerDelta(i, k)), (i, 1, q)),
                 "z_i depends on (b2)_k only if i = k"),
            Step(delta2[k], KEEP_IK),
        ), {}, at((n, q, k), ((3, 3, 1), (2, 4, 3)))),
        "dLoss/db2", d2, "b2")

    da = Derived("dLoss/da_j", THROUGH_Z, Chain(
        "dLoss/da_j", Sum(written(delta2[i], Derivative(z_entry(i), a[j])), (i, 1, q)), (
            Step(Sum(written(W2[j, i], delta2[i]), (i, 1, q)), "only the term l = j of z_i depends on a_j"),
        ), {}, at((n, q, j), ((3, 3, 2), (2, 4, 1), (1, 2, 1)))),
        "dLoss/da", MX["W2"] * d2, "a")

    dh = Derived("dLoss/dh_j", THROUGH_Z, Chain(
        "dLoss/dh_j", Sum(written(delta2[i], Derivative(z_entry(i, hidden=h), h[j])), (i, 1, q)), (
            Step(Sum(written(delta2[i], W2[j, i], sp.Heaviside(h[j])), (i, 1, q)),
                 "only the term l = j depends on h_j; d/dh max(0, h) = I[h > 0] for h != 0"),
            Step(written(sp.Heaviside(h[j]), Sum(written(W2[j, i], delta2[i]), (i, 1, q))),
                 "the indicator does not depend on i"),
        ), {}, at((n, q, j), ((3, 3, 2), (2, 4, 1)))),
        "delta1 = dLoss/dh", sp.HadamardProduct(MX["W2"] * d2, MX["mask"]), "h")

    dW1 = Derived("dLoss/d(W1)_mj", THROUGH_H, Chain(
        "dLoss/d(W1)_mj", Sum(written(delta1[l], Derivative(h_entry(l), W1[m, j])), (l, 1, n)), (
            Step(Sum(written(delta1[l], x[m], KroneckerDelta(l, j)), (l, 1, n)),
                 "only the term p = m of h_l depends on (W1)_mj, and only if l = j"),
            Step(written(x[m], delta1[j]), KEEP_LJ),
        ), {}, at((d, n, m, j), ((2, 3, 2, 2), (3, 2, 1, 2), (1, 1, 1, 1)))),
        "dLoss/dW1", MX["x"] * sp.Transpose(d1), "W1")

    db1 = Derived("dLoss/d(b1)_j", THROUGH_H, Chain(
        "dLoss/d(b1)_j", Sum(written(delta1[l], Derivative(h_entry(l), b1[j])), (l, 1, n)), (
            Step(Sum(written(delta1[l], KroneckerDelta(l, j)), (l, 1, n)),
                 "h_l depends on (b1)_j only if l = j"),
            Step(delta1[j], KEEP_LJ),
        ), {}, at((d, n, j), ((2, 3, 2), (3, 2, 1)))),
        "dLoss/db1", d1, "b1")
    return dW2, db2, da, dh, dW1, db1


def solve(p: Params) -> Result:
    return Result(*softmax_part(), *layer_part())
