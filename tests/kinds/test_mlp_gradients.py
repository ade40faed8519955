"""mlp_gradients (reportgen/kinds/mlp_gradients): the forward and backward pass of nn-assignment2-2024
(column layout) and nn-assignment2-2023 (row layout) checked by hand from the assignments' data, and
a third edition made of data alone (tests/data/nn-assignment2-2099.toml) against finite differences."""

from pathlib import Path

import numpy as np
import pytest

from reportgen import pipeline, printer
from reportgen.settings import Settings
from reportgen.verify import central_diff

from ..conftest import pdf_text


def test_forward_pass_by_hand(solved_2024):
    r = solved_2024["mlp_gradients"].result
    # z_1 = W1 x_1 + b1: -0.12 - 0.28 + 0.09 - 0.15 - 0.4 = -0.86 and 0.08 - 0.2 - 0.1 + 0.05 - 0.5 = -0.67
    np.testing.assert_allclose(r.Z, [[-0.86, -0.67], [-0.36, 0.45], [0.95, -0.53]], atol=1e-12)
    np.testing.assert_allclose(r.y, [-0.7, -0.43, -0.51], atol=1e-12)  # -0.7 + 0.6*0.45, -0.7 + 0.2*0.95
    np.testing.assert_allclose(r.residual, [-0.2, -0.53, -1.31], atol=1e-12)
    assert r.loss == pytest.approx(0.5 * (0.04 + 0.2809 + 1.7161), abs=1e-12)  # 1.0185


def test_gradients_by_hand(solved_2024):
    r = solved_2024["mlp_gradients"].result
    assert r.dL_db2 == pytest.approx(-2.04)  # sum of residuals
    # dL/dw2 = A^T (y - t): unit 1 active only for x_3 (0.95), unit 2 only for x_2 (0.45)
    np.testing.assert_allclose(r.dL_dW2, [0.95 * -1.31, 0.45 * -0.53], atol=1e-12)
    # dL/db1: unit 1 gets 0.2 * -1.31, unit 2 gets 0.6 * -0.53
    np.testing.assert_allclose(r.dL_db1, [-0.262, -0.318], atol=1e-12)
    # dL/dW1 rows: -0.262 * x_3 and -0.318 * x_2
    np.testing.assert_allclose(r.dL_dW1, [[0.131, -0.2358, -0.0524, 0.2096], [-0.2544, -0.318, 0.0318, -0.0954]],
                               atol=1e-12)
    assert r.dL_dW1.shape == (2, 4)


EDITION_2099 = Path(__file__).parent.parent / "data" / "nn-assignment2-2099.toml"


def test_row_layout_forward_by_hand(solved_2023):
    r = solved_2023["mlp_gradients"].result
    # z_1 = x_1 W1 + b1 = [0.6*-0.8 + 1.0, 0.6*-0.7 - 0.5, 0.6*0.6 + 1.0] + b1
    np.testing.assert_allclose(r.Z[0], [0.52 - 0.2, -0.92 - 1.0, 1.36 - 0.7], atol=1e-12)
    np.testing.assert_allclose(r.y, [-0.338, -0.294, -0.7, -0.7], atol=1e-12)  # 0.1*0.32 + 0.5*0.66 - 0.7, ...
    assert r.loss == pytest.approx(0.5 * (0.462**2 + 0.194**2 + 1.6**2 + 1.4**2), abs=1e-12)
    assert r.dL_db2 == pytest.approx(0.462 - 0.194 - 1.6 - 1.4)


def test_row_layout_gradients_keep_the_assignment_shapes(solved_2023):
    r = solved_2023["mlp_gradients"].result
    assert r.dL_dW1.shape == (2, 3)  # like W^(1) in R^{2x3}
    np.testing.assert_allclose(r.dL_dW2, [0.32 * 0.462 + 0.16 * -0.194, 0, 0.66 * 0.462 + 0.78 * -0.194], atol=1e-12)
    assert r.dead_units == (2,)  # unit 2 is negative for every sample: zero gradient column
    np.testing.assert_allclose(r.dL_dW1[:, 1], 0)


def fd_gradients(p):
    """dL/dtheta by central differences of the loss written straight from the assignment formula."""

    def loss(W1, b1, W2, b2):
        Z = p.X @ W1.T + b1 if p.layout == "column" else p.X @ W1 + b1
        return 0.5 * np.sum((np.maximum(Z, 0) @ W2 + b2 - p.t) ** 2)

    return (central_diff(lambda W: loss(W, p.b1, p.W2, p.b2), p.W1),
            central_diff(lambda b: loss(p.W1, b, p.W2, p.b2), p.b1),
            central_diff(lambda w: loss(p.W1, p.b1, w, p.b2), p.W2),
            float(central_diff(lambda b: loss(p.W1, p.b1, p.W2, float(b)), np.array(p.b2))))


@pytest.mark.tex
def test_third_edition_from_data_alone(tmp_path):
    out = pipeline.build_report(str(EDITION_2099), Settings(out_dir=tmp_path))
    assert out.pdf == tmp_path / "nn-assignment2-2099.pdf"
    text = pdf_text(out.pdf)
    p = next(p.params for p in pipeline.load(str(EDITION_2099)).problems if p.kind == "mlp_gradients")
    dW1, db1, dw2, db2 = fd_gradients(p)
    # every gradient entry, rounded as the report rounds it, appears in the PDF
    for value in [*dW1.ravel(), *db1, *dw2, db2]:
        # finite differences agree to ~1e-9; at a rounding boundary either neighbour is right
        shown = {printer.num(float(value) + e).replace("\\,", " ") for e in (-1e-7, 0, 1e-7)}
        assert any(s in text for s in shown), (value, shown)
    assert "Exercise 1: Gradients of a wider network" in text
    assert "Exercise 3: A smaller network" in text
