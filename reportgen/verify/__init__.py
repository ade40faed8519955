"""Independent cross-checks of solver results.

Every check recomputes a reported quantity by a different method (central finite differences,
simulation, brute-force enumeration, exact or symbolic arithmetic) and records the largest
deviation. `reportgen check ID --pdf` lists them (companion.py); a failed check stops the build.

Tolerances are relative to the size of the quantity: ``close`` allows
``rtol * max(max |want|, floor)``, where ``floor`` is a magnitude scaled by the data (the size
the quantity's terms have before they cancel), so a value near zero is not held to a bound
its own rounding cannot meet. The number is stored in ``Check.tolerance``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np


@dataclass(frozen=True)
class Check:
    name: str  # what is checked, plain text
    method: str  # how, plain text
    deviation: float  # largest absolute deviation found (0 for exact checks that hold)
    tolerance: float  # the largest deviation accepted, in the quantity's own units
    exact: bool = False  # an equality of integers/rationals/symbols rather than floats
    group: str = ""  # the derivation (chain) a step check belongs to; "" for a plain check
    step: int = 0  # the step's number within ``group`` (1, 2, ...); 0 for a plain check

    @property
    def passed(self) -> bool:
        return bool(self.deviation <= self.tolerance)


def magnitude(x: object) -> float:
    """max |x| over the entries (0 for an empty array)."""
    a = np.abs(np.asarray(x, dtype=float))
    return float(a.max()) if a.size else 0.0


def close(name: str, method: str, got: object, want: object, rtol: float = 1e-9, floor: float = 0.0) -> Check:
    """Compare arrays: the deviation is max |got - want|, the tolerance
    rtol * max(max |want|, floor); shapes must agree."""
    a, b = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    tol = float(rtol * max(magnitude(b) if np.all(np.isfinite(b)) else 0.0, floor))
    if a.shape != b.shape:
        return Check(name, f"{method} (shape {a.shape} vs {b.shape})", float("inf"), tol)
    dev = float(np.max(np.abs(a - b))) if a.size else 0.0
    return Check(name, method, dev if np.isfinite(dev) else float("inf"), tol)


def equal(name: str, method: str, got: object, want: object) -> Check:
    """An exact comparison (integers, fractions, sets, symbolic results)."""
    return Check(name, method, 0.0 if got == want else 1.0, 0.0, exact=True)


def central_diff(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6,
                 scale: float | None = None, cap: float = float("inf")) -> np.ndarray:
    """Gradient of scalar f at x by central differences, (f(x + h_i e_i) - f(x - h_i e_i)) / 2h_i.

    h_i = h without ``scale``; with it, h_i = min(h * max(|x_i|, scale), cap), a step relative
    to the size of the variable (so data at 1e-8 and at 1e6 are differenced alike), at most
    ``cap`` where f bends on a known scale."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e, step = _step(x, i, h, scale, cap)
        g[i] = (f(x + e) - f(x - e)) / (2 * step)
    return g


def central_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """J[r, j] = d f_r / d x_j of a vector function of a vector, by central differences: column
    j from one pair of evaluations, the same numbers as central_diff of each f_r."""
    x = np.asarray(x, dtype=float)
    columns = []
    for i in np.ndindex(x.shape):
        e, step = _step(x, i, h, None, float("inf"))
        columns.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * step))
    return np.stack(columns, axis=-1)


def _step(x: np.ndarray, i: tuple, h: float, scale: float | None, cap: float) -> tuple[np.ndarray, float]:
    """The perturbation of entry i of x and the step actually taken (see central_diff)."""
    step = h if scale is None else min(h * max(abs(float(x[i])), scale), cap)
    if abs(float(x[i])) + step == abs(float(x[i])):  # absorbed by a huge entry: relative to it instead
        step = h * abs(float(x[i]))
    e = np.zeros_like(x)
    e[i] = step
    return e, float((x + e)[i] - (x - e)[i]) / 2  # the step actually taken, after rounding


def decimal(x: float) -> Fraction:
    """The decimal a number from an assignment file was written as: 0.1 -> 1/10 exactly."""
    return Fraction(repr(float(x)))


def array_scale(x: object, fallback: float = 1.0) -> float:
    """A typical size of the entries of x (max |x|), or ``fallback`` when x is all zeros."""
    m = magnitude(x)
    return m if m > 0 else fallback
