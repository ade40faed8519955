"""smoothed_ce_step: its parameters and results (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...maths import mlp
from ...verify import smoothed_ce as loops

MAX_WORK = 2_000_000  # loop-verification cost (parameters x loop steps per loss): a few seconds
LN_MAX = 709.78  # ln of the largest double, 1.8e308
SIDE_BY_SIDE = 3  # at most this many entries: two vectors or matrices side by side fit a line


@dataclass(frozen=True)
class Params:
    x: np.ndarray  # (d,)
    y: np.ndarray  # (q,) one-hot ground truth
    W1: np.ndarray  # (d, n)
    b1: np.ndarray  # (n,)
    W2: np.ndarray  # (n, q)
    b2: np.ndarray  # (q,)
    epsilon: float
    eta: float

    @property
    def d(self) -> int:
        return self.x.shape[0]

    @property
    def n(self) -> int:
        return self.b1.shape[0]

    @property
    def q(self) -> int:
        return self.b2.shape[0]

    @property
    def keep(self) -> float:
        """1 - epsilon: the weight left on the true class."""
        return 1.0 - self.epsilon

    @property
    def spread(self) -> float:
        """epsilon / q: the weight every class receives."""
        return self.epsilon / self.q

    @property
    def wide(self) -> bool:
        """More than 3 inputs, hidden units or classes: matrices set side by side (an operand
        beside its substitution) are wider than the page."""
        return max(self.d, self.n, self.q) > SIDE_BY_SIDE

    @property
    def one_per_line(self) -> bool:
        """Vectors one per line instead of two: wide, or data with decimals (wider than the
        integers of the shipped edition)."""
        return self.wide or any((a % 1).any() for a in (self.x, self.W1, self.b1, self.W2, self.b2))

    @property
    def cls(self) -> int:
        """The true class, counted from 1."""
        return int(np.argmax(self.y)) + 1

    def canonical(self) -> mlp.Params:
        return mlp.Params(self.W1, self.b1, self.W2, self.b2)

    def instance(self) -> loops.Instance:
        return loops.Instance(self.x, self.y, self.W1, self.b1, self.W2, self.b2, self.epsilon)


@dataclass(frozen=True)
class Result:
    """Every quantity of the forward pass, the backward pass and the update; vectors are 1-D."""

    h: np.ndarray  # (n,) W1^T x + b1
    a: np.ndarray  # (n,) ReLU(h)
    mask: np.ndarray  # (n,) ReLU'(h) = 1[h > 0]
    z: np.ndarray  # (q,) W2^T a + b2
    yhat: np.ndarray  # (q,) softmax(z)
    y_soft: np.ndarray  # (q,) (1 - eps) y + eps / q
    log_sum_exp: float  # ln sum_k e^{z_k}
    ys_dot_z: float  # (y^s)^T z
    loss: float  # = log_sum_exp - ys_dot_z, since the soft labels sum to one
    dL_dyhat: np.ndarray  # (q,) -y^s / yhat
    softmax_jacobian: np.ndarray  # (q, q) diag(yhat) - yhat yhat^T
    dL_dz: np.ndarray  # (q,) delta2, through the softmax Jacobian
    dL_dW2: np.ndarray  # (n, q)
    dL_db2: np.ndarray  # (q,)
    dL_da: np.ndarray  # (n,)
    dL_dh: np.ndarray  # (n,) delta1
    dL_dW1: np.ndarray  # (d, n)
    dL_db1: np.ndarray  # (n,)
    W1_new: np.ndarray
    b1_new: np.ndarray
    W2_new: np.ndarray
    b2_new: np.ndarray
    loss_new: float  # the loss at the updated parameters
    kinks: tuple[int, ...] = ()  # hidden units (1-based) with h exactly 0: ReLU'(0) = 0 used there

    @property
    def inactive_units(self) -> int:
        return int((self.mask == 0).sum())
