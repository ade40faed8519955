"""mlp_gradients: its parameters and results (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...maths import mlp
from .layout import Layout
from .reference import (
    Net,
)

MAX_WORK = 2_000_000  # loop-verification cost N h (d + 1) x (number of parameters): a few seconds


@dataclass(frozen=True)
class Params:
    layout: str
    activation: str
    X: np.ndarray  # (N, d), one sample per row
    t: np.ndarray  # (N,)
    W1: np.ndarray  # (h, d) for column, (d, h) for row
    b1: np.ndarray  # (h,)
    W2: np.ndarray  # (h,)
    b2: float
    explain_order: bool = True  # the edition asks why the backward order is cheaper

    @property
    def N(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def h(self) -> int:
        return self.b1.shape[0]

    @property
    def form(self) -> Layout:
        """The layout: conversions to and from the canonical form, and what the template shows."""
        return Layout(self.layout)

    def canonical(self) -> mlp.Params:
        W1 = self.form.canonical_w1(self.W1)
        return mlp.Params(W1, self.b1, self.W2.reshape(-1, 1), np.array([self.b2]))


def _net(p: Params) -> Net:
    """The data as the independent checks take it (plain arrays, the assignment's layout)."""
    return Net(p.layout, p.activation, p.X, p.t, p.W1, p.b1, p.W2, p.b2)


@dataclass(frozen=True)
class Result:
    """Every reported quantity, in the assignment's layout (samples are rows of Z, A, dL_dZ)."""

    Z: np.ndarray  # (N, h) pre-activations of all samples
    A: np.ndarray  # (N, h) hidden outputs f(Z)
    mask: np.ndarray  # (N, h) f'(Z)
    y: np.ndarray  # (N,) predictions
    residual: np.ndarray  # (N,) y - t
    loss: float
    dL_dy: np.ndarray  # (N,)
    dL_dA: np.ndarray  # (N, h)
    dL_dZ: np.ndarray  # (N, h)
    dL_dW1: np.ndarray  # shape of W1
    dL_db1: np.ndarray  # (h,)
    dL_dW2: np.ndarray  # (h,)
    dL_db2: float
    costs: mlp.ModeCosts
    kinks: tuple[tuple[int, int], ...] = ()  # (sample, unit), 1-based: ReLU pre-activation exactly 0

    @property
    def kink_samples(self) -> tuple[int, ...]:
        return tuple(sorted({k for k, _ in self.kinks}))

    @property
    def kink_units(self) -> tuple[int, ...]:
        return tuple(sorted({j for _, j in self.kinks}))

    @property
    def dead_units(self) -> tuple[int, ...]:
        """Hidden units (1-based) with f'(z) = 0 for every sample: their gradients vanish."""
        return tuple(int(j) + 1 for j in np.flatnonzero((self.mask == 0).all(axis=0)))

    @property
    def inactive_units(self) -> int:
        """(sample, unit) pairs where f'(z) = 0: no gradient flows back through them."""
        return int((self.mask == 0).sum())
