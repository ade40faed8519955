"""Property tests, networks: random editions of mlp_gradients and smoothed_ce_step (shapes, data
from 1e-8 to 1e6, exact ReLU ties, logits up to 1e6 with probabilities far below 1e-6) must
build (every check passes) and agree with the independent references of tests/reference.py;
what the format refuses must be a SpecError with a key path, and only where the reference
confirms the reason. HYPOTHESIS_PROFILE=long runs many more editions (see tests/conftest.py).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import given

from reportgen.errors import SpecError
from reportgen.kinds import smoothed_ce_step
from reportgen.kinds.smoothed_ce_step import data as smoothed_ce_step_data

from .editions import ce_step_editions, failed, mlp_editions, run
from .reference import COUNTS, ce_reference, mlp_floor, mlp_reference, relative_gap


def _scale(a: np.ndarray, fallback: float) -> float:
    m = float(np.max(np.abs(a))) if np.size(a) else 0.0
    return m if m > 0 else fallback


@given(mlp_editions())
def test_mlp_editions_build_and_match_the_reference(edition):
    p, r, checks = run(edition)
    assert not failed(checks), failed(checks)
    ref = mlp_reference(p)
    unit = mlp_floor(p)
    assert relative_gap(r.loss, ref["loss"], unit) <= 1e-12
    x_scale = _scale(p.X, 1.0)
    floors = {"W1": unit / _scale(p.W1, 1.0), "b1": unit / _scale(p.b1, _scale(p.W1, 1.0) * x_scale),
              "W2": unit / _scale(p.W2, 1.0), "b2": unit / _scale(np.array([p.b2]), _scale(p.t, 1.0))}
    got = {"W1": r.dL_dW1, "b1": r.dL_db1, "W2": r.dL_dW2, "b2": [r.dL_db2]}
    for name, floor in floors.items():
        assert relative_gap(got[name], ref[name], floor * 1e-6) <= 1e-8, name
    if p.activation == "relu":
        # pre-activations: the exact value correctly rounded; the branch from the exact sign
        exact = [[Fraction(v) for v in row] for row in ref["Z"]]
        assert r.Z.tolist() == [[float(v) for v in row] for row in exact]
        assert r.mask.tolist() == [[1.0 if v > 0 else 0.0 for v in row] for row in exact]
        zeros = [(k + 1, j + 1) for k, row in enumerate(exact) for j, v in enumerate(row) if v == 0]
        assert list(r.kinks) == zeros
        COUNTS["quantities"] += 2 * r.Z.size
    else:
        assert r.kinks == ()


def _largest_log_dyhat(ref: dict) -> float:
    """log10 of the largest |dLoss/dyhat_k| = y^s_k / yhat_k (50 digits, no underflow)."""
    return max(float(mpmath.log10(abs(v))) for v in ref["dL_dyhat"] if v != 0) if any(ref["dL_dyhat"]) else -1e9


@given(ce_step_editions())
def test_ce_step_editions_build_or_refuse_for_a_true_overflow(edition):
    try:
        p, r, checks = run(edition)
    except SpecError as exc:
        # refused only where dLoss/dyhat truly lies beyond double precision (or the step overflows)
        assert exc.key == "problems[0]", exc
        assert "beyond double precision" in exc.detail, exc
        arrays = (np.array(edition[k], dtype=float) for k in ("x", "y", "W1", "b1", "W2", "b2"))
        params = smoothed_ce_step_data.Params(*arrays, edition["epsilon"], edition["eta"])
        assert _largest_log_dyhat(ce_reference(params)) > 308.2
        COUNTS["refused"] += 1
        return
    assert not failed(checks), failed(checks)
    ref = ce_reference(p)
    assert _largest_log_dyhat(ref) < 308.3
    # probabilities, however small, entry by entry (relative), and dLoss/dyhat likewise
    for got, want in ((r.yhat, ref["yhat"]), (r.dL_dyhat, ref["dL_dyhat"])):
        for g, w in zip(got, want, strict=True):
            COUNTS["quantities"] += 1
            if abs(w) < 1e-300:  # below the normal range of doubles: 0 or subnormal is right
                assert abs(g) < 1e-290
            else:
                assert abs(g - float(w)) <= 1e-8 * abs(float(w)), (g, w)
    h_unit = float(np.max(np.abs(p.W1).T @ np.abs(p.x) + np.abs(p.b1)))
    z_unit = float(np.max(np.abs(p.W2).T @ np.maximum(np.abs(p.W1).T @ np.abs(p.x) + np.abs(p.b1), 0)
                          + np.abs(p.b2)))
    assert relative_gap(r.h, ref["h"], h_unit) <= 1e-14
    assert relative_gap(r.z, ref["z"], z_unit) <= 1e-13
    assert relative_gap(r.loss, ref["loss"], z_unit) <= 1e-12
    assert relative_gap(r.dL_dz, ref["dL_dz"], 1.0) <= 1e-9 + 1e-14 * z_unit
    # rounding z (|z| up to z_unit) moves a gradient by eps z_unit |dz/d entry|: the floors hold that
    w2, a = float(np.max(np.abs(p.W2))), float(np.max(np.abs(r.a)))
    moves = {"b2": 1.0, "W2": a, "b1": w2, "W1": w2 * float(np.max(np.abs(p.x)))}
    for name in ("W1", "b1", "W2", "b2"):
        floor = 1e-6 * z_unit * max(1 / _scale(getattr(p, name), 1.0), moves[name])
        assert relative_gap(getattr(r, f"dL_d{name}"), ref[name], floor) <= 1e-8 + 1e-14 * z_unit, name
        new = getattr(r, f"{name}_new")
        assert relative_gap(new, ref[f"{name}_new"], _scale(getattr(p, name), 0.0) + p.eta * floor) <= 1e-8, name
    dec = lambda v: Fraction(repr(float(v)))  # noqa: E731
    h = [sum((dec(p.W1[i, j]) * dec(p.x[i]) for i in range(p.d)), dec(p.b1[j])) for j in range(p.n)]
    assert r.mask.tolist() == [1.0 if v > 0 else 0.0 for v in h]


@given(mlp_editions())
def test_the_relative_tolerances_still_catch_a_wrong_gradient(edition):
    """Relative tolerances with floors are not so loose that a 1e-4 relative error passes."""
    from dataclasses import replace

    from reportgen.kinds import mlp_gradients
    from reportgen.kinds.mlp_gradients.reference import loss_unit, scales

    p, r, _ = run(edition)
    big = np.argmax(np.abs(r.dL_db1))
    if abs(r.dL_db1[big]) <= 1e-2 * loss_unit(p) / scales(p)["b1"]:  # near 0 in its own units: nothing to see
        return
    wrong = r.dL_db1.copy()
    wrong[big] *= 1 + 1e-4
    checks = mlp_gradients.verify(p, replace(r, dL_db1=wrong))
    assert "dL/db(1)" in [c.name for c in checks if not c.passed]


def test_a_wrong_softmax_gradient_fails_its_check():
    from dataclasses import replace

    from .test_properties_specs import SP

    p, r, _ = run({**SP, "b2": [4, 5, -10]})
    checks = smoothed_ce_step.verify(p, replace(r, dL_db2=r.dL_db2 * (1 + 1e-5)))
    assert "dLoss/db2" in [c.name for c in checks if not c.passed]


def test_a_relu_tie_is_decided_on_the_decimals():
    """0.1 * 3 - 0.3 is 5.6e-17 in floats but 0 on the decimals: f'(0) = 0 there, and reported."""
    from .test_properties_specs import SP

    _, r, checks = run({**SP, "x": [0.1, 1], "W1": [[3, 2, 2], [0, 2, -1]], "b1": [-0.3, -2, -3]})
    assert not failed(checks)
    assert r.h[0] == 0.0 and r.mask[0] == 0.0 and r.kinks == (1,)
