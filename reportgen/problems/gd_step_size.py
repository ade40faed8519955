"""Which learning rates make gradient descent converge on f(u) = u^T A u from every start."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..solvers import descent
from ..spec import Table
from ..verify import Check, close
from ..verify.descent import bound_by_power_iteration, simulate_convergence

name = "gd_step_size"
description = "Admissible gradient-descent learning rates on a quadratic"


@dataclass(frozen=True)
class Params:
    A: np.ndarray  # (n, n), f(u) = u^T A u
    start: np.ndarray  # (n,), first iterate of the plotted trajectories
    factors: tuple[float, ...]  # plotted rates as multiples of the bound
    steps: int


def parse(t: Table) -> Params:
    A = t.array("A", (None, None))
    n = A.shape[0]
    if A.shape != (n, n) or n > 3:
        raise t.error("A", f"expected a square matrix of size 1, 2 or 3, got {A.shape[0]}x{A.shape[1]}")
    if np.min(np.linalg.eigvalsh(A + A.T)) <= 0:
        raise t.error("A", "the quadratic must be strictly convex (A + A^T positive definite)")
    start = t.array("start", (n,))
    if not np.any(start):
        raise t.error("start", "the start must not be the minimum itself (all zeros)")
    factors = tuple(float(f) for f in t.array("factors", (None,), np.array([0.5, 1.0, 1.1])))
    if any(f <= 0 or f > 1.5 for f in factors) or len(factors) > 4:
        raise t.error("factors", "expected at most 4 multiples of the bound, each in (0, 1.5]")
    steps = t.integer("steps", 12, lo=2, hi=60)
    return Params(A, start, factors, steps)


@dataclass(frozen=True)
class Result:
    range: descent.StepSizeRange
    trajectories: tuple[descent.Trajectory, ...]
    level_sets: tuple[np.ndarray, ...]  # ellipses f(u) = c through the plotted region (2-D only)
    dim: int

    @property
    def trace(self) -> float:
        return float(np.trace(self.range.H))

    @property
    def det(self) -> float:
        return float(np.linalg.det(self.range.H))

    @property
    def plane_limit(self) -> float:
        """Half-width of the plotted plane: the convergent and bounded trajectories fit in it."""
        kept = [np.abs(t.iterates).max() for t in self.trajectories if t.factor <= 1]
        return 1.25 * float(max(kept, default=np.abs(self.trajectories[0].iterates[0]).max()))

    @property
    def y_limit(self) -> float:
        """Largest first coordinate plotted in one dimension."""
        return 1.1 * float(max(np.abs(t.iterates[:, 0]).max() for t in self.trajectories))


def solve(p: Params) -> Result:
    rng = descent.step_size_range(p.A)
    trajs = descent.trajectories(rng, p.start, p.factors, p.steps)
    levels: tuple[np.ndarray, ...] = ()
    if p.A.shape[0] == 2:
        f0 = float(p.start @ p.A @ p.start)
        levels = tuple(descent.level_set(p.A, f0 * s) for s in (0.05, 0.25, 1.0, 2.0))
    return Result(rng, trajs, levels, p.A.shape[0])


def verify(p: Params, r: Result) -> list[Check]:
    eta = r.range.eta_max
    checks = [
        close("learning-rate bound 2/lambda_max", "bisection on the spectral radius of I - eta H "
              "found by power iteration", eta, bound_by_power_iteration(p.A), 1e-9),
        close("lambda_max of the Hessian", "largest root of the characteristic polynomial",
              r.range.eigenvalues[-1], max(np.roots(np.poly(p.A + p.A.T)).real), 1e-9),
    ]
    conv, div = simulate_convergence(p.A, eta, seed=0)
    checks.append(Check("rates 1% below the bound converge", "2000 steps from 20 random starts",
                        0.0 if conv else 1.0, 0.0, exact=True))
    checks.append(Check("rates 1% above the bound diverge", "2000 steps from 20 random starts",
                        0.0 if div else 1.0, 0.0, exact=True))
    if r.range.eta_max_exact is not None:
        checks.append(close("exact bound equals its decimal", "rational arithmetic",
                            float(r.range.eta_max_exact), eta, 1e-12))
    for tr in r.trajectories:
        H = p.A + p.A.T
        u = np.linalg.matrix_power(np.eye(len(H)) - tr.eta * H, p.steps) @ p.start
        checks.append(close(f"plotted iterate u_{p.steps} at eta = {tr.factor:g} x bound",
                            "closed form (I - eta H)^n u_0", tr.iterates[-1], u, 1e-9))
    return checks
