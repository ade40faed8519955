"""smoothed_ce_step: verify: the independent checks (never imports solver.py)."""

from __future__ import annotations

from dataclasses import replace

from ...verify import Check, array_scale, close
from ...verify import smoothed_ce as loops
from .data import Params, Result


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
        close("dLoss/dz through the softmax Jacobian = yhat - y^s", "the collapsed form derived for this network",
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
