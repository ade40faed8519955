"""gd_step_size: its parameters and results (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...maths import descent


@dataclass(frozen=True)
class Params:
    A: np.ndarray  # (n, n), f(u) = u^T A u
    start: np.ndarray  # (n,), first iterate of the plotted trajectories
    factors: tuple[float, ...]  # plotted rates as multiples of the bound
    steps: int


@dataclass(frozen=True)
class Result:
    range: descent.StepSizeRange
    trajectories: tuple[descent.Trajectory, ...]
    level_sets: tuple[np.ndarray, ...]  # ellipses f(u) = c through the plotted region (2-D only)
    dim: int

    @property
    def n_diverging(self) -> int:
        """Plotted runs at a rate beyond the bound."""
        return sum(tr.factor > 1 for tr in self.trajectories)

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
