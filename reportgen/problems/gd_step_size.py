"""Which learning rates make gradient descent converge on f(u) = u^T A u from every start."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..solvers import descent
from ..spec import Table
from ..verify import Check, close, magnitude
from ..verify.descent import brackets_lambda_max, contracts, expands, hessian_exact, simulate, steps_to_shrink

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
    with np.errstate(over="ignore", invalid="ignore"):
        H = A + A.T
        bad = not np.all(np.isfinite(H)) or not np.isfinite(np.prod(np.abs(np.linalg.eigvalsh(H))))
    if bad:
        raise t.error("A", "too large: H = A + A^T or its determinant exceeds double precision (1.8e308)")
    if np.min(np.linalg.eigvalsh(H)) <= 0 or not descent.positive_definite_exact(A):
        raise t.error("A", "the quadratic must be strictly convex (A + A^T positive definite)")
    start = t.array("start", (n,))
    if not np.any(start):
        raise t.error("start", "the start must not be the minimum itself (all zeros)")
    factors = tuple(float(f) for f in t.array("factors", (None,), np.array([0.5, 1.0, 1.1])))
    if any(f <= 0 or f > 1.5 for f in factors) or len(factors) > 4:
        raise t.error("factors", "expected at most 4 multiples of the bound, each in (0, 1.5]")
    steps = t.integer("steps", 12, lo=2, hi=60)
    p = Params(A, start, factors, steps)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        r = solve(p)
        sizes = [r.range.eta_max, r.range.eta_opt, r.trace, r.det, *r.range.eigenvalues]
        paths = [x for tr in r.trajectories for x in (tr.iterates, tr.f_values)] + list(r.level_sets)
    if not all(np.isfinite(v) and v != 0 for v in sizes):
        raise t.error("A", "too large or too small: 2/lambda_max, tr H or det H is beyond double precision")
    if not all(np.all(np.isfinite(a)) for a in paths):
        raise t.error("start", "too large: the plotted iterates or f(u_n) exceed double precision (1.8e308)")
    return p


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
        window = 3 * Result(rng, trajs, (), 2).plane_limit
        levels = tuple(piece for s in (0.05, 0.25, 1.0, 2.0) for piece in visible_pieces(p.A, f0 * s, window))
    return Result(rng, trajs, levels, p.A.shape[0])


def visible_pieces(A: np.ndarray, c: float, window: float) -> list[np.ndarray]:
    """The level set u^T A u = c as the runs of its points within [-window, window]^2 (finer
    when it leaves the window): an ill-conditioned A draws level sets far longer than the
    plotted plane, and TeX cannot place such points."""
    curve = descent.level_set(A, c)
    inside = np.all(np.abs(curve) <= window, axis=1)
    if inside.all():
        return [curve]
    curve = descent.level_set(A, c, points=1441)
    inside = np.all(np.abs(curve) <= window, axis=1)
    pieces, run = [], []
    start = int(np.argmin(inside))  # begin outside, so no run is cut at the seam
    for i in range(len(curve)):
        k = (start + i) % len(curve)
        if inside[k]:
            run.append(curve[k])
        elif run:
            pieces.append(np.array(run))
            run = []
    if run:
        pieces.append(np.array(run))
    return [piece for piece in pieces if len(piece) >= 2]


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
