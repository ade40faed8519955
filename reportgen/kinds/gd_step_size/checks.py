"""gd_step_size: verify: the independent checks (never imports solver.py)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ...verify import Check, close, magnitude
from .data import Params, Result
from .reference import brackets_lambda_max, contracts, expands, hessian_exact, simulate, steps_to_shrink


def _certified(H: list, eta: float, factor: float, v: np.ndarray) -> bool:
    e = Fraction(factor * eta)  # the float rate exactly
    return contracts(H, e) if factor < 1 else expands(H, e, v)


def verify(p: Params, r: Result) -> list[Check]:
    """The bound in exact arithmetic (Sylvester minors of eta H and 2I - eta H); simulation
    only where 2000 steps prove something (a contraction that shrinks 1e6-fold within them)."""
    eta, lam = r.range.eta_max, r.range.eigenvalues
    H = hessian_exact(p.A)
    v = np.linalg.svd(p.A + p.A.T)[2][0]  # a candidate top eigenvector; the certificate is exact
    sylvester = "exact rational arithmetic: leading minors of eta H and 2I - eta H all > 0 (Sylvester)"
    witness = "exact rational arithmetic: v^T (2I - eta H) v < 0 for a top singular vector v of H"
    checks = [
        Check("lambda_max of the Hessian, to a relative 1e-9", "exact rational arithmetic: lambda (1 + 1e-9) I - H "
              "positive definite (Sylvester), v^T (H - lambda (1 - 1e-9) I) v > 0",
              0.0 if brackets_lambda_max(H, float(lam[-1]), v) else 1.0, 0.0, exact=True),
        Check("rho(I - eta H) < 1 at eta = (1 - 1e-9) x bound", sylvester,
              0.0 if _certified(H, eta, 1 - 1e-9, v) else 1.0, 0.0, exact=True),
        Check("rho(I - eta H) > 1 at eta = (1 + 1e-9) x bound", witness,
              0.0 if _certified(H, eta, 1 + 1e-9, v) else 1.0, 0.0, exact=True),
        Check("rates 1% below the bound converge", sylvester,
              0.0 if _certified(H, eta, 0.99, v) else 1.0, 0.0, exact=True),
        Check("rates 1% above the bound diverge", witness,
              0.0 if _certified(H, eta, 1.01, v) else 1.0, 0.0, exact=True),
    ]
    rho = float(np.max(np.abs(1 - 0.99 * eta * lam)))
    if steps_to_shrink(rho) <= 2000:
        shrink = float(np.max(simulate(p.A, 0.99 * eta, 2000, seed=0)))
        checks.append(Check("rates 1% below the bound converge (simulated)", "2000 steps from 20 random "
                            "starts: every ||u_2000|| / ||u_0|| <= 1e-6", shrink, 1e-6))
    grow = float(np.min(simulate(p.A, 1.01 * eta, 2000, seed=0)))
    checks.append(Check("rates 1% above the bound diverge (simulated)", "2000 steps from 20 random starts: "
                        "every ||u_2000|| / ||u_0|| >= 1e3 (deviation 1e3 / growth)", 1e3 / grow, 1.0))
    if r.range.eta_max_exact is not None:
        checks.append(close("exact bound equals its decimal", "rational arithmetic",
                            float(r.range.eta_max_exact), eta, 1e-12))
    for tr in r.trajectories:
        Hf = p.A + p.A.T
        u = np.linalg.matrix_power(np.eye(len(Hf)) - tr.eta * Hf, p.steps) @ p.start
        checks.append(close(f"plotted iterate u_{p.steps} at eta = {tr.factor:g} x bound",
                            "closed form (I - eta H)^n u_0", tr.iterates[-1], u, 1e-10, magnitude(tr.iterates)))
    return checks
