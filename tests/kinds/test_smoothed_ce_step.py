"""smoothed_ce_step (reportgen/kinds/smoothed_ce_step, ml-hw3-2024spring Problem 2) against values checked
by hand from the assignment's data.

x = [0, 2], y = [1, 0, 0], eps = 0.3, eta = 0.1:
  h = W1^T x + b1 = 2 * (row 2 of W1) + b1 = [-10, 4, -2] + [-3, -2, -3] = [-13, 2, -5]
  a = [0, 2, 0];  z = W2^T a + b2 = 2 * (row 2 of W2) + b2 = [-4, -8, -4] + [4, 5, 5] = [0, -3, 1]
  yhat = [1, e^-3, e] / S with S = 1 + e^-3 + e;  y^s = 0.7 y + 0.1 = [0.8, 0.1, 0.1]
  Loss = ln S - (y^s)^T z = ln S - (0 - 0.3 + 0.1) = ln S + 0.2
  delta2 = yhat - y^s;  only a_2 = 2 is non-zero, so dLoss/dW2 has the single row 2 delta2^T (row 2)
  dLoss/da = W2 delta2, and its entry 2 is -2 delta2_1 - 4 delta2_2 - 2 delta2_3 = -2 delta2_2
  (the entries of delta2 sum to 0); only h_2 > 0, so delta1 = [0, -2 delta2_2, 0]
  dLoss/dW1 = x delta1^T: x_1 = 0, so only entry (2, 2) = 2 * (-2 delta2_2) = -4 delta2_2
"""

import io
import json
import math
from contextlib import redirect_stdout
from dataclasses import replace

import numpy as np
import pytest

from reportgen import cli, pipeline
from reportgen.errors import SpecError, VerificationError
from reportgen.settings import Settings

from ..conftest import pdf_text, solved_by_kind


@pytest.fixture(scope="module")
def solved():
    return solved_by_kind("ml-hw3-2024spring")


S = 1 + math.exp(-3) + math.e


YHAT = np.array([1, math.exp(-3), math.e]) / S


DELTA2 = YHAT - np.array([0.8, 0.1, 0.1])


W1 = np.array([[-5, 2, 2], [-5, 2, -1]], dtype=float)


W2 = np.array([[3, -4, 1], [-2, -4, -2], [-4, -2, 3]], dtype=float)


B1, B2 = np.array([-3.0, -2, -3]), np.array([4.0, 5, 5])


X, YS = np.array([0.0, 2]), np.array([0.8, 0.1, 0.1])


def test_forward_pass_by_hand(solved):
    r = solved["smoothed_ce_step"].result
    np.testing.assert_array_equal(r.h, [-13, 2, -5])
    np.testing.assert_array_equal(r.a, [0, 2, 0])
    np.testing.assert_array_equal(r.z, [0, -3, 1])
    np.testing.assert_allclose(r.yhat, YHAT, atol=1e-15)
    np.testing.assert_allclose(r.y_soft, [0.8, 0.1, 0.1], atol=1e-15)
    assert r.loss == pytest.approx(math.log(S) + 0.2, abs=1e-14)
    assert r.loss == pytest.approx(1.5265626, abs=1e-7)
    assert r.ys_dot_z == pytest.approx(-0.2, abs=1e-15)
    assert r.inactive_units == 2


def test_backward_pass_by_hand(solved):
    r = solved["smoothed_ce_step"].result
    np.testing.assert_allclose(r.dL_dyhat, -YS / YHAT, rtol=1e-14)
    np.testing.assert_allclose(r.dL_dz, DELTA2, atol=1e-15)  # through the softmax Jacobian, collapsed
    np.testing.assert_allclose(r.dL_dz, [-0.5346121, -0.0867871, 0.6213992], atol=1e-7)
    np.testing.assert_allclose(r.softmax_jacobian, np.diag(YHAT) - np.outer(YHAT, YHAT), atol=1e-15)
    np.testing.assert_allclose(r.dL_dW2, [[0, 0, 0], 2 * DELTA2, [0, 0, 0]], atol=1e-15)
    np.testing.assert_allclose(r.dL_db2, DELTA2, atol=1e-15)
    d = DELTA2
    np.testing.assert_allclose(r.dL_da, [3 * d[0] - 4 * d[1] + d[2], -2 * d[1], -4 * d[0] - 2 * d[1] + 3 * d[2]],
                               atol=1e-14)
    np.testing.assert_allclose(r.dL_dh, [0, -2 * d[1], 0], atol=1e-14)
    np.testing.assert_allclose(r.dL_dh, [0, 0.1735742, 0], atol=1e-7)
    np.testing.assert_allclose(r.dL_dW1, [[0, 0, 0], [0, -4 * d[1], 0]], atol=1e-14)
    np.testing.assert_allclose(r.dL_db1, [0, -2 * d[1], 0], atol=1e-14)


def test_updated_parameters_by_hand(solved):
    r, d = solved["smoothed_ce_step"].result, DELTA2
    W1_new = W1.copy()
    W1_new[1, 1] = 2 + 0.4 * d[1]  # 2 - 0.1 * (-4 delta2_2)
    np.testing.assert_allclose(r.W1_new, W1_new, atol=1e-14)
    np.testing.assert_allclose(r.W1_new, [[-5, 2, 2], [-5, 1.9652852, -1]], atol=1e-7)
    np.testing.assert_allclose(r.b1_new, [-3, -2 - 0.2 * -d[1], -3], atol=1e-14)
    np.testing.assert_allclose(r.b1_new, [-3, -2.0173574, -3], atol=1e-7)
    W2_new = W2.copy()
    W2_new[1] -= 0.2 * d  # 0.1 * (2 delta2^T)
    np.testing.assert_allclose(r.W2_new, W2_new, atol=1e-14)
    np.testing.assert_allclose(r.W2_new[1], [-1.8930776, -3.9826426, -2.1242798], atol=1e-7)
    np.testing.assert_allclose(r.b2_new, B2 - 0.1 * d, atol=1e-14)
    np.testing.assert_allclose(r.b2_new, [4.0534612, 5.0086787, 4.9378601], atol=1e-7)
    assert r.loss_new == pytest.approx(1.2169537, abs=1e-7)
    assert r.loss_new < r.loss


def _loss(W1, b1, W2, b2):
    """The loss written out once more, vectorised, for the finite differences below."""
    z = W2.T @ np.maximum(W1.T @ X + b1, 0) + b2
    return float(-(YS * (z - np.log(np.exp(z).sum()))).sum())


@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
def test_gradients_against_finite_differences(solved, name):
    from reportgen.verify import central_diff

    r = solved["smoothed_ce_step"].result
    params = {"W1": W1, "b1": B1, "W2": W2, "b2": B2}

    def f(v):
        return _loss(**{**params, name: v})

    np.testing.assert_allclose(getattr(r, f"dL_d{name}"), central_diff(f, params[name]), atol=1e-8)


def test_solve_json_prints_every_quantity():
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["solve", "ml-hw3-2024spring", "--json"]) == 0
    data = json.loads(out.getvalue())
    by_kind = {p["kind"]: p["result"] for p in data["problems"]}
    p1, p2 = by_kind["smoothed_ce_derivation"], by_kind["smoothed_ce_step"]
    for key in ("h", "a", "z", "yhat", "y_soft", "loss", "dL_dyhat", "dL_dz", "dL_dW2", "dL_db2", "dL_da",
                "dL_dh", "dL_dW1", "dL_db1", "W1_new", "b1_new", "W2_new", "b2_new", "loss_new"):
        assert key in p2, key
    assert p2["loss"] == pytest.approx(1.5265626412674704, abs=1e-15)  # full precision
    assert p2["W1_new"][1][1] == pytest.approx(1.9652851547815158, abs=1e-15)
    assert p1["dloss_dz"]["chain"]["result"] == "y_hat[k] - y_s[k]"  # plain names, no LaTeX
    assert p1["W2"]["shape"] == ["n", "q"]


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ("y = [1, 0, 0]", "y = [1, 1, 0]", "y", "one-hot"),
        ("y = [1, 0, 0]", "y = [0.5, 0.5, 0]", "y", "one-hot"),
        ("y = [1, 0, 0]", "y = [true, 0, 0]", "y[0]", "expected a number"),
        ("n = 3", "n = 4", "n", "n = 3"),
        ("epsilon = 0.3", "epsilon = 1.5", "epsilon", "[0, 1]"),
        ("eta = 0.1", "eta = 0", "eta", "positive"),
        ("[-5, 2, -1]]", "[-5, 2]]", "W1[1]", "ragged"),
    ],
)
def test_bad_data_is_a_spec_error(tmp_path, old, new, key, message):
    src = pipeline.resolve("ml-hw3-2024spring").read_text()
    assert old in src
    path = tmp_path / "bad.toml"
    path.write_text(src.replace(old, new, 1))
    with pytest.raises(SpecError) as exc:
        pipeline.load(path)
    assert f"problems[1].{key}" in str(exc.value) and message in str(exc.value), str(exc.value)


def test_a_failed_check_stops_the_build_before_tex(tmp_path, monkeypatch):
    """Break one number of Problem 2 (the update forgets eta): the build must stop."""
    from reportgen.kinds import smoothed_ce_step as kind

    good = kind.solve

    def broken(p):
        r = good(p)
        return replace(r, W1_new=p.W1 - r.dL_dW1)

    monkeypatch.setattr(kind, "solve", broken)
    with pytest.raises(VerificationError, match="updated W1"):
        pipeline.build_report("ml-hw3-2024spring", Settings(out_dir=tmp_path))
    assert not (tmp_path / "ml-hw3-2024spring.pdf").exists()


@pytest.mark.tex
def test_pdf_shows_the_loss_and_the_updated_parameters(built_reports):
    pdf = built_reports["ml-hw3-2024spring"]
    text = pdf_text(pdf)
    for value in ("1.5266", "-13", "0.2654", "0.0132", "0.7214", "-0.5346", "-0.0868", "0.6214", "0.1736", "0.3471",
                  "1.9653", "-2.0174", "-1.8931", "-3.9826", "-2.1243", "4.0535", "5.0087", "4.9379", "1.217"):
        assert value in text, value
    assert "Backpropagation runs right to left" in text and "Verification" not in text
    log = pdf.with_suffix(".log").read_text(errors="replace")
    assert "Overfull" not in log and "Underfull \\vbox" not in log
