"""Problem kind ``smoothed_ce_step``: one sample through a one-hidden-layer ReLU network with a
softmax output, the label-smoothed cross-entropy, every gradient, and one gradient-descent step.

The assignment's layout, h = W1^T x + b1 with W1 in R^{d x n} and z = W2^T a + b2 with
W2 in R^{n x q}, is the canonical row form of reportgen.solvers.mlp for the 1 x d row x^T:
x^T W1 + b1^T = h^T. So the weights pass through unchanged and the one backprop there computes
everything (softmax head with soft labels, sum reduction); ``Params.step`` makes the update.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import SpecError
from ..solvers import mlp
from ..spec import Table
from ..verify import Check, array_scale, close
from ..verify import smoothed_ce as loops

name = "smoothed_ce_step"
description = "Forward pass, backpropagation and one gradient-descent step with label smoothing"
MAX_WORK = 2_000_000  # loop-verification cost (parameters x loop steps per loss): a few seconds
LN_MAX = 709.78  # ln of the largest double, 1.8e308


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
    def cls(self) -> int:
        """The true class, counted from 1."""
        return int(np.argmax(self.y)) + 1

    def canonical(self) -> mlp.Params:
        return mlp.Params(self.W1, self.b1, self.W2, self.b2)

    def instance(self) -> loops.Instance:
        return loops.Instance(self.x, self.y, self.W1, self.b1, self.W2, self.b2, self.epsilon)


def parse(t: Table) -> Params:
    x = t.array("x", (None,))
    b1 = t.array("b1", (None,))
    b2 = t.array("b2", (None,))
    d, n, q = x.shape[0], b1.shape[0], b2.shape[0]
    for key, size in (("d", d), ("n", n), ("q", q)):  # optional, as the assignment states them
        if t.has(key) and t.integer(key, lo=1) != size:
            raise t.error(key, f"is {t.data[key]}, but the arrays have {key} = {size}")
    y = t.array("y", (q,))
    if not (set(y.tolist()) <= {0.0, 1.0} and y.sum() == 1):
        raise t.error("y", f"expected a one-hot indicator of length {q} (one 1, the rest 0), got {y.tolist()}")
    W1 = t.array("W1", (d, n))
    W2 = t.array("W2", (n, q))
    if q < 2:
        raise t.error("b2", "q = 1 class: the softmax of one class is always 1 and the loss 0; give at least 2")
    epsilon = t.real("epsilon")
    if not 0 <= epsilon <= 1:
        raise t.error("epsilon", f"expected a smoothing constant in [0, 1], got {epsilon}")
    eta = t.real("eta", positive=True)
    work = (d * n + n + n * q + q) * (d * n + n * q + q)
    if work > MAX_WORK:
        raise t.error("b1", f"d = {d}, n = {n}, q = {q} need {work:,} loop steps to verify by finite "
                            f"differences; at most {MAX_WORK:,}")
    p = Params(x, y, W1, b1, W2, b2, epsilon, eta)
    with np.errstate(over="ignore", invalid="ignore"):
        reach = (1 + float(np.max(np.abs(x)))) * (1 + float(np.max(np.abs(W2))))
        size = max(loops.units(p.instance())) * (1 + eta) * reach
    if not size <= 1e300:
        raise SpecError(t.file, t.path, f"the data's scale puts the gradients and the step near {size:.3g}, beyond "
                                        "what double precision can hold and difference (1e300); scale the data down")
    _check_representable(p, t)
    return p


def _check_representable(p: Params, t: Table) -> None:
    """dLoss/dyhat_k = -y^s_k / yhat_k is printed: refuse logits so far apart that it exceeds
    double precision (yhat_k = e^{z_k - lse(z)} below about 1e-308 with y^s_k > 0)."""
    net = mlp.Net("relu", "softmax", "sum")
    y_soft = (1.0 - p.epsilon) * p.y + p.epsilon / p.q
    fw = mlp.forward(net, p.canonical(), p.x.reshape(1, -1), y_soft.reshape(1, -1))
    with np.errstate(divide="ignore"):
        log_size = np.where(y_soft > 0, np.log(y_soft) - fw.log_Y[0], -np.inf)
    k = int(np.argmax(log_size))
    if log_size[k] > LN_MAX or not np.all(np.isfinite(fw.Z2)):
        raise SpecError(t.file, t.path, f"the logits z span {np.ptp(fw.Z2):.3g}, so yhat_{k + 1} = "
                        f"e^({fw.log_Y[0, k]:.4g}) and dLoss/dyhat_{k + 1} = -y^s/yhat is about "
                        f"-10^{log_size[k] / np.log(10):.0f}, beyond double precision (1.8e308)")


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


def solve(p: Params) -> Result:
    net, cp = mlp.Net("relu", "softmax", "sum"), p.canonical()
    X = p.x.reshape(1, -1)
    y_soft = (1.0 - p.epsilon) * p.y + p.epsilon / p.q
    T = y_soft.reshape(1, -1)
    exact = mlp.exact_preactivations(X, cp.W1, cp.b1)  # the ReLU branch of h = 0.1 * 3 - 0.3 is decided exactly
    fw = mlp.forward(net, cp, X, T, exact)
    g = mlp.backward(net, cp, X, T, fw)
    new = cp.step(g, p.eta)
    if not np.all(np.isfinite(new.flat())):
        raise ValueError(f"the step with eta = {p.eta:g} overflows the updated weights (beyond 1.8e308)")
    z = fw.Z2[0]
    return Result(
        h=fw.Z1[0], a=fw.A1[0], mask=fw.dA_dZ1[0], z=z, yhat=fw.Y[0], y_soft=y_soft,
        log_sum_exp=float(mlp.log_sum_exp(z)), ys_dot_z=float(y_soft @ z), loss=fw.loss,
        dL_dyhat=g.dL_dY[0], softmax_jacobian=np.diag(fw.Y[0]) - np.outer(fw.Y[0], fw.Y[0]),
        dL_dz=g.dL_dZ2[0], dL_dW2=g.dL_dW2, dL_db2=g.dL_db2, dL_da=g.dL_dA1[0],
        dL_dh=g.dL_dZ1[0], dL_dW1=g.dL_dW1, dL_db1=g.dL_db1,
        W1_new=new.W1, b1_new=new.b1, W2_new=new.W2, b2_new=new.b2, loss_new=mlp.loss_at(net, new, X, T),
        kinks=tuple(int(j) + 1 for j in np.flatnonzero(exact[1][0] == 0)),
    )


def verify(p: Params, r: Result) -> list[Check]:
    """Tolerances are relative: rtol times the larger of the quantity's size and a floor from the
    data (h_unit, z_unit: the sizes of the terms before they cancel; see loops.units)."""
    inst = replace(p.instance(), signs=loops.exact_signs(p.instance()))
    v = loops.forward(inst)
    h_unit, z_unit = loops.units(inst)
    by_loops = "explicit sums over the assignment's indices"
    soft = 1e-12 + 1e-14 * z_unit  # softmax error grows with the logits' size: eps |z| relative
    checks = [
        close("h = W1^T x + b1", by_loops, r.h, v.h, 1e-12, h_unit),
        close("a = ReLU(h)", by_loops, r.a, v.a, 1e-12, h_unit),
        close("z = W2^T a + b2", by_loops, r.z, v.z, 1e-12, z_unit),
        close("yhat = Softmax(z)", by_loops, r.yhat, v.yhat, soft, 1.0),
        close("soft labels y^s", "(1 - eps) y_i + eps/q entry by entry", r.y_soft, v.y_soft, 1e-15, 1.0),
        close("soft labels sum to one", "sum of the entries", float(r.y_soft.sum()), 1.0, 1e-12),
        close("Loss", by_loops, r.loss, v.loss, 1e-12, z_unit),
        close("(y^s)^T z", "sum of products entry by entry", r.ys_dot_z,
              sum(s * t for s, t in zip(v.y_soft, v.z, strict=True)), 1e-12, z_unit),
        close("Loss = ln sum exp(z) - (y^s)^T z", "the log-sum-exp form", r.log_sum_exp - r.ys_dot_z, r.loss,
              1e-12, z_unit),
        close("softmax Jacobian diag(yhat) - yhat yhat^T", "central differences of the loop softmax at z - max z",
              r.softmax_jacobian, loops.softmax_jacobian_fd(v.z), 1e-6, 1e-3),
        close("dLoss/dz through the softmax Jacobian = yhat - y^s", "the collapsed form of Problem 1",
              r.dL_dz, r.yhat - r.y_soft, soft, 1.0),
    ]
    checks += _gradient_checks(p, r, inst, z_unit)
    new = replace(inst, W1=r.W1_new, b1=r.b1_new, W2=r.W2_new, b2=r.b2_new, signs=None)
    checks.append(close("Loss after the step", by_loops, r.loss_new, loops.loss(new), 1e-12, loops.units(new)[1]))
    return checks


def _gradient_checks(p: Params, r: Result, inst: loops.Instance, z_unit: float) -> list[Check]:
    fd = ("central differences (steps 1e-6 relative to each entry) of the loop implementation, each ReLU on "
          "the branch of its exact sign (h = 0: a = 0, one-sided from below)")
    grads = {w: loops.gradient_fd(inst, w) for w in ("yhat", "z", "W2", "b2", "a", "h", "W1", "b1")}
    sizes = {"W1": p.W1, "b1": p.b1, "W2": p.W2, "b2": p.b2, "a": r.a, "h": r.h}
    moves = loops.z_per_unit(inst, loops.forward(inst))  # |dz / d entry|: the gradients' natural size
    floor = {w: max(1e-3 * z_unit / array_scale(a, 1.0), 1e-3 * moves[w], 1e7 * loops.rounding_noise(inst, w))
             for w, a in sizes.items()}  # 1e7 x noise: the tolerance is 10 x what rounding alone gives
    floor |= {"yhat": 0.0, "z": 1e-3}
    checks = []
    for name, got, w in (("dLoss/dyhat", r.dL_dyhat, "yhat"), ("dLoss/dz", r.dL_dz, "z"),
                         ("dLoss/dW2", r.dL_dW2, "W2"), ("dLoss/db2", r.dL_db2, "b2"),
                         ("dLoss/da", r.dL_da, "a"), ("dLoss/dh", r.dL_dh, "h"),
                         ("dLoss/dW1", r.dL_dW1, "W1"), ("dLoss/db1", r.dL_db1, "b1")):
        checks.append(close(name, fd, got, grads[w], 1e-6, floor[w]))
    step = "theta - eta * (central-difference gradient)"
    for name, got, w in (("updated W1", r.W1_new, "W1"), ("updated b1", r.b1_new, "b1"),
                         ("updated W2", r.W2_new, "W2"), ("updated b2", r.b2_new, "b2")):
        want = getattr(p, w) - p.eta * grads[w]
        checks.append(close(name, step, got, want, 1e-6, p.eta * floor[w] + array_scale(getattr(p, w), 0.0)))
    return checks
