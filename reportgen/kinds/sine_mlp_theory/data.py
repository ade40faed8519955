"""sine_mlp_theory: its parameters and results (frozen dataclasses)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ...maths import mlp

if TYPE_CHECKING:  # SymPy is imported by solve(), not when the assignment is parsed
    from ...maths.derivation import Chain


@dataclass(frozen=True)
class Params:
    example: tuple[int, int, int]  # (d, d_h, m) for the numeric example of n_theta
    index_sizes: tuple[int, int, int]  # (d, d_h, m) at which the index chains are checked
    check_sizes: tuple[tuple[int, int, int], ...]  # (d, d_h, m) of the random networks
    batch: int  # samples in the empirical-risk / gradient-descent check
    eta: float  # learning rate of that check
    seed: int


@dataclass(frozen=True)
class Chains:
    softmax_sum: Chain  # (c)
    loss: Chain  # (d)
    n_theta: Chain  # (e)
    dL_doa: Chain  # (g)
    doa_dW2: Chain  # (h)
    doa_db2: Chain
    doa_dhs: Chain  # (j)
    phi_prime: Chain  # (l)
    dhs_dha: Chain
    dha_dW1: Chain  # (n)
    dha_db1: Chain
    dha_dx: Chain  # (p)

    def all(self) -> tuple[Chain, ...]:
        return tuple(getattr(self, f) for f in self.__dataclass_fields__)


@dataclass(frozen=True)
class Network:
    """Column layout: W1 (d_h, d), b1 (d_h,), W2 (m, d_h), b2 (m,)."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    def canonical(self) -> mlp.Params:
        """mlp.py's row-batch form: Z1 = X W1^T + b1, so its weight matrices are the transposes."""
        return mlp.Params(self.W1.T, self.b1, self.W2.T, self.b2)

    @staticmethod
    def random(rng: np.random.Generator, d: int, dh: int, m: int) -> Network:
        return Network(rng.standard_normal((dh, d)), rng.standard_normal(dh), rng.standard_normal((m, dh)),
                       rng.standard_normal(m))


@dataclass(frozen=True)
class Backprop:
    """Every quantity of (a)-(p) for one sample (x, y), as column vectors / assignment-shaped matrices."""

    ha: np.ndarray
    hs: np.ndarray
    oa: np.ndarray
    os: np.ndarray
    loss: float
    dL_doa: np.ndarray  # (m,)
    dL_dW2: np.ndarray  # (m, d_h)
    dL_db2: np.ndarray  # (m,)
    dL_dhs: np.ndarray  # (d_h,)
    dL_dha: np.ndarray  # (d_h,)
    dL_dW1: np.ndarray  # (d_h, d)
    dL_db1: np.ndarray  # (d_h,)
    dL_dx: np.ndarray  # (d,)


@dataclass(frozen=True)
class ReversedNetwork:
    """(p): the backward pass to x as the forward pass of a network of the same shape, run from
    the output side: input u = dL/do^a in R^m, first layer W~1 = diag(phi'(h^a)) W2^T, b~1 = 0,
    identity activation, second layer W~2 = W1^T, b~2 = 0, identity output."""

    W1: np.ndarray  # (d_h, m)
    b1: np.ndarray
    W2: np.ndarray  # (d, d_h)
    b2: np.ndarray

    @staticmethod
    def of(net: Network, bp: Backprop) -> ReversedNetwork:
        dh, d_in = net.W1.shape
        return ReversedNetwork(np.diag(np.cos(bp.ha)) @ net.W2.T, np.zeros(dh), net.W1.T, np.zeros(d_in))

    def forward(self, u: np.ndarray) -> np.ndarray:
        """mlp.forward with activation and head 'identity' (its loss against 0 is ignored)."""
        p = mlp.Params(self.W1.T, self.b1, self.W2.T, self.b2)
        out = mlp.forward(mlp.Net("identity", "identity"), p, u.reshape(1, -1), np.zeros((1, self.b2.size)))
        return out.Y[0]


@dataclass(frozen=True)
class Result:
    chains: Chains
    example: tuple[int, int, int]
    n_theta_example: int
    check_sizes: tuple[tuple[int, int, int], ...]
    batch: int
    eta: float

    @property
    def example_fan_ins(self) -> tuple[int, int]:
        """(d + 1, d_h + 1): the inputs of each layer of the example, with the bias."""
        return self.example[0] + 1, self.example[1] + 1

    @property
    def example_side(self) -> int | None:
        """The side of a square image with d pixels, if d is a square."""
        side = math.isqrt(self.example[0])
        return side if side * side == self.example[0] else None

    @property
    def n_checks_sizes(self) -> int:
        return len(self.check_sizes)
