"""Independent cross-checks of solver results.

Every check recomputes a reported quantity by a different method (central finite differences,
simulation, brute-force enumeration, exact or symbolic arithmetic) and records the largest
deviation. `reportgen check ID --pdf` lists them (companion.py); a failed check stops the build.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Check:
    name: str  # what is checked, plain text
    method: str  # how, plain text
    deviation: float  # largest absolute deviation found (0 for exact checks that hold)
    tolerance: float
    exact: bool = False  # an equality of integers/rationals/symbols rather than floats

    @property
    def passed(self) -> bool:
        return bool(self.deviation <= self.tolerance)


def close(name: str, method: str, got: object, want: object, tol: float = 1e-6) -> Check:
    """Compare arrays: the deviation is max |got - want|; shapes must agree."""
    a, b = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if a.shape != b.shape:
        return Check(name, f"{method} (shape {a.shape} vs {b.shape})", float("inf"), tol)
    dev = float(np.max(np.abs(a - b))) if a.size else 0.0
    return Check(name, method, dev if np.isfinite(dev) else float("inf"), tol)


def equal(name: str, method: str, got: object, want: object) -> Check:
    """An exact comparison (integers, fractions, sets, symbolic results)."""
    return Check(name, method, 0.0 if got == want else 1.0, 0.0, exact=True)


def central_diff(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient of scalar f at x by central differences, (f(x + h e_i) - f(x - h e_i)) / 2h."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g
