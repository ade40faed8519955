"""Independent re-computation of the one-hidden-layer ReLU network with a softmax output and the
label-smoothed cross-entropy (no shared code with reportgen.maths.mlp).

Everything is written with explicit loops over the assignment's indices,

    h_l = sum_p (W1)_pl x_p + (b1)_l,   a_l = max(0, h_l),   z_i = sum_l (W2)_li a_l + (b2)_i,
    yhat_i = exp(z_i) / sum_r exp(z_r),  y^s_i = (1 - eps) y_i + eps / q,
    Loss = -sum_i y^s_i ln yhat_i,

so that central differences of this loss check the derived gradients and the solver's numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from . import array_scale, central_diff

STEP = 1e-6  # central differences: steps relative to each entry (h_i = STEP max(|v_i|, scale))

PARAMETERS = ("W1", "b1", "W2", "b2")
INTERMEDIATE = ("h", "a", "z", "yhat")


@dataclass(frozen=True)
class Instance:
    """One sample and the weights, in the assignment's layout: W1 (d, n), W2 (n, q)."""

    x: np.ndarray  # (d,)
    y: np.ndarray  # (q,) one-hot
    W1: np.ndarray  # (d, n)
    b1: np.ndarray  # (n,)
    W2: np.ndarray  # (n, q)
    b2: np.ndarray  # (q,)
    eps: float
    signs: tuple[int, ...] | None = None  # ReLU branches held fixed (1: h > 0, else a = 0); None: max(0, h)

    @property
    def sizes(self) -> tuple[int, int, int]:
        return self.W1.shape[0], self.W1.shape[1], self.W2.shape[1]


@dataclass(frozen=True)
class Values:
    """Forward quantities of one instance, by loops."""

    h: np.ndarray
    a: np.ndarray
    z: np.ndarray
    yhat: np.ndarray
    y_soft: np.ndarray
    loss: float


def soft_labels(y: np.ndarray, eps: float) -> np.ndarray:
    q = len(y)
    return np.array([(1.0 - eps) * y[i] + eps / q for i in range(q)])


def hidden(inst: Instance) -> np.ndarray:
    d, n, _ = inst.sizes
    W1, x, b1 = inst.W1.tolist(), inst.x.tolist(), inst.b1.tolist()  # loops over floats: the same
    return np.array([sum(W1[p][l] * x[p] for p in range(d)) + b1[l] for l in range(n)])  # numbers, faster


def outputs(a: np.ndarray, inst: Instance) -> np.ndarray:
    _, n, q = inst.sizes
    W2, a, b2 = inst.W2.tolist(), np.asarray(a).tolist(), inst.b2.tolist()
    return np.array([sum(W2[l][i] * a[l] for l in range(n)) + b2[i] for i in range(q)])


def exact_signs(inst: Instance) -> tuple[int, ...]:
    """sign(h_l) in exact rational arithmetic on the numbers' decimals (0.1 * 3 - 0.3 is 0)."""
    dec = lambda v: Fraction(repr(float(v)))  # noqa: E731
    d, n, _ = inst.sizes
    out = []
    for l in range(n):
        h = sum((dec(inst.W1[p, l]) * dec(inst.x[p]) for p in range(d)), dec(inst.b1[l]))
        out.append((h > 0) - (h < 0))
    return tuple(out)


def relu(h: np.ndarray, signs: tuple[int, ...] | None) -> np.ndarray:
    """max(0, h), or with the branches held: h_l where signs[l] > 0, else 0 (so ReLU'(0) = 0)."""
    if signs is None:
        return np.array([max(v, 0.0) for v in h])
    return np.array([v if s > 0 else 0.0 for v, s in zip(h, signs, strict=True)])


def loss_of_yhat(yhat: np.ndarray, y_soft: np.ndarray) -> float:
    """-sum y^s_i ln yhat_i over the classes with y^s_i > 0 (0 ln 0 = 0)."""
    return -sum(float(s) * math.log(float(p)) for s, p in zip(y_soft, yhat, strict=True) if s > 0)


def loss_of_z(z: np.ndarray, y_soft: np.ndarray) -> float:
    """-sum y^s_i (z_i - ln sum_r e^{z_r}), with the log-sum-exp shifted by max z."""
    top = max(z)
    lse = top + math.log(sum(math.exp(v - top) for v in z))
    return -sum(float(s) * (float(v) - lse) for s, v in zip(y_soft, z, strict=True))


def softmax(z: np.ndarray) -> np.ndarray:
    top = max(z)
    e = [math.exp(v - top) for v in z]
    total = sum(e)
    return np.array([v / total for v in e])


def loss_of_a(a: np.ndarray, inst: Instance) -> float:
    return loss_of_z(outputs(a, inst), soft_labels(inst.y, inst.eps))


def loss_of_h(h: np.ndarray, inst: Instance) -> float:
    return loss_of_a(relu(h, inst.signs), inst)


def loss(inst: Instance) -> float:
    return loss_of_h(hidden(inst), inst)


def forward(inst: Instance) -> Values:
    h = hidden(inst)
    a = relu(h, inst.signs)
    z = outputs(a, inst)
    ys = soft_labels(inst.y, inst.eps)
    return Values(h, a, z, softmax(z), ys, loss_of_z(z, ys))


def gradient_fd(inst: Instance, wrt: str) -> np.ndarray:
    """d Loss / d(wrt) by central differences, for a parameter or an intermediate quantity
    (each intermediate is perturbed with everything upstream of it held fixed). Every ReLU is
    held on the branch of its exact sign (at h = 0 the branch a = 0: the one-sided difference
    from below), so no step jumps across a kink."""
    inst = inst if inst.signs is not None else replace(inst, signs=exact_signs(inst))
    v = forward(inst)
    if wrt == "yhat":
        return _yhat_fd(v.yhat, v.y_soft, v.z)
    if wrt == "z":  # the loss is translation invariant in z (the soft labels sum to 1): shift by max z
        top = max(v.z)
        lse0 = math.log(sum(math.exp(t - top) for t in v.z))
        change = lambda dz: (math.log(sum(math.exp(t - top + e) for t, e in zip(v.z, dz, strict=True))) - lse0  # noqa: E731
                             - sum(float(s) * e for s, e in zip(v.y_soft, dz, strict=True)))
        return central_diff(change, np.zeros_like(v.z), STEP)
    scale, cap = _step(inst, v, wrt)
    if wrt in PARAMETERS:
        return central_diff(lambda u: loss(replace(inst, **{wrt: u})), getattr(inst, wrt), STEP, scale, cap)
    f = {"h": lambda t: loss_of_h(t, inst), "a": lambda t: loss_of_a(t, inst)}[wrt]
    return central_diff(f, getattr(v, wrt), STEP, scale, cap)


def _step(inst: Instance, v: Values, wrt: str) -> tuple[float, float]:
    """(scale, cap) of the steps for ``wrt``: the loss bends on the scale 1 of z (log-sum-exp),
    so a step moves z by at least 1e-6 (scale 1 / |dz/d entry| where the array is small) and at
    most 1e-4 (cap)."""
    moves = z_per_unit(inst, v)[wrt]
    at = getattr(inst, wrt) if wrt in PARAMETERS else getattr(v, wrt)
    if moves <= 0:
        return array_scale(at), float("inf")
    return max(array_scale(at, 0.0), 1.0 / moves), 1e-4 / moves


def rounding_noise(inst: Instance, wrt: str) -> float:
    """What rounding alone puts into gradient_fd's result for ``wrt``: each loss evaluation is
    off by about eps * |Loss| (logits at 1e6 resolve no better), divided by the smallest step."""
    v = forward(inst)
    scale, cap = _step(inst, v, wrt)
    loss_size = units(inst)[1] + math.log(len(inst.b2)) + 1.0  # |Loss| <= z_unit + ln q
    return 2.2e-16 * loss_size / min(STEP * scale, cap)


def z_per_unit(inst: Instance, v: Values) -> dict[str, float]:
    """How far z can move per unit change of one entry of each quantity (largest |dz/dentry|)."""
    w2, x = float(np.max(np.abs(inst.W2))), float(np.max(np.abs(inst.x)))
    return {"b2": 1.0, "W2": float(np.max(np.abs(v.a))), "a": w2, "h": w2, "b1": w2, "W1": w2 * x}


def _yhat_fd(yhat: np.ndarray, y_soft: np.ndarray, z: np.ndarray) -> np.ndarray:
    """dLoss/dyhat_k by central differences with steps 1e-5 yhat_k, relative to each probability
    (an absolute step would step below 0 where yhat_k < 1e-6). Where yhat_k is below the normal
    doubles (1e-300), in u_k = ln yhat_k instead (loops: z_k - ln sum e^z), then
    dLoss/dyhat_k = (dLoss/du_k) e^{-u_k}. A class with y^s_k = 0 contributes nothing: 0."""
    g = np.zeros_like(yhat)
    top = max(z)
    lse = top + math.log(sum(math.exp(t - top) for t in z))
    for k, p in enumerate(yhat):
        if y_soft[k] > 0 and p < 1e-300:
            u = float(z[k] - lse)
            s = float(y_soft[k])  # the loss depends on u_k as -s u_k
            d = (-s * (u * (1 + 1e-6)) + s * (u * (1 - 1e-6))) / (u * 2e-6)
            g[k] = -math.exp(math.log(-d) - u) if d < 0 else 0.0
        elif p > 0 and y_soft[k] > 0:  # y^s_k = 0: the loss does not depend on yhat_k
            e = np.zeros_like(yhat)
            e[k] = 1e-5 * p
            g[k] = (loss_of_yhat(yhat + e, y_soft) - loss_of_yhat(yhat - e, y_soft)) / (2 * e[k])
    return g


def softmax_jacobian_fd(z: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """J[i, k] = d yhat_i / d z_k by central differences, column by column, at z - max z
    (softmax is translation invariant; the shift keeps the perturbed logits near 0)."""
    q = len(z)
    z = np.asarray(z, dtype=float) - max(z)
    J = np.zeros((q, q))
    for k in range(q):
        e = np.zeros(q)
        e[k] = step
        J[:, k] = (softmax(z + e) - softmax(z - e)) / (2 * step)
    return J


def units(inst: Instance) -> tuple[float, float]:
    """(h_unit, z_unit): the largest |h_l| and |z_i| could be from the absolute values of the
    terms (|W1|^T |x| + |b1|, ...): the size rounding errors are relative to."""
    d, n, q = inst.sizes
    h = [sum(abs(inst.W1[p, l] * inst.x[p]) for p in range(d)) + abs(inst.b1[l]) for l in range(n)]
    z = [sum(abs(inst.W2[l, i]) * h[l] for l in range(n)) + abs(inst.b2[i]) for i in range(q)]
    return max(h), max(z)


def random_instance(rng: np.random.Generator, max_size: int = 5, margin: float = 1e-3) -> Instance:
    """Random sizes 1 <= d, n <= max_size and 2 <= q <= max_size, a random class, eps in [0, 1),
    normal weights; redrawn while a pre-activation lies within ``margin`` of the ReLU kink."""
    while True:
        d, n = int(rng.integers(1, max_size + 1)), int(rng.integers(1, max_size + 1))
        q = int(rng.integers(2, max_size + 1))
        y = np.zeros(q)
        y[rng.integers(q)] = 1.0
        inst = Instance(rng.standard_normal(d), y, rng.standard_normal((d, n)), rng.standard_normal(n),
                        rng.standard_normal((n, q)), rng.standard_normal(q), float(rng.uniform(0.0, 1.0)))
        if min(abs(hidden(inst))) > margin:
            return inst
