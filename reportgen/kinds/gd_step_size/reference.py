"""Independent checks of the step-size bound: no eigen-decomposition from the solver.

The bound is certified in exact rational arithmetic: gradient descent u <- (I - eta H) u
contracts every start iff rho(I - eta H) < 1, and for symmetric H that holds iff eta H and
2I - eta H are both positive definite, decided by their leading principal minors (Sylvester).
Divergence beyond the bound is certified by a vector v with v^T (2I - eta H) v < 0.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ...verify import decimal


def hessian_exact(A: np.ndarray) -> list[list[Fraction]]:
    """H = A + A^T from the decimals as written."""
    n = len(A)
    return [[decimal(A[i][j]) + decimal(A[j][i]) for j in range(n)] for i in range(n)]


def _det(M: list[list[Fraction]]) -> Fraction:
    """Determinant by cofactor expansion (n <= 3), exact."""
    if len(M) == 1:
        return M[0][0]
    return sum(((-1) ** c * M[0][c] * _det([row[:c] + row[c + 1:] for row in M[1:]]) for c in range(len(M))),
               Fraction(0))


def positive_definite(M: list[list[Fraction]]) -> bool:
    """Sylvester's criterion: every leading principal minor > 0."""
    return all(_det([row[:k] for row in M[:k]]) > 0 for k in range(1, len(M) + 1))


def contracts(H: list[list[Fraction]], eta: Fraction) -> bool:
    """rho(I - eta H) < 1, i.e. 0 < eta lambda_i < 2 for every eigenvalue of the symmetric H."""
    n = len(H)
    eH = [[eta * h for h in row] for row in H]
    two_minus = [[(2 if i == j else 0) - eH[i][j] for j in range(n)] for i in range(n)]
    return positive_definite(eH) and positive_definite(two_minus)


def expands(H: list[list[Fraction]], eta: Fraction, v: np.ndarray) -> bool:
    """v^T (2I - eta H) v < 0 exactly: then eta lambda_max > 2, rho(I - eta H) > 1."""
    w = [Fraction(float(x)) for x in v]
    n = len(H)
    quad = sum(w[i] * ((2 if i == j else 0) - eta * H[i][j]) * w[j] for i in range(n) for j in range(n))
    return quad < 0


def brackets_lambda_max(H: list[list[Fraction]], lam: float, v: np.ndarray, rel: float = 1e-9) -> bool:
    """lam (1 - rel) < lambda_max(H) < lam (1 + rel), exactly: lam (1 + rel) I - H positive
    definite (Sylvester) and v^T (H - lam (1 - rel) I) v > 0 for the candidate vector v."""
    n = len(H)
    hi, lo = Fraction(lam) * (1 + Fraction(rel)), Fraction(lam) * (1 - Fraction(rel))
    above = positive_definite([[(hi if i == j else 0) - H[i][j] for j in range(n)] for i in range(n)])
    w = [Fraction(float(x)) for x in v]
    quad = sum(w[i] * (H[i][j] - (lo if i == j else 0)) * w[j] for i in range(n) for j in range(n))
    return above and quad > 0


def top_vector(H: np.ndarray, iters: int = 200) -> np.ndarray:
    """An approximate top eigenvector of the symmetric positive definite H by power iteration
    (a candidate only: ``expands`` decides exactly whether it certifies divergence)."""
    v = np.ones(len(H)) + 0.1 * np.arange(len(H))
    for _ in range(iters):
        w = H @ v
        v = w / np.linalg.norm(w)
    return v


def steps_to_shrink(rho: float, factor: float = 1e-6) -> float:
    """Iterations a contraction by ``rho`` per step needs to shrink a start by ``factor``."""
    return float("inf") if rho >= 1 else float(np.log(factor) / np.log(rho))


def simulate(A: np.ndarray, eta: float, steps: int, seed: int) -> np.ndarray:
    """||u_steps|| / ||u_0|| for 20 random starts (rows), by plain iteration."""
    H = A + A.T
    U = np.random.default_rng(seed).standard_normal((20, len(H)))
    norms = np.linalg.norm(U, axis=1)
    for _ in range(steps):
        U = U - eta * (U @ H)
    return np.linalg.norm(U, axis=1) / norms
