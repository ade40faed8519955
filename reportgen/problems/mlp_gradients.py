"""A one-hidden-layer regression network: forward pass, loss, the four gradients, and why
reverse order is cheaper. The assignment's layout is kept in everything reported.

Layouts (the problem module converts; reportgen.solvers.mlp holds the one backprop):

* ``column``: z_k = W1 x_k + b1 with W1 in R^{h x d}, y_k = w2^T f(z_k) + b2 (nn-assignment2-2024)
* ``row``:    z_k = x_k W1 + b1 with W1 in R^{d x h}, y_k = W2 f(z_k)^T + b2 (nn-assignment2-2023)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SpecError
from ..solvers import mlp
from ..spec import Table
from ..verify import Check, close, equal
from ..verify.mlp import (
    Net,
    explicit_jacobian_chains,
    gradients_by_finite_differences,
    loss_by_loops,
    loss_unit,
    scales,
)

name = "mlp_gradients"
description = "Gradients of a one-hidden-layer regression network, computed and explained"

LAYOUTS = ("column", "row")
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

    def canonical(self) -> mlp.Params:
        W1 = self.W1.T if self.layout == "column" else self.W1
        return mlp.Params(W1, self.b1, self.W2.reshape(-1, 1), np.array([self.b2]))


def parse(t: Table) -> Params:
    layout = t.choice("layout", LAYOUTS)
    activation = t.choice("activation", ("relu", "sigmoid", "tanh"), "relu")
    X = t.array("X", (None, None))
    N, d = X.shape
    targets = t.array("t", (N,))
    b1 = t.array("b1", (None,))
    h = b1.shape[0]
    W1 = t.array("W1", (h, d) if layout == "column" else (d, h))
    W2 = t.array("W2", (h,))
    b2 = float(t.array("b2", ()))
    work = N * h * (d + 1) * (h * (d + 2) + 1)
    if work > MAX_WORK:
        raise t.error("X", f"{N} samples, {d} inputs and {h} hidden units need {work:,} loop steps to verify "
                           f"by finite differences; at most {MAX_WORK:,} (fewer samples or units)")
    p = Params(layout, activation, X, targets, W1, b1, W2, b2, t.boolean("explain_order", True))
    with np.errstate(over="ignore"):
        unit = loss_unit(_net(p))
    if not unit <= 1e300:
        raise SpecError(t.file, t.path, f"the data's scale puts the loss's terms at {unit:.3g}, beyond what double "
                                        "precision can hold and difference (1e300); scale X, t and the weights down")
    return p


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


def solve(p: Params) -> Result:
    net, cp = mlp.Net(activation=p.activation), p.canonical()
    T = p.t.reshape(-1, 1)
    exact = mlp.exact_preactivations(p.X, cp.W1, cp.b1)  # the branch of z = 0.1 * 3 - 0.3 is decided exactly
    fw = mlp.forward(net, cp, p.X, T, exact)
    g = mlp.backward(net, cp, p.X, T, fw)
    kinks = tuple((int(k) + 1, int(j) + 1) for k, j in np.argwhere(exact[1] == 0)) if p.activation == "relu" else ()
    return Result(
        Z=fw.Z1,
        A=fw.A1,
        mask=fw.dA_dZ1,
        y=fw.Y.ravel(),
        residual=fw.residual.ravel(),
        loss=fw.loss,
        dL_dy=g.dL_dY.ravel(),
        dL_dA=g.dL_dA1,
        dL_dZ=g.dL_dZ1,
        dL_dW1=g.dL_dW1.T if p.layout == "column" else g.dL_dW1,
        dL_db1=g.dL_db1,
        dL_dW2=g.dL_dW2.ravel(),
        dL_db2=float(g.dL_db2[0]),
        costs=mlp.mode_costs(p.N, p.d, p.h),
        kinks=kinks,
    )


def verify(p: Params, r: Result) -> list[Check]:
    net = _net(p)
    fd = gradients_by_finite_differences(net)
    fd_method = "central differences (steps 1e-6 relative to each entry) of a per-sample loop implementation"
    if p.activation == "relu":
        fd_method += ", each ReLU on the branch of its exact sign (z = 0: f = 0, one-sided from below)"
    unit = loss_unit(net)  # the loss's size before cancellation; gradients are relative to unit / scale
    floors = {name: unit / size for name, size in scales(net).items()}
    checks = [
        close("loss L", "per-sample loop implementation", r.loss, loss_by_loops(net), 1e-12, unit * 1e-3),
        close("dL/dW(1)", fd_method, r.dL_dW1, fd["W1"], 1e-6, floors["W1"] * 1e-3),
        close("dL/db(1)", fd_method, r.dL_db1, fd["b1"], 1e-6, floors["b1"] * 1e-3),
        close("dL/dW(2)", fd_method, r.dL_dW2, fd["W2"], 1e-6, floors["W2"] * 1e-3),
        close("dL/db(2)", fd_method, r.dL_db2, fd["b2"][0], 1e-6, floors["b2"] * 1e-3),
    ]
    chains = explicit_jacobian_chains(p.X, p.W2, r.A, r.mask, r.residual)
    dW1 = r.dL_dW1 if p.layout == "column" else r.dL_dW1.T  # (h, d): unit by unit, as the chains
    backprop = np.concatenate([dW1.ravel(), r.dL_db1, r.dL_dW2, [r.dL_db2]])
    g_floor = 1e-3 * min(floors.values())
    checks += [
        close("gradient by the reverse Jacobian chain", "dense Jacobians multiplied from the loss side",
              chains.reverse_grad, backprop, 1e-12, g_floor),
        close("gradient by the forward Jacobian chain", "dense Jacobians multiplied from the input side",
              chains.forward_grad, backprop, 1e-12, g_floor),
        equal("multiplications, reverse order", "counted while multiplying the dense Jacobians",
              chains.reverse_mults, r.costs.reverse_total),
        equal("multiplications, forward order", "counted while multiplying the dense Jacobians",
              chains.forward_mults, r.costs.forward_total),
    ]
    return checks
