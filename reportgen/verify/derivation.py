"""Check derivation chains: SymPy first, then random-point evaluation where SymPy cannot decide."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy

from ..solvers.derivation import Chain, NumericStep
from . import Check


def _numeric_deviation(a: sympy.Expr, b: sympy.Expr, domain: dict, samples: int, seed: int) -> float:
    syms = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)  # a may hold symbols a - b lacks
    rng = np.random.default_rng(seed)
    modules = ["numpy", {"Heaviside": lambda x, h=0.5: np.heaviside(x, h)}]
    f, f_a = sympy.lambdify(syms, a - b, modules=modules), sympy.lambdify(syms, a, modules=modules)
    worst = 0.0
    for _ in range(samples):
        args = [rng.uniform(*domain.get(s, (-3.0, 3.0))) for s in syms]
        scale = 1.0 + abs(complex(f_a(*args)))
        worst = max(worst, abs(complex(f(*args))) / scale)
    return worst


def step_equal(a: sympy.Expr, b: sympy.Expr, domain: dict, samples: int = 40, seed: int = 0) -> tuple[float, str]:
    """(deviation, method) for a == b: cheap exact rewrites first, then simplify, then numbers."""
    raw = sympy.expand(a - b)
    if raw == 0:
        return 0.0, "SymPy expand"
    # exponentials as positive symbols make the difference a rational function: cancel is fast
    exps = {e: sympy.Dummy("u", positive=True) for e in raw.atoms(sympy.exp)}
    if sympy.cancel(sympy.together(raw.subs(exps))) == 0:
        return 0.0, "SymPy cancel"
    diff = sympy.simplify(a - b)
    if diff == 0:
        return 0.0, "SymPy simplify"
    rewritten = sympy.simplify((a - b).rewrite(sympy.exp))
    if rewritten == 0:
        return 0.0, "SymPy simplify after rewriting in exp"
    return _numeric_deviation(a, b, domain, samples, seed), f"evaluation at {samples} random points"


def instantiate(expr: sympy.Expr, instance: Mapping, domain: dict) -> tuple[sympy.Expr, dict]:
    """An index-notation expression at one instance: sizes and indices substituted, sums expanded,
    entries given by the instance's Lambdas, then every remaining entry x[i] made a plain Symbol
    (sampled from the domain of its IndexedBase)."""
    sizes = {k: v for k, v in instance.items() if not isinstance(k, sympy.IndexedBase)}
    data = {k: v for k, v in instance.items() if isinstance(k, sympy.IndexedBase)}
    e = expr.xreplace(sizes)
    e = e.replace(lambda x: isinstance(x, sympy.Sum), lambda x: x.doit(deep=False))
    e = e.replace(lambda x: isinstance(x, sympy.Indexed) and x.base in data,
                  lambda x: data[x.base](*x.indices))
    e = e.doit()
    dom = {k: v for k, v in domain.items() if not isinstance(k, sympy.IndexedBase)}
    entries = {}
    for x in sorted(e.atoms(sympy.Indexed), key=sympy.default_sort_key):
        s = sympy.Symbol(f"{x.base.label}[{','.join(map(str, x.indices))}]", **x.base.assumptions0)
        entries[x] = s
        if x.base in domain:
            dom[s] = domain[x.base]
    return e.xreplace(entries), dom


def check_chain(chain: Chain, tol: float = 1e-9) -> list[Check]:
    """One Check per step: previous expression == this step's expression (at every instance of an
    index-notation chain)."""
    out, prev = [], chain.start
    for i, step in enumerate(chain.steps, start=1):
        if not chain.instances:
            dev, method = step_equal(prev, step.expr, chain.domain)
            exact = method.startswith("SymPy")
        else:
            results = []
            for inst in chain.instances:
                a, dom = instantiate(prev, inst, chain.domain)
                b, _ = instantiate(step.expr, inst, chain.domain)
                results.append(step_equal(a, b, dom))
            dev = max(d for d, _ in results)
            exact = all(m.startswith("SymPy") for _, m in results)
            how = " / ".join(sorted({m for _, m in results}))
            method = f"{how}, {len(results)} instances"
        out.append(Check(f"{chain.name}, step {i}", method, dev, 0.0 if exact else tol, exact=exact))
        prev = step.expr
    return out


def check_numeric(step: NumericStep, trials: int = 20, seed: int = 0, tol: float = 1e-9) -> Check:
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(trials):
        args = step.make_inputs(rng)
        lhs, rhs = np.asarray(step.lhs(*args), dtype=float), np.asarray(step.rhs(*args), dtype=float)
        if lhs.shape != rhs.shape:
            return Check(step.name, f"shapes differ: {lhs.shape} vs {rhs.shape}", float("inf"), tol)
        worst = max(worst, float(np.max(np.abs(lhs - rhs))) / (1.0 + float(np.max(np.abs(lhs)))))
    return Check(step.name, f"numpy at {trials} random inputs", worst, tol)
