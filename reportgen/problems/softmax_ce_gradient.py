"""dE/dy for softmax + cross-entropy, E = -sum_k t_k log S(y)_k: general target, then one-hot.

Both derivations are index-notation chains over a symbolic size m (reportgen.solvers.derivation):
the report prints exactly these expressions, and verify() checks every step with
reportgen.verify.derivation.check_chain at each instance (m and i spelled out; for the one-hot
chain also every class c, the targets given as t_k = [k = c]). The final formula is also
compared with central finite differences at a larger size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..spec import Table
from ..verify import Check, central_diff, close

name = "softmax_ce_gradient"
description = "The derivative of softmax cross-entropy, general and one-hot targets"


@dataclass(frozen=True)
class Params:
    sizes: tuple[int, ...]  # output sizes m at which each step is proved symbolically


def parse(t: Table) -> Params:
    sizes = t.array("check_sizes", (None,), np.array([2.0, 3.0]))
    if any(m != int(m) or not 2 <= m <= 6 for m in sizes):
        raise t.error("check_sizes", "expected integers from 2 to 6 (m = 1 class is degenerate: softmax is "
                                     "constant 1; symbolic checks grow fast beyond 6)")
    return Params(tuple(int(m) for m in sizes))


@dataclass(frozen=True)
class Result:
    general: object  # Chain: dE/dy_i for any target vector t
    one_hot: object  # Chain: the general result for a one-hot t


def solve(p: Params) -> Result:
    import sympy as sp

    from ..latexfmt import Tex
    from ..solvers.derivation import Chain, Step
    from ..solvers.notation import Partial, SoftmaxEntry, add, frac, plain

    y, t = sp.IndexedBase("y", real=True), sp.IndexedBase("t", real=True)
    m, i, j, k = sp.symbols("m i j k", integer=True, positive=True)
    Z = sp.Sum(sp.exp(y[j]), (j, 1, m))
    T = sp.Sum(t[k], (k, 1, m))
    S_i = SoftmaxEntry(y, i, m)
    E = -sp.Sum(t[k] * sp.log(SoftmaxEntry(y, k, m)), (k, 1, m))
    general = Chain("dE/dy_i, general target", Partial(E, y[i]), (
        Step(Partial(-sp.Sum(plain(t[k], add(y[k], -sp.log(Z))), (k, 1, m)), y[i]),
             Tex(r"$\ln S(y)_k = y_k - \ln \sum_j e^{y_j}$")),
        Step(Partial(add(-sp.Sum(t[k] * y[k], (k, 1, m)), plain(T, sp.log(Z))), y[i]),
             Tex(r"the log-sum does not depend on $k$")),
        Step(add(-t[i], plain(T, frac(sp.exp(y[i]), Z))), Tex(r"$\partial y_k / \partial y_i = [k = i]$, chain rule")),
        Step(add(plain(T, S_i), -t[i]), Tex(r"definition of $S$")),
    ), instances=tuple({m: size, i: idx} for size in p.sizes for idx in range(1, size + 1)))
    d = sp.Dummy("d", integer=True)
    one_hot = Chain("dE/dy_i, one-hot target", add(plain(T, S_i), -t[i]), (
        Step(add(S_i, -t[i]), Tex(r"one-hot: $\sum_k t_k = 1$")),
    ), instances=tuple({m: size, i: idx, t: sp.Lambda(d, sp.KroneckerDelta(d, c))}
                       for size in p.sizes for c in range(1, size + 1) for idx in range(1, size + 1)))
    return Result(general, one_hot)


def verify(p: Params, r: Result) -> list[Check]:
    from ..verify.derivation import check_chain

    checks = check_chain(r.general) + check_chain(r.one_hot)  # type: ignore[arg-type]
    # finite differences at a larger size, general (unnormalised) targets
    rng = np.random.default_rng(0)
    m = 5
    y0, t0 = rng.standard_normal(m), rng.uniform(0, 1, m)

    def E(v):
        logS = v - np.log(np.exp(v).sum())
        return float(-(t0 * logS).sum())

    S = np.exp(y0) / np.exp(y0).sum()
    checks.append(close("dE/dy = (sum_k t_k) S - t at m = 5", "central differences (h = 1e-6)",
                        t0.sum() * S - t0, central_diff(E, y0), 1e-6, 1.0))
    return checks
