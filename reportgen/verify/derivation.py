"""Check derivation chains: SymPy first, then random-point evaluation where SymPy cannot decide."""

from __future__ import annotations

import numpy as np
import sympy

from ..solvers.derivation import Chain, NumericStep
from . import Check


def _numeric_deviation(a: sympy.Expr, b: sympy.Expr, domain: dict, samples: int, seed: int) -> float:
    syms = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    f = sympy.lambdify(syms, a - b, modules=["numpy", {"Heaviside": lambda x, h=0.5: np.heaviside(x, h)}])
    worst = 0.0
    for _ in range(samples):
        args = [rng.uniform(*domain.get(s, (-3.0, 3.0))) for s in syms]
        scale = 1.0 + abs(complex(sympy.lambdify(syms, a, "numpy")(*args)))
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


def check_chain(chain: Chain, tol: float = 1e-9) -> list[Check]:
    """One Check per step: previous expression == this step's expression."""
    out, prev = [], chain.start
    for i, step in enumerate(chain.steps, start=1):
        dev, method = step_equal(prev, step.expr, chain.domain)
        exact = method.startswith("SymPy")
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
