"""gd_step_size: parse: read and check its keys."""

from __future__ import annotations

import numpy as np

from ...maths import descent
from ...spec import Table
from .data import Params
from .solver import solve


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
