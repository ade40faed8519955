"""gd_step_size: solve: every reported quantity."""

from __future__ import annotations

import numpy as np

from ...maths import descent
from .data import Params, Result


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
