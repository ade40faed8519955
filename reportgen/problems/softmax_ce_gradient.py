"""dE/dy for softmax + cross-entropy, E = -sum_k t_k log S(y)_k: general target, then one-hot.

The derivation's steps are functions of the output size m that build each step's expression
(for component i) in SymPy; verify() proves consecutive steps equal for every i at several m,
and checks the final formula against central finite differences. The template typesets the
same steps in index notation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..spec import Table
from ..verify import Check, central_diff, close

STEPS = ("definition", "log_softmax", "expand", "differentiate", "collect")


@dataclass(frozen=True)
class Params:
    sizes: tuple[int, ...]  # output sizes m at which each step is proved symbolically


def parse(t: Table) -> Params:
    sizes = t.array("check_sizes", (None,), np.array([2.0, 3.0]))
    if any(m != int(m) or not 1 <= m <= 6 for m in sizes):
        raise t.error("check_sizes", "expected integers from 1 to 6 (symbolic checks grow fast)")
    return Params(tuple(int(m) for m in sizes))


@dataclass(frozen=True)
class Result:
    steps: tuple[str, ...]  # the names of the checked steps, in order
    one_hot_sum: int  # sum_k t_k for a one-hot target, which collapses the result to S - t


def solve(p: Params) -> Result:
    return Result(STEPS, 1)


def step_expressions(m: int, i: int):
    """Each step of the derivation for component i (0-based) of an m-output softmax, in SymPy."""
    import sympy as sp

    y = sp.symbols(f"y1:{m + 1}", real=True)
    t = sp.symbols(f"t1:{m + 1}", real=True)
    Z = sum(sp.exp(v) for v in y)
    S = [sp.exp(v) / Z for v in y]
    E = -sum(tk * sp.log(Sk) for tk, Sk in zip(t, S, strict=True))
    return y, t, {
        "definition": sp.diff(E, y[i]),  # what we want: dE/dy_i
        "log_softmax": sp.diff(-sum(tk * (yk - sp.log(Z)) for tk, yk in zip(t, y, strict=True)), y[i]),
        "expand": sp.diff(-sum(tk * yk for tk, yk in zip(t, y, strict=True)) + sum(t) * sp.log(Z), y[i]),
        "differentiate": -t[i] + sum(t) * sp.exp(y[i]) / Z,
        "collect": sum(t) * S[i] - t[i],
    }


def verify(p: Params, r: Result) -> list[Check]:
    import sympy as sp

    from ..verify.derivation import step_equal

    cases = {(m, i): step_expressions(m, i) for m in p.sizes for i in range(m)}
    checks = []
    for a, b in zip(r.steps, r.steps[1:], strict=False):
        results = [step_equal(ex[a], ex[b], {}) for _, _, ex in cases.values()]
        worst = max(dev for dev, _ in results)
        methods = sorted({method for _, method in results})
        exact = worst == 0 and all(m.startswith("SymPy") for m in methods)
        n = r.steps.index(a) + 1
        sizes = ", ".join(map(str, p.sizes))
        checks.append(Check(f"line {n} = line {n + 1} of dE/dy_i ({b.replace('_', ' ')}), all i, m = {sizes}",
                            " / ".join(methods),
                            worst, 1e-9, exact=exact))
    # one-hot: substituting t = e_c gives S_i - t_i for every i and every class c
    worst = 0.0
    for (m, i), (y, t, ex) in cases.items():
        S_i = sp.exp(y[i]) / sum(sp.exp(v) for v in y)
        for c in range(m):
            onehot = {tk: int(k == c) for k, tk in enumerate(t)}
            worst = max(worst, step_equal(ex["definition"].subs(onehot), S_i - onehot[t[i]], {})[0])
    checks.append(Check("one-hot target: dE/dy_i = S_i - t_i", "SymPy, every class c and component i",
                        worst, 1e-9, exact=worst == 0))
    # finite differences at a larger size, general (unnormalised) targets
    rng = np.random.default_rng(0)
    m = 5
    y0, t0 = rng.standard_normal(m), rng.uniform(0, 1, m)

    def E(v):
        logS = v - np.log(np.exp(v).sum())
        return float(-(t0 * logS).sum())

    S = np.exp(y0) / np.exp(y0).sum()
    checks.append(close("dE/dy = (sum_k t_k) S - t at m = 5", "central differences (h = 1e-6)",
                        t0.sum() * S - t0, central_diff(E, y0)))
    return checks
