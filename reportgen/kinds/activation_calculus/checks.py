"""activation_calculus: verify: the independent checks (never imports solver.py)."""

from __future__ import annotations

import numpy as np

from ...maths.derivation import NumericStep
from ...maths.mlp import sigmoid, softmax
from ...verify import Check, central_jacobian, close, equal
from ...verify.derivation import check_chain, check_numeric
from .data import Params, Result


class Counter:
    """Scalar arithmetic that counts what it does (for the operation counts of (m))."""

    def __init__(self) -> None:
        self.mults = self.adds = 0

    def mul(self, a: float, b: float) -> float:
        self.mults += 1
        return a * b

    def add(self, a: float, b: float) -> float:
        self.adds += 1
        return a + b


def counted_full(J: np.ndarray, g: np.ndarray, ops: Counter) -> np.ndarray:
    """(J^T g)_j = sum_i J_ij g_i, entry by entry."""
    out = []
    for col in range(J.shape[1]):
        acc = ops.mul(J[0, col], g[0])
        for row in range(1, J.shape[0]):
            acc = ops.add(acc, ops.mul(J[row, col], g[row]))
        out.append(acc)
    return np.array(out)


def counted_sigmoid(s: np.ndarray, g: np.ndarray, ops: Counter) -> np.ndarray:
    return np.array([ops.mul(ops.mul(si, ops.add(1.0, -si)), gi) for si, gi in zip(s, g, strict=True)])


def counted_softmax(s: np.ndarray, g: np.ndarray, ops: Counter) -> np.ndarray:
    dot = ops.mul(s[0], g[0])
    for si, gi in zip(s[1:], g[1:], strict=True):
        dot = ops.add(dot, ops.mul(si, gi))
    return np.array([ops.mul(si, ops.add(gi, -dot)) for si, gi in zip(s, g, strict=True)])


def _softmax(z: np.ndarray) -> np.ndarray:
    return softmax(z.reshape(1, -1)).ravel()


def jacobian_fd(f, z: np.ndarray) -> np.ndarray:
    """J_ij = d f_i / d z_j by central differences, one column per input."""
    return central_jacobian(f, z)


def numeric_identities(sizes: tuple[int, ...]) -> list[NumericStep]:
    def vec(rng):
        size = int(rng.choice(sizes))
        return rng.uniform(-3, 3, size), rng.standard_normal(size)

    def soft_J(z):
        s = _softmax(z)
        return np.diag(s) - np.outer(s, s)

    return [
        NumericStep("(l) Jacobian of softmax = diag(S) - S S^T", lambda z, g: jacobian_fd(_softmax, z),
                    lambda z, g: soft_J(z), vec),
        NumericStep("(m) sigmoid: J^T g = sigma'(x) * g (Jacobian by finite differences)",
                    lambda z, g: jacobian_fd(sigmoid, z).T @ g, lambda z, g: sigmoid(z) * (1 - sigmoid(z)) * g, vec),
        NumericStep("(m) softmax: J^T g = s * (g - (s.g) 1)", lambda z, g: soft_J(z).T @ g,
                    lambda z, g: _softmax(z) * (g - _softmax(z) @ g), vec),
        NumericStep("(m) softmax: J^T g, Jacobian by finite differences", lambda z, g: jacobian_fd(_softmax, z).T @ g,
                    lambda z, g: _softmax(z) * (g - _softmax(z) @ g), vec),
    ]


def verify(p: Params, r: Result) -> list[Check]:
    checks = [c for chain in r.chains for c in check_chain(chain)]
    for step in numeric_identities(p.vjp_sizes):
        check = check_numeric(step, trials=10, seed=p.seed, tol=1e-7)
        sizes = ", ".join(map(str, p.vjp_sizes))
        checks.append(Check(check.name, f"numpy at 10 random inputs, n in {{{sizes}}}", check.deviation,
                            check.tolerance))
    quotients = [(max(0.0, t) - 0.0) / t for t in (-1e-9, 1e-9)]
    checks.append(close("(a) one-sided derivatives of rect at 0", "difference quotients at h = -1e-9 and 1e-9",
                        [r.relu_left, r.relu_right], quotients, 1e-12, 1.0))
    a = np.log(np.array(p.exp_values, dtype=float))
    for row in r.scaling:
        checks.append(close(f"(i) S(c x) for c = {row.c}", "numpy softmax of c ln a",
                            [float(q) for q in row.probs], _softmax(row.c * a), 1e-12, 1.0))
    differs = r.row(r.shown_scale).probs != r.row(1).probs
    checks.append(Check(f"(i) S({r.shown_scale} x) differs from S(x)", "exact fractions compared",
                        0.0 if differs else 1.0, 0.0, exact=True))
    rng = np.random.default_rng(p.seed)
    for oc in r.counts:
        z, g = rng.uniform(-3, 3, oc.n), rng.standard_normal(oc.n)
        s_sig, s_soft = sigmoid(z), _softmax(z)
        J = np.diag(s_soft) - np.outer(s_soft, s_soft)
        full, sig, soft = Counter(), Counter(), Counter()
        agree = max(
            float(np.max(np.abs(counted_full(J, g, full) - J.T @ g))),
            float(np.max(np.abs(counted_sigmoid(s_sig, g, sig) - s_sig * (1 - s_sig) * g))),
            float(np.max(np.abs(counted_softmax(s_soft, g, soft) - J.T @ g))),
        )
        checks.append(close(f"(m) counted loops agree with numpy, n = {oc.n}", "scalar loops vs numpy",
                            agree, 0.0, 1e-9, 1.0))  # entries of size 1: 1e-9 absolute
        checks.append(equal(f"(m) operation counts, n = {oc.n}", "counted in scalar loops",
                            (full.mults, full.adds, sig.mults, sig.adds, soft.mults, soft.adds),
                            (oc.full_mults, oc.full_adds, oc.sigmoid_mults, oc.sigmoid_adds, oc.softmax_mults,
                             oc.softmax_adds)))
    return checks
