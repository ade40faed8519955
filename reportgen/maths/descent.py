"""Gradient descent on a quadratic f(u) = u^T A u: which learning rates converge.

    grad f(u) = (A + A^T) u = H u,   H = A + A^T (the Hessian, 2A for symmetric A)
    u_{n+1} = u_n - eta H u_n = (I - eta H) u_n

In the eigenbasis of H each coordinate is multiplied by (1 - eta lambda_i) per step, so the
iteration converges from every start iff |1 - eta lambda_i| < 1 for all i, that is
0 < eta < 2 / lambda_max (all lambda_i > 0). At eta = 2 / lambda_max the top component flips
sign forever; beyond it, it grows. The fastest rate is eta* = 2 / (lambda_min + lambda_max).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

Array = np.ndarray


def exact_fraction(x: float) -> Fraction:
    """The decimal a TOML float was written as: 0.1 -> 1/10 (not the binary expansion)."""
    return Fraction(repr(float(x)))


def det_exact(M: list[list[Fraction]]) -> Fraction:
    """Determinant by Gaussian elimination in exact rational arithmetic."""
    M = [row[:] for row in M]
    n, det = len(M), Fraction(1)
    for c in range(n):
        pivot = next((r for r in range(c, n) if M[r][c] != 0), None)
        if pivot is None:
            return Fraction(0)
        if pivot != c:
            M[c], M[pivot] = M[pivot], M[c]
            det = -det
        det *= M[c][c]
        for r in range(c + 1, n):
            factor = M[r][c] / M[c][c]
            M[r] = [a - factor * b for a, b in zip(M[r], M[c], strict=True)]
    return det


def rational_eigenvalue(H: list[list[Fraction]], approx: float) -> Fraction | None:
    """The exact eigenvalue near ``approx`` if it is a small-denominator rational, else None."""
    for max_den in (1, 10, 100, 1000, 10**6):
        lam = Fraction(approx).limit_denominator(max_den)
        shifted = [[h - (lam if i == j else 0) for j, h in enumerate(row)] for i, row in enumerate(H)]
        if det_exact(shifted) == 0:
            return lam
    return None


def positive_definite_exact(A: Array) -> bool:
    """A + A^T positive definite, decided on the decimals as written (Sylvester's criterion)."""
    H = [[exact_fraction(a) + exact_fraction(b) for a, b in zip(ra, rb, strict=True)]
         for ra, rb in zip(A, A.T, strict=True)]
    return all(det_exact([row[:k] for row in H[:k]]) > 0 for k in range(1, len(H) + 1))


@dataclass(frozen=True)
class StepSizeRange:
    A: Array
    H: Array  # Hessian
    eigenvalues: Array  # ascending
    eigenvectors: Array  # columns
    lam_max_exact: Fraction | None
    lam_min_exact: Fraction | None
    eta_max: float  # supremum of convergent rates: 2 / lambda_max
    eta_max_exact: Fraction | None
    eta_opt: float  # 2 / (lambda_min + lambda_max)
    eta_opt_exact: Fraction | None


def step_size_range(A: Array) -> StepSizeRange:
    """The open interval (0, 2/lambda_max(H)) of rates that converge from every start."""
    H = A + A.T
    lam, V = np.linalg.eigh(H)
    if lam[0] <= 0:
        raise ValueError("the quadratic is not strictly convex (an eigenvalue of H is <= 0)")
    H_exact = [[exact_fraction(a) + exact_fraction(b) for a, b in zip(ra, rb, strict=True)]
               for ra, rb in zip(A, A.T, strict=True)]
    hi = rational_eigenvalue(H_exact, float(lam[-1]))
    lo = rational_eigenvalue(H_exact, float(lam[0]))
    return StepSizeRange(
        A=A,
        H=H,
        eigenvalues=lam,
        eigenvectors=V,
        lam_max_exact=hi,
        lam_min_exact=lo,
        eta_max=float(2.0 / lam[-1]),
        eta_max_exact=None if hi is None else 2 / hi,
        eta_opt=float(2.0 / (lam[0] + lam[-1])),
        eta_opt_exact=None if hi is None or lo is None else 2 / (hi + lo),
    )


@dataclass(frozen=True)
class Trajectory:
    eta: float
    factor: float  # eta as a multiple of the bound
    label: str  # "inside", "at the bound", "beyond"
    iterates: Array  # (steps + 1, dim)
    f_values: Array  # f(u_n)
    distance: Array  # ||u_n - u*||, u* = 0
    contraction: float  # max_i |1 - eta lambda_i|

    @property
    def distance_curve(self) -> Array:
        """Rows (n, ||u_n - u*||) for a log-scale convergence plot (exact zeros left out)."""
        n = np.arange(len(self.distance))
        keep = self.distance > 0
        return np.column_stack([n[keep], self.distance[keep]])

    @property
    def first_coordinate_curve(self) -> Array:
        """Rows (n, first coordinate of u_n): the whole story in one dimension."""
        return np.column_stack([np.arange(len(self.iterates)), self.iterates[:, 0]])


def trajectory(A: Array, u0: Array, eta: float, steps: int) -> Array:
    """u_{n+1} = u_n - eta (A + A^T) u_n, iterated ``steps`` times; rows are u_0 .. u_steps."""
    H = A + A.T
    us = [np.asarray(u0, dtype=float)]
    for _ in range(steps):
        us.append(us[-1] - eta * (H @ us[-1]))
    return np.array(us)


def label_for(factor: float) -> str:
    return "inside" if factor < 1 else ("at the bound" if factor == 1 else "beyond")


def trajectories(rng: StepSizeRange, u0: Array, factors: tuple[float, ...], steps: int) -> tuple[Trajectory, ...]:
    out = []
    for c in factors:
        eta = c * rng.eta_max
        U = trajectory(rng.A, u0, eta, steps)
        f = np.einsum("ni,ij,nj->n", U, rng.A, U)
        out.append(
            Trajectory(
                eta=eta,
                factor=c,
                label=label_for(c),
                iterates=U,
                f_values=f,
                distance=np.linalg.norm(U, axis=1),
                contraction=float(np.max(np.abs(1 - eta * rng.eigenvalues))),
            )
        )
    return tuple(out)


def level_set(A: Array, c: float, points: int = 73) -> Array:
    """Points of the ellipse u^T A u = c (A symmetric positive definite), for contour drawings."""
    lam, V = np.linalg.eigh((A + A.T) / 2)
    t = np.linspace(0, 2 * np.pi, points)
    circle = np.stack([np.cos(t), np.sin(t)])  # (2, points)
    return (V @ (np.sqrt(c / lam)[:, None] * circle)).T
