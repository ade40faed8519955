"""A one-hidden-layer network, forward and backward, in plain numpy (no autodiff).

Canonical form, one sample per row of X (N samples, d inputs, h hidden units, q outputs):

    Z1 = X W1 + 1 b1         (N, h)     pre-activations
    A1 = f(Z1)               (N, h)     hidden outputs
    Z2 = A1 W2 + 1 b2        (N, q)     output pre-activations
    Y  = g(Z2)               (N, q)     identity (regression) or row-wise softmax
    L  = loss(Y, T)                     1/2 sum (Y - T)^2  or  -sum T ln Y   (sum or mean over N)

Backward, the same equations read from the loss side:

    dL_dZ2 = Y - T                       (identity head)
    dL_dZ2 = Y (1^T T) - T               (softmax head: Y - T when each row of T sums to 1)
    dL_dW2 = A1^T dL_dZ2,  dL_db2 = 1^T dL_dZ2
    dL_dA1 = dL_dZ2 W2^T
    dL_dZ1 = dL_dA1 * f'(Z1)
    dL_dW1 = X^T dL_dZ1,   dL_db1 = 1^T dL_dZ1
    dL_dX  = dL_dZ1 W1^T

Assignments write the same network in other layouts (W x + b, W^T x + b, x W + b); the
problem modules convert to and from this form, so there is exactly one backprop here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

Array = np.ndarray


def relu(z: Array) -> Array:
    """f(z) = max(0, z)."""
    return np.maximum(z, 0.0)


def relu_prime(z: Array) -> Array:
    """f'(z) = 1[z > 0] (0 at z = 0, the usual subgradient choice)."""
    return (z > 0).astype(float)


def sigmoid(z: Array) -> Array:
    """f(z) = 1 / (1 + e^-z), computed without overflow."""
    return np.exp(-np.logaddexp(0.0, -z))


def sigmoid_prime(z: Array) -> Array:
    """f'(z) = f(z) (1 - f(z)) = f(z) f(-z), the second form without cancellation for large |z|."""
    return sigmoid(z) * sigmoid(-z)


def tanh_prime(z: Array) -> Array:
    """f'(z) = 1 - tanh^2 z = 1 / cosh^2 z, the second form without cancellation for large |z|."""
    with np.errstate(over="ignore"):
        return 1.0 / np.cosh(z) ** 2


ACTIVATIONS: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array]]] = {
    "relu": (relu, relu_prime),
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (np.tanh, tanh_prime),
    "sin": (np.sin, np.cos),
    "identity": (lambda z: z, np.ones_like),  # a linear layer (e.g. a backward pass read as a network)
}
HEADS = ("identity", "softmax")
REDUCTIONS = ("sum", "mean")


def _shifted(Z: Array) -> tuple[Array, Array, Array]:
    """(top, Z - top, rest) with top the row maximum and rest = sum over all entries but one
    maximal one of e^{Z - top}: sum_k e^{Z_k - top} = 1 + rest, kept apart so that log1p
    sees the small part (ln(1 + 1e-12) is not lost to rounding)."""
    top = Z.max(axis=-1, keepdims=True)
    shifted = Z - top
    e = np.exp(shifted)
    first = np.argmax(Z, axis=-1)[..., None]
    np.put_along_axis(e, first, 0.0, axis=-1)
    return top, shifted, e.sum(axis=-1, keepdims=True)


def log_sum_exp(Z: Array) -> Array:
    """ln sum_k e^{Z_k} along the last axis, shifted by the maximum so nothing overflows."""
    top, _, rest = _shifted(Z)
    return (top + np.log1p(rest)).squeeze(-1)


def log_softmax(Z: Array) -> Array:
    """Row-wise ln softmax(Z) = (Z - max) - ln(1 + rest): finite where softmax underflows to 0,
    and accurate near 0 for the largest class."""
    _, shifted, rest = _shifted(Z)
    return shifted - np.log1p(rest)


def softmax(Z: Array) -> Array:
    """Row-wise softmax e^{Z - lse(Z)} (softmax is translation invariant)."""
    return np.exp(log_softmax(Z))


def exact_preactivations(X: Array, W: Array, b: Array) -> tuple[Array, Array]:
    """Z = X W + 1 b in exact rational arithmetic on the decimals as written (0.1 is 1/10), so
    ``0.1 * 3 - 0.3`` is exactly 0. Returns Z correctly rounded to floats and sign(Z) exactly
    (a product of tiny decimals may round to 0.0 while its sign is still known)."""
    dec = lambda v: Fraction(repr(float(v)))  # noqa: E731
    Xf = [[dec(v) for v in row] for row in X]
    Wf = [[dec(v) for v in row] for row in W]
    bf = [dec(v) for v in b]
    exact = [[sum((row[i] * Wf[i][j] for i in range(len(row))), bf[j]) for j in range(len(bf))] for row in Xf]
    Z = np.array([[float(v) for v in row] for row in exact], dtype=float).reshape(len(Xf), len(bf))
    sign = np.array([[(v > 0) - (v < 0) for v in row] for row in exact], dtype=float).reshape(Z.shape)
    return Z, sign


@dataclass(frozen=True)
class Params:
    """Weights in canonical form: W1 (d, h), b1 (h,), W2 (h, q), b2 (q,)."""

    W1: Array
    b1: Array
    W2: Array
    b2: Array

    def flat(self) -> Array:
        return np.concatenate([self.W1.ravel(), self.b1, self.W2.ravel(), self.b2])

    def with_flat(self, theta: Array) -> Params:
        parts, start = [], 0
        for p in (self.W1, self.b1, self.W2, self.b2):
            parts.append(theta[start : start + p.size].reshape(p.shape))
            start += p.size
        return Params(*parts)

    def step(self, grads: Grads, eta: float) -> Params:
        """One gradient-descent step: theta <- theta - eta dL/dtheta."""
        return Params(
            self.W1 - eta * grads.dL_dW1,
            self.b1 - eta * grads.dL_db1,
            self.W2 - eta * grads.dL_dW2,
            self.b2 - eta * grads.dL_db2,
        )


@dataclass(frozen=True)
class Net:
    """What the network is, apart from its weights."""

    activation: str = "relu"
    head: str = "identity"
    reduction: str = "sum"

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}")
        if self.head not in HEADS or self.reduction not in REDUCTIONS:
            raise ValueError(f"head must be in {HEADS}, reduction in {REDUCTIONS}")


@dataclass(frozen=True)
class Forward:
    Z1: Array
    A1: Array
    Z2: Array
    Y: Array
    residual: Array  # Y - T
    loss: float
    dA_dZ1: Array  # f'(Z1); for ReLU 1[z > 0], so f'(0) = 0 (the subgradient convention)
    log_Y: Array  # ln Y for the softmax head (finite where Y underflows), else Y


@dataclass(frozen=True)
class Grads:
    dL_dY: Array
    dL_dZ2: Array
    dL_dW2: Array
    dL_db2: Array
    dL_dA1: Array
    dL_dZ1: Array
    dL_dW1: Array
    dL_db1: Array
    dL_dX: Array


def forward(net: Net, p: Params, X: Array, T: Array, exact: tuple[Array, Array] | None = None) -> Forward:
    """Z1 = X W1 + b1, A1 = f(Z1), Z2 = A1 W2 + b2, Y = g(Z2), L = loss(Y, T).

    ``exact``: (Z1, sign Z1) from exact_preactivations, used instead of the float product, so
    the ReLU branch of a pre-activation at exactly 0 follows the data, not its rounding.
    The softmax loss is -sum T ln Y with ln Y = Z2 - lse(Z2): never ln of an underflowed 0."""
    f, f_prime = ACTIVATIONS[net.activation]
    Z1 = X @ p.W1 + p.b1 if exact is None else exact[0]
    A1 = f(Z1)
    dA_dZ1 = f_prime(Z1) if exact is None or net.activation != "relu" else (exact[1] > 0).astype(float)
    Z2 = A1 @ p.W2 + p.b2
    if net.head == "identity":
        Y = log_Y = Z2
        per_sample = 0.5 * ((Y - T) ** 2).sum(axis=1)
    else:
        log_Y = log_softmax(Z2)
        Y = np.exp(log_Y)
        per_sample = -np.where(T != 0, T * log_Y, 0.0).sum(axis=1)
    loss = per_sample.sum() if net.reduction == "sum" else per_sample.mean()
    return Forward(Z1, A1, Z2, Y, Y - T, float(loss), dA_dZ1, log_Y)


def backward(net: Net, p: Params, X: Array, T: Array, fw: Forward) -> Grads:
    """Reverse-mode chain rule, one matrix product per layer (see the module docstring)."""
    scale = 1.0 if net.reduction == "sum" else 1.0 / X.shape[0]
    if net.head == "identity":
        dL_dY = scale * (fw.Y - T)
        dL_dZ2 = dL_dY
    else:
        # dL/dY = -T / Y = -T e^{-ln Y}; it overflows only where the true value is beyond floats
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # T = 0 entries: masked out
            dL_dY = np.where(T != 0, -scale * np.sign(T) * np.exp(np.log(np.abs(T)) - fw.log_Y), 0.0)
        # the softmax Jacobian diag(y) - y y^T applied to dL/dY, row-wise, collapses to
        # y S - T with S = 1^T T: no division by an underflowed probability. Where y > 1/2 it is
        # S (y - 1) + (S - T) with y - 1 = expm1(ln y), exact where y - 1 would cancel
        S = T.sum(axis=1, keepdims=True)
        near_one = fw.log_Y > -np.log(2.0)
        dL_dZ2 = scale * np.where(near_one, S * np.expm1(fw.log_Y) + (S - T), fw.Y * S - T)
    dL_dW2 = fw.A1.T @ dL_dZ2
    dL_db2 = dL_dZ2.sum(axis=0)
    dL_dA1 = dL_dZ2 @ p.W2.T
    dL_dZ1 = dL_dA1 * fw.dA_dZ1
    dL_dW1 = X.T @ dL_dZ1
    dL_db1 = dL_dZ1.sum(axis=0)
    dL_dX = dL_dZ1 @ p.W1.T
    return Grads(dL_dY, dL_dZ2, dL_dW2, dL_db2, dL_dA1, dL_dZ1, dL_dW1, dL_db1, dL_dX)


def loss_at(net: Net, p: Params, X: Array, T: Array) -> float:
    """The loss alone (for finite differences)."""
    return forward(net, p, X, T).loss


# --- why reverse order is cheaper ---------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """One Jacobian product in a chain: (m x n) times (n x p) costs m*n*p multiplications."""

    result: str  # what the product yields, e.g. "dL/dZ"
    left: str
    right: str
    left_shape: tuple[int, int]
    right_shape: tuple[int, int]

    @property
    def cost(self) -> int:
        (m, n), (n2, p) = self.left_shape, self.right_shape
        assert n == n2, f"shapes do not chain: {self.left_shape} x {self.right_shape}"
        return m * n * p


@dataclass(frozen=True)
class ModeCosts:
    """The dense Jacobian-chain cost of the full gradient, from the loss side and from the input side."""

    n_samples: int
    n_in: int
    n_hidden: int
    n_params: int
    reverse: tuple[Product, ...]
    forward: tuple[Product, ...]

    @property
    def n_theta1(self) -> int:
        """Entries of theta1 = (W1, b1): h (d + 1)."""
        return self.n_hidden * (self.n_in + 1)

    @property
    def n_theta2(self) -> int:
        """Entries of theta2 = (w2, b2): h + 1."""
        return self.n_hidden + 1

    @property
    def n_hidden_values(self) -> int:
        """Hidden values of all samples (the size of Z and A): N h."""
        return self.n_samples * self.n_hidden

    @property
    def reverse_total(self) -> int:
        return sum(p.cost for p in self.reverse)

    @property
    def forward_total(self) -> int:
        return sum(p.cost for p in self.forward)

    @property
    def ratio(self) -> float:
        return self.forward_total / self.reverse_total


def mode_costs(N: int, d: int, h: int) -> ModeCosts:
    """Multiplications for dL/dtheta of the scalar-output network, as dense Jacobian chains.

    theta1 = (W1, b1) enters at Z (N*h values), theta2 = (w2, b2) at y (N values):

        dL/dtheta1 = dL/dy . dy/dA . dA/dZ . dZ/dtheta1      dL/dtheta2 = dL/dy . dy/dtheta2

    Reverse order multiplies a row vector into each Jacobian; forward order multiplies the
    Jacobians together first, carrying one column per parameter of theta1.
    """
    n1, n2 = h * (d + 1), h + 1
    Nh = N * h
    J = {  # Jacobian shapes
        "dL/dy": (1, N),
        "dy/dA": (N, Nh),
        "dA/dZ": (Nh, Nh),
        "dZ/dtheta1": (Nh, n1),
        "dy/dtheta2": (N, n2),
    }
    reverse = (
        Product("dL/dtheta2", "dL/dy", "dy/dtheta2", J["dL/dy"], J["dy/dtheta2"]),
        Product("dL/dA", "dL/dy", "dy/dA", J["dL/dy"], J["dy/dA"]),
        Product("dL/dZ", "dL/dA", "dA/dZ", (1, Nh), J["dA/dZ"]),
        Product("dL/dtheta1", "dL/dZ", "dZ/dtheta1", (1, Nh), J["dZ/dtheta1"]),
    )
    forward = (
        Product("dA/dtheta1", "dA/dZ", "dZ/dtheta1", J["dA/dZ"], J["dZ/dtheta1"]),
        Product("dy/dtheta1", "dy/dA", "dA/dtheta1", J["dy/dA"], (Nh, n1)),
        Product("dL/dtheta1", "dL/dy", "dy/dtheta1", J["dL/dy"], (N, n1)),
        Product("dL/dtheta2", "dL/dy", "dy/dtheta2", J["dL/dy"], J["dy/dtheta2"]),
    )
    return ModeCosts(N, d, h, n1 + n2, reverse, forward)
