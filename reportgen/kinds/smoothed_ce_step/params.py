"""smoothed_ce_step: parse: read and check its keys."""

from __future__ import annotations

import numpy as np

from ...errors import SpecError
from ...maths import mlp
from ...spec import Table
from ...verify import smoothed_ce as loops
from .data import LN_MAX, MAX_WORK, Params


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
