"""smoothed_ce_derivation: the symbols its derivations and their checks share."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy import IndexedBase, KroneckerDelta, Lambda, MatrixSymbol, Sum

d, n, q = sp.symbols("d n q", integer=True, positive=True)
i, k, r = sp.symbols("i k r", integer=True, positive=True)  # outputs: summed, free, softmax sum
j, l = sp.symbols("j l", integer=True, positive=True)  # hidden units: free, summed
m, p_ = sp.symbols("m p", integer=True, positive=True)  # inputs: free, summed
# plain names (what solve --json shows); reportgen.printer.notation sets them
eps = sp.Symbol("epsilon", positive=True)
x, y, ys = IndexedBase("x"), IndexedBase("y"), IndexedBase("y_s")
yh = IndexedBase("y_hat", positive=True)
z, h, a = IndexedBase("z", real=True), IndexedBase("h", real=True), IndexedBase("a")
W1, b1 = IndexedBase("W_1"), IndexedBase("b_1")
W2, b2 = IndexedBase("W_2"), IndexedBase("b_2")
delta1, delta2 = IndexedBase("delta^(1)"), IndexedBase("delta^(2)")

# the same quantities as matrices (column vectors), for the matrix formulas
MX = {
    "x": MatrixSymbol("x", d, 1),
    "W1": MatrixSymbol("W_1", d, n),
    "b1": MatrixSymbol("b_1", n, 1),
    "h": MatrixSymbol("h", n, 1),
    "a": MatrixSymbol("a", n, 1),
    "W2": MatrixSymbol("W_2", n, q),
    "b2": MatrixSymbol("b_2", q, 1),
    "z": MatrixSymbol("z", q, 1),
    "yhat": MatrixSymbol("y_hat", q, 1),
    "ys": MatrixSymbol("y_s", q, 1),
    "mask": MatrixSymbol("I[h>0]", n, 1),
    "delta2": MatrixSymbol("delta^(2)", q, 1),
    "delta1": MatrixSymbol("delta^(1)", n, 1),
}


def written(*factors: Any) -> sp.Expr:
    """A product shown in the order written (checked as the ordinary product)."""
    return sp.UnevaluatedExpr(sp.Mul(*factors, evaluate=False))


def written_sum(*terms: Any) -> sp.Expr:
    return sp.UnevaluatedExpr(sp.Add(*terms, evaluate=False))


def softmax_entry(t: Any, size: Any = q) -> sp.Expr:
    return sp.exp(z[t]) / Sum(sp.exp(z[r]), (r, 1, size))


def z_entry(t: Any, hidden: Any = None) -> sp.Expr:
    """z_t = sum_l (W2)_{lt} a_l + (b2)_t, with a_l = max(0, h_l) when ``hidden`` is h."""
    act = a[l] if hidden is None else sp.Max(0, hidden[l])
    return written_sum(Sum(written(W2[l, t], act), (l, 1, n)), b2[t])


def h_entry(t: Any) -> sp.Expr:
    """h_t = sum_p (W1)_{pt} x_p + (b1)_t."""
    return written_sum(Sum(written(W1[p_, t], x[p_]), (p_, 1, d)), b1[t])


_t = sp.Dummy("t", integer=True)


def soft_data(size: int, cls: int) -> dict:
    """Soft labels of class ``cls`` (one-hot y) among ``size`` classes."""
    return {y: Lambda(_t, KroneckerDelta(_t, cls)),
            ys: Lambda(_t, (1 - eps) * KroneckerDelta(_t, cls) + eps / size)}


def softmax_data(size: int) -> dict:
    return {yh: Lambda(_t, softmax_entry(_t, size))}
