"""smoothed_ce_derivation: verify: the independent checks (never imports solver.py)."""

from __future__ import annotations

import numpy as np
import sympy as sp

from ...maths import mlp
from ...maths.derivation import NumericStep
from ...verify import Check, equal, numeric
from ...verify import smoothed_ce as loops
from ...verify.derivation import check_chain, check_numeric
from .data import Params, Result
from .symbols import MX, k, q, yh, ys


class Evaluator:
    """The result's matrix formulas evaluated with numpy at one instance (the same SymPy
    expressions the report prints, by reportgen.verify.numeric). delta2 and delta1 are
    themselves evaluated from the formulas for dLoss/dz and dLoss/dh, so an error there shows
    in every gradient downstream."""

    def __init__(self, result: Result) -> None:
        self.result = result
        self.formulas = {der.wrt: der.formula for der in result.all if der.formula is not None}

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
        return np.asarray(numeric.evaluate_matrix(self.formulas[wrt], vals), dtype=float)

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
    """The pipeline's one backprop (reportgen.maths.mlp), in this layout, flattened."""
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
    entry = r.dloss_dyhat.chain.result.xreplace({ys[k]: s_k, yh[k]: p_k})

    def by_entries(inst: loops.Instance) -> np.ndarray:
        v = loops.forward(inst)
        return np.asarray(numeric.evaluate(entry, {s_k: v.y_soft, p_k: v.yhat}), dtype=float).reshape(-1, 1)

    steps.append((NumericStep("dLoss/dyhat_k = -y^s_k / yhat_k for every k", lambda inst: _fd("yhat", inst),
                              by_entries, make, "central differences of a loop implementation, random d, n, q, "
                              "class, eps"), 1e-6))
    order = ("z", "W2", "b2", "a", "h", "W1", "b1")
    steps.append((NumericStep(
        "solver reportgen.maths.mlp agrees with the derived formulas", _solver_grads,
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
