"""Problem kind ``smoothed_ce_derivation``: the gradients of the label-smoothed cross-entropy of a
one-hidden-layer ReLU network with a softmax output, derived step by step.

The assignment's notation (one sample, column vectors)::

    h = W1^T x + b1  (W1 in R^{d x n}),   a = ReLU(h),   z = W2^T a + b2  (W2 in R^{n x q}),
    yhat = Softmax(z),   y^s = (1 - eps) y + eps / q,   Loss = -sum_i y^s_i ln yhat_i.

``solve`` builds the derivation as data. Each gradient is an index-notation ``Chain`` (every
step a SymPy expression, checked at several sizes and indices, with the soft labels and the
softmax substituted where a step needs them) and the matrix formula it adds up to (a SymPy
matrix expression, evaluated with numpy and checked against central differences of an
independent loop implementation on random instances of other sizes and other eps). The report
prints exactly these expressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy import Derivative, IndexedBase, KroneckerDelta, Lambda, MatrixSymbol, Sum

from ..latexfmt import Tex
from ..solvers import mlp
from ..solvers.derivation import Chain, NumericStep, Step
from ..spec import Table
from ..verify import Check, equal
from ..verify import smoothed_ce as loops
from ..verify.derivation import check_chain, check_numeric

name = "smoothed_ce_derivation"
description = "Gradients of the label-smoothed cross-entropy through a ReLU/softmax network, derived"

# --- symbols ----------------------------------------------------------------------------------

d, n, q = sp.symbols("d n q", integer=True, positive=True)
i, k, r = sp.symbols("i k r", integer=True, positive=True)  # outputs: summed, free, softmax sum
j, l = sp.symbols("j l", integer=True, positive=True)  # hidden units: free, summed
m, p_ = sp.symbols("m p", integer=True, positive=True)  # inputs: free, summed
eps = sp.Symbol(r"\epsilon", positive=True)

x, y, ys = IndexedBase("x"), IndexedBase("y"), IndexedBase("y^{s}")
yh = IndexedBase(r"\hat{y}", positive=True)
z, h, a = IndexedBase("z", real=True), IndexedBase("h", real=True), IndexedBase("a")
W1, b1 = IndexedBase(r"\mathbf{W}_1"), IndexedBase(r"\mathbf{b}_1")
W2, b2 = IndexedBase(r"\mathbf{W}_2"), IndexedBase(r"\mathbf{b}_2")
delta1, delta2 = IndexedBase(r"\delta^{(1)}"), IndexedBase(r"\delta^{(2)}")

# the same quantities as matrices (column vectors), for the matrix formulas
MX = {
    "x": MatrixSymbol(r"\mathbf{x}", d, 1),
    "W1": MatrixSymbol(r"\mathbf{W}_1", d, n),
    "b1": MatrixSymbol(r"\mathbf{b}_1", n, 1),
    "h": MatrixSymbol(r"\mathbf{h}", n, 1),
    "a": MatrixSymbol(r"\mathbf{a}", n, 1),
    "W2": MatrixSymbol(r"\mathbf{W}_2", n, q),
    "b2": MatrixSymbol(r"\mathbf{b}_2", q, 1),
    "z": MatrixSymbol(r"\mathbf{z}", q, 1),
    "yhat": MatrixSymbol(r"\hat{\mathbf{y}}", q, 1),
    "ys": MatrixSymbol(r"\mathbf{y}^{s}", q, 1),
    "mask": MatrixSymbol(r"\mathbb{I}[\mathbf{h} > 0]", n, 1),
    "delta2": MatrixSymbol(r"\boldsymbol{\delta}^{(2)}", q, 1),
    "delta1": MatrixSymbol(r"\boldsymbol{\delta}^{(1)}", n, 1),
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


# --- instances at which the index-notation chains are checked ------------------------------------

_t = sp.Dummy("t", integer=True)


def soft_data(size: int, cls: int) -> dict:
    """Soft labels of class ``cls`` (one-hot y) among ``size`` classes."""
    return {y: Lambda(_t, KroneckerDelta(_t, cls)),
            ys: Lambda(_t, (1 - eps) * KroneckerDelta(_t, cls) + eps / size)}


def softmax_data(size: int) -> dict:
    return {yh: Lambda(_t, softmax_entry(_t, size))}


# --- the derivation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    trials: int  # random instances per matrix formula (finite-difference checks)


def parse(t: Table) -> Params:
    return Params(trials=t.integer("trials", 8, lo=1, hi=100))


@dataclass(frozen=True)
class Derived:
    """One result: the index-notation chain for ``lhs`` and, where there is one, the matrix
    formula ``matrix_lhs = formula`` it amounts to (the gradient with respect to ``wrt``)."""

    lhs: Tex  # empty: the chain starts from the quantity itself
    start_why: Tex
    chain: Chain
    matrix_lhs: Tex | None = None
    formula: sp.MatrixExpr | None = None
    wrt: str = ""

    @property
    def shape(self) -> tuple:
        """The formula's shape as the report states it: (rows,) for a column vector."""
        if self.formula is None:
            return ()
        rows, cols = self.formula.shape
        return (rows,) if cols == 1 else (rows, cols)


@dataclass(frozen=True)
class Result:
    soft_labels: Derived
    dloss_dyhat: Derived
    softmax_jacobian: Derived
    dloss_dz: Derived
    W2: Derived
    b2: Derived
    a: Derived
    h: Derived
    W1: Derived
    b1: Derived

    @property
    def all(self) -> tuple[Derived, ...]:
        return (self.soft_labels, self.dloss_dyhat, self.softmax_jacobian, self.dloss_dz,
                self.W2, self.b2, self.a, self.h, self.W1, self.b1)


def dloss(of: str) -> Tex:
    return Tex(rf"\frac{{\partial \mathrm{{Loss}}}}{{\partial {of}}}")


def at(symbols: tuple, rows: tuple, data: Any = None) -> tuple[dict, ...]:
    """Instances: each row gives values for ``symbols`` (a str names a value used only by
    ``data``, such as the true class); ``data(*row)`` adds the entries' Lambdas."""
    return tuple({**{s: v for s, v in zip(symbols, row, strict=True) if not isinstance(s, str)},
                  **(data(*row) if data else {})} for row in rows)


THROUGH_Z = Tex(r"chain rule through every $z_i$, $\delta^{(2)}_i = \partial \mathrm{Loss} / \partial z_i$")
THROUGH_H = Tex(r"chain rule through every $h_l$, $\delta^{(1)}_l = \partial \mathrm{Loss} / \partial h_l$")
KEEP_IK = Tex(r"$\delta_{ik}$ keeps the term $i = k$")
KEEP_LJ = Tex(r"$\delta_{lj}$ keeps the term $l = j$")


def softmax_part() -> tuple[Derived, Derived, Derived, Derived]:
    """Soft labels, dLoss/dyhat, the softmax Jacobian and their collapse to dLoss/dz."""
    soft = Derived(Tex(""), Tex(""), Chain("soft labels sum to one", Sum(ys[i], (i, 1, q)), (
        Step(Sum(written_sum(written(1 - eps, y[i]), eps / q), (i, 1, q)), Tex("definition of the soft labels")),
        Step(written_sum(written(1 - eps, Sum(y[i], (i, 1, q))), eps),
             Tex(r"the constant $\epsilon/q$ is added $q$ times")),
        Step(sp.Integer(1), Tex(r"$\mathbf{y}$ is one-hot: its entries sum to $1$")),
    ), {eps: (0.0, 1.0)}, at((q, "class"), ((2, 1), (3, 1), (3, 3), (5, 2)), lambda s, c: soft_data(s, c))))

    dyhat = Derived(dloss(r"\hat{y}_{k}"), Tex("definition of the loss"), Chain(
        "dLoss/dyhat_k", Derivative(-Sum(written(ys[i], sp.log(yh[i])), (i, 1, q)), yh[k]), (
            Step(-Sum(ys[i] * KroneckerDelta(i, k) / yh[i], (i, 1, q)),
                 Tex(r"only the term $i = k$ depends on $\hat{y}_k$, and $(\ln u)' = 1/u$")),
            Step(-ys[k] / yh[k], KEEP_IK),
        ), {yh: (0.05, 1.0)}, at((q, k), ((2, 1), (3, 2), (5, 5)))))

    S = Sum(sp.exp(z[r]), (r, 1, q))
    yhat = MX["yhat"]
    jacobian = Derived(Tex(r"\frac{\partial \hat{y}_{i}}{\partial z_{k}}"), Tex("definition of the softmax"), Chain(
        "softmax Jacobian dyhat_i/dz_k", Derivative(softmax_entry(i), z[k]), (
            Step(written_sum(KroneckerDelta(i, k) * sp.exp(z[i]) / S, -sp.exp(z[i]) * sp.exp(z[k]) / S**2),
                 Tex(r"quotient rule: $\partial e^{z_i}/\partial z_k = \delta_{ik} e^{z_i}$, "
                     r"$\partial \bigl(\sum_{r} e^{z_r}\bigr)/\partial z_k = e^{z_k}$")),
            Step(written_sum(yh[i] * KroneckerDelta(i, k), -yh[i] * yh[k]),
                 Tex(r"$\hat{y}_i = e^{z_i} / \sum_{r} e^{z_r}$")),
            Step(written(yh[i], KroneckerDelta(i, k) - yh[k]), Tex(r"factor out $\hat{y}_i$")),
        ), {}, at((q, i, k), ((2, 1, 1), (2, 1, 2), (3, 3, 3), (4, 2, 3)), lambda s, *_: softmax_data(s))),
        Tex(r"\frac{\partial \hat{\mathbf{y}}}{\partial \mathbf{z}}"),
        sp.DiagMatrix(yhat) - yhat * sp.Transpose(yhat), "jacobian")

    dz = Derived(dloss("z_{k}"), Tex(r"the loss as a function of $\mathbf{z}$"), Chain(
        "dLoss/dz_k", Derivative(-Sum(written(ys[i], sp.log(softmax_entry(i))), (i, 1, q)), z[k]), (
            Step(Sum(written(-ys[i] / yh[i], written(yh[i], KroneckerDelta(i, k) - yh[k])), (i, 1, q)),
                 Tex(r"chain rule through every $\hat{y}_i$, with the two results above")),
            Step(written_sum(-ys[k], written(yh[k], Sum(ys[i], (i, 1, q)))),
                 Tex(r"$\hat{y}_i$ cancels; $\delta_{ik}$ keeps the term $i = k$")),
            Step(yh[k] - ys[k], Tex(r"the soft labels sum to one")),
        ), {eps: (0.0, 1.0)}, at((q, k, "class"), ((2, 1, 1), (2, 2, 1), (3, 2, 1), (4, 3, 3)),
                                 lambda s, _, c: {**softmax_data(s), **soft_data(s, c)})),
        Tex(r"\boldsymbol{\delta}^{(2)} = " + dloss(r"\mathbf{z}")), yhat - MX["ys"], "z")
    return soft, dyhat, jacobian, dz


def layer_part() -> tuple[Derived, ...]:
    """W2, b2, a and h (through the ReLU) from delta2 = dLoss/dz; W1, b1 from delta1 = dLoss/dh."""
    d2, d1 = MX["delta2"], MX["delta1"]
    dW2 = Derived(dloss(r"(\mathbf{W}_2)_{jk}"), THROUGH_Z, Chain(
        "dLoss/d(W2)_jk", Sum(written(delta2[i], Derivative(z_entry(i), W2[j, k])), (i, 1, q)), (
            Step(Sum(written(delta2[i], a[j], KroneckerDelta(i, k)), (i, 1, q)),
                 Tex(r"only the term $l = j$ of $z_i$ depends on $(\mathbf{W}_2)_{jk}$, and only if $i = k$")),
            Step(written(a[j], delta2[k]), KEEP_IK),
        ), {}, at((n, q, j, k), ((3, 3, 2, 1), (2, 4, 1, 4), (1, 2, 1, 2)))),
        dloss(r"\mathbf{W}_2"), MX["a"] * sp.Transpose(d2), "W2")

    db2 = Derived(dloss(r"(\mathbf{b}_2)_{k}"), THROUGH_Z, Chain(
        "dLoss/d(b2)_k", Sum(written(delta2[i], Derivative(z_entry(i), b2[k])), (i, 1, q)), (
            Step(Sum(written(delta2[i], KroneckerDelta(i, k)), (i, 1, q)),
                 Tex(r"$z_i$ depends on $(\mathbf{b}_2)_k$ only if $i = k$")),
            Step(delta2[k], KEEP_IK),
        ), {}, at((n, q, k), ((3, 3, 1), (2, 4, 3)))),
        dloss(r"\mathbf{b}_2"), d2, "b2")

    da = Derived(dloss("a_{j}"), THROUGH_Z, Chain(
        "dLoss/da_j", Sum(written(delta2[i], Derivative(z_entry(i), a[j])), (i, 1, q)), (
            Step(Sum(written(W2[j, i], delta2[i]), (i, 1, q)), Tex(r"only the term $l = j$ of $z_i$ depends on $a_j$")),
        ), {}, at((n, q, j), ((3, 3, 2), (2, 4, 1), (1, 2, 1)))),
        dloss(r"\mathbf{a}"), MX["W2"] * d2, "a")

    dh = Derived(dloss("h_{j}"), THROUGH_Z, Chain(
        "dLoss/dh_j", Sum(written(delta2[i], Derivative(z_entry(i, hidden=h), h[j])), (i, 1, q)), (
            Step(Sum(written(delta2[i], W2[j, i], sp.Heaviside(h[j])), (i, 1, q)),
                 Tex(r"only the term $l = j$ depends on $h_j$; "
                     r"$\frac{d}{dh}\max(0, h) = \mathbb{I}[h > 0]$ for $h \neq 0$")),
            Step(written(sp.Heaviside(h[j]), Sum(written(W2[j, i], delta2[i]), (i, 1, q))),
                 Tex(r"the indicator does not depend on $i$")),
        ), {}, at((n, q, j), ((3, 3, 2), (2, 4, 1)))),
        Tex(r"\boldsymbol{\delta}^{(1)} = " + dloss(r"\mathbf{h}")), sp.HadamardProduct(MX["W2"] * d2, MX["mask"]), "h")

    dW1 = Derived(dloss(r"(\mathbf{W}_1)_{mj}"), THROUGH_H, Chain(
        "dLoss/d(W1)_mj", Sum(written(delta1[l], Derivative(h_entry(l), W1[m, j])), (l, 1, n)), (
            Step(Sum(written(delta1[l], x[m], KroneckerDelta(l, j)), (l, 1, n)),
                 Tex(r"only the term $p = m$ of $h_l$ depends on $(\mathbf{W}_1)_{mj}$, and only if $l = j$")),
            Step(written(x[m], delta1[j]), KEEP_LJ),
        ), {}, at((d, n, m, j), ((2, 3, 2, 2), (3, 2, 1, 2), (1, 1, 1, 1)))),
        dloss(r"\mathbf{W}_1"), MX["x"] * sp.Transpose(d1), "W1")

    db1 = Derived(dloss(r"(\mathbf{b}_1)_{j}"), THROUGH_H, Chain(
        "dLoss/d(b1)_j", Sum(written(delta1[l], Derivative(h_entry(l), b1[j])), (l, 1, n)), (
            Step(Sum(written(delta1[l], KroneckerDelta(l, j)), (l, 1, n)),
                 Tex(r"$h_l$ depends on $(\mathbf{b}_1)_j$ only if $l = j$")),
            Step(delta1[j], KEEP_LJ),
        ), {}, at((d, n, j), ((2, 3, 2), (3, 2, 1)))),
        dloss(r"\mathbf{b}_1"), d1, "b1")
    return dW2, db2, da, dh, dW1, db1


def solve(p: Params) -> Result:
    return Result(*softmax_part(), *layer_part())


# --- verification -------------------------------------------------------------------------------


class Evaluator:
    """The result's matrix formulas as numpy functions of one instance (the same SymPy
    expressions the report prints). delta2 and delta1 are themselves evaluated from the formulas
    for dLoss/dz and dLoss/dh, so an error there shows in every gradient downstream."""

    def __init__(self, result: Result) -> None:
        self.result = result
        self.fns = {der.wrt: self._lambdify(der.formula) for der in result.all if der.formula is not None}

    @staticmethod
    def _lambdify(expr: sp.MatrixExpr):  # type: ignore[no-untyped-def]
        args = sorted(expr.atoms(MatrixSymbol), key=lambda s: s.name)
        plain = [MatrixSymbol(f"m{idx}", *s.shape) for idx, s in enumerate(args)]
        fn = sp.lambdify(plain, expr.xreplace(dict(zip(args, plain, strict=True))), "numpy")
        return args, fn

    def values(self, inst: loops.Instance) -> dict:
        v = loops.forward(inst)
        col = lambda u: np.asarray(u, dtype=float).reshape(-1, 1)  # noqa: E731
        vals = {MX["x"]: col(inst.x), MX["W1"]: inst.W1, MX["b1"]: col(inst.b1), MX["h"]: col(v.h),
                MX["a"]: col(v.a), MX["W2"]: inst.W2, MX["b2"]: col(inst.b2), MX["z"]: col(v.z),
                MX["yhat"]: col(v.yhat), MX["ys"]: col(v.y_soft), MX["mask"]: col(v.h > 0)}
        vals[MX["delta2"]] = self._call("z", vals)
        vals[MX["delta1"]] = self._call("h", vals)
        return vals

    def _call(self, wrt: str, vals: dict) -> np.ndarray:
        args, fn = self.fns[wrt]
        return np.asarray(fn(*[vals[s] for s in args]), dtype=float)

    def __call__(self, wrt: str, inst: loops.Instance) -> np.ndarray:
        return self._call(wrt, self.values(inst))


MATRIX_NAMES = {  # plain text for the verification table
    "jacobian": "dyhat/dz = diag(yhat) - yhat yhat^T",
    "z": "delta2 = dLoss/dz = yhat - y^s",
    "W2": "dLoss/dW2 = a delta2^T",
    "b2": "dLoss/db2 = delta2",
    "a": "dLoss/da = W2 delta2",
    "h": "delta1 = dLoss/dh = (W2 delta2) * 1[h > 0]",
    "W1": "dLoss/dW1 = x delta1^T",
    "b1": "dLoss/db1 = delta1",
}


def _fd(wrt: str, inst: loops.Instance) -> np.ndarray:
    """The independent side: central differences of the loop implementation (as a column for vectors)."""
    if wrt == "jacobian":
        return loops.softmax_jacobian_fd(loops.forward(inst).z)
    g = loops.gradient_fd(inst, wrt)
    return g.reshape(-1, 1) if g.ndim == 1 else g


def _solver_grads(inst: loops.Instance) -> np.ndarray:
    """The pipeline's one backprop (reportgen.solvers.mlp), in this layout, flattened."""
    net = mlp.Net("relu", "softmax", "sum")
    cp = mlp.Params(inst.W1, inst.b1, inst.W2, inst.b2)
    X, T = inst.x.reshape(1, -1), loops.soft_labels(inst.y, inst.eps).reshape(1, -1)
    g = mlp.backward(net, cp, X, T, mlp.forward(net, cp, X, T))
    return np.concatenate([g.dL_dZ2.ravel(), g.dL_dW2.ravel(), g.dL_db2, g.dL_dA1.ravel(), g.dL_dZ1.ravel(),
                           g.dL_dW1.ravel(), g.dL_db1])


def numeric_steps(r: Result) -> list[tuple[NumericStep, float]]:
    """Each matrix formula against central differences, and the solver against the formulas, at
    random instances (random d, n, q, class and eps); with the tolerance of each."""
    ev = Evaluator(r)
    make = lambda rng: (loops.random_instance(rng),)  # noqa: E731
    steps = [(NumericStep(f"{MATRIX_NAMES[der.wrt]} (matrix form)",
                          lambda inst, w=der.wrt: _fd(w, inst), lambda inst, w=der.wrt: ev(w, inst), make,
                          "central differences of a loop implementation, random d, n, q, class, eps"), 1e-6)
             for der in r.all if der.formula is not None]
    # Step 2 has no matrix formula: its entry -y^s_k / yhat_k, evaluated for every k at once
    s_k, p_k = sp.symbols("s_k p_k", positive=True)
    entry = sp.lambdify([s_k, p_k], r.dloss_dyhat.chain.result.xreplace({ys[k]: s_k, yh[k]: p_k}), "numpy")

    def by_entries(inst: loops.Instance) -> np.ndarray:
        v = loops.forward(inst)
        return np.asarray(entry(v.y_soft, v.yhat), dtype=float).reshape(-1, 1)

    steps.append((NumericStep("dLoss/dyhat_k = -y^s_k / yhat_k for every k", lambda inst: _fd("yhat", inst),
                              by_entries, make, "central differences of a loop implementation, random d, n, q, "
                              "class, eps"), 1e-6))
    order = ("z", "W2", "b2", "a", "h", "W1", "b1")
    steps.append((NumericStep(
        "solver reportgen.solvers.mlp agrees with the derived formulas", _solver_grads,
        lambda inst: np.concatenate([ev(w, inst).ravel() for w in order]), make,
        "the formulas, random d, n, q, class, eps"), 1e-9))
    return steps


def formula_checks(p: Params, r: Result) -> list[Check]:
    """The matrix formulas: their shapes, and their values against central differences."""
    checks: list[Check] = []
    for der in r.all:
        if der.formula is not None:
            want = (q, q) if der.wrt == "jacobian" else MX[der.wrt].shape
            checks.append(equal(f"shape of {MATRIX_NAMES[der.wrt].split(' = ')[0]}",
                                "SymPy shape vs. the variable's shape",
                                tuple(der.formula.shape), tuple(want)))
    for step, tol in numeric_steps(r):
        c = check_numeric(step, trials=p.trials, seed=1, tol=tol)
        checks.append(Check(c.name, f"{step.why}; {p.trials} instances", c.deviation, c.tolerance))
    return checks


def verify(p: Params, r: Result) -> list[Check]:
    """Every step of every chain (SymPy), then every matrix formula (shape, finite differences)."""
    return [c for der in r.all for c in check_chain(der.chain)] + formula_checks(p, r)
