"""Independent checks of the step-size bound: no eigen-decomposition, only iteration."""

from __future__ import annotations

import numpy as np


def spectral_radius(M: np.ndarray, iters: int = 400) -> float:
    """max |eigenvalue| of the symmetric M by power iteration."""
    v = np.random.default_rng(1).standard_normal(M.shape[0])
    for _ in range(iters):
        w = M @ v
        norm = np.linalg.norm(w)
        if norm == 0:
            return 0.0
        v = w / norm
    return float(np.linalg.norm(M @ v))


def bound_by_power_iteration(A: np.ndarray) -> float:
    """The largest eta with rho(I - eta H) <= 1, by bisection (rho grows past 1 beyond it)."""
    H = A + A.T
    I = np.eye(len(H))
    lo, hi = 0.0, 1.0
    while spectral_radius(I - hi * H) <= 1.0:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if spectral_radius(I - mid * H) <= 1.0 + 1e-12 else (lo, mid)
    return (lo + hi) / 2


def simulate_convergence(A: np.ndarray, eta_max: float, seed: int) -> tuple[bool, bool]:
    """(every run at 0.99 eta_max ends near 0, every run at 1.01 eta_max blows up)."""
    H = A + A.T
    starts = np.random.default_rng(seed).standard_normal((20, len(H)))  # one start per row

    def run(eta: float) -> np.ndarray:
        U = starts
        for _ in range(2000):
            U = U - eta * (U @ H)  # H is symmetric: row-wise u - eta H u
        return np.linalg.norm(U, axis=1)

    return bool(np.all(run(0.99 * eta_max) < 1e-6)), bool(np.all(run(1.01 * eta_max) > 1e3))
