"""nn-assignment2-2024 against values checked by hand from the assignment's data."""

import numpy as np
import pytest

from .conftest import verified


@pytest.fixture(scope="module")
def solved():
    return {s.spec.kind: s for s in verified("nn-assignment2-2024")[1]}


def test_forward_pass_by_hand(solved):
    r = solved["mlp_gradients"].result
    # z_1 = W1 x_1 + b1: -0.12 - 0.28 + 0.09 - 0.15 - 0.4 = -0.86 and 0.08 - 0.2 - 0.1 + 0.05 - 0.5 = -0.67
    np.testing.assert_allclose(r.Z, [[-0.86, -0.67], [-0.36, 0.45], [0.95, -0.53]], atol=1e-12)
    np.testing.assert_allclose(r.y, [-0.7, -0.43, -0.51], atol=1e-12)  # -0.7 + 0.6*0.45, -0.7 + 0.2*0.95
    np.testing.assert_allclose(r.residual, [-0.2, -0.53, -1.31], atol=1e-12)
    assert r.loss == pytest.approx(0.5 * (0.04 + 0.2809 + 1.7161), abs=1e-12)  # 1.0185


def test_gradients_by_hand(solved):
    r = solved["mlp_gradients"].result
    assert r.dL_db2 == pytest.approx(-2.04)  # sum of residuals
    # dL/dw2 = A^T (y - t): unit 1 active only for x_3 (0.95), unit 2 only for x_2 (0.45)
    np.testing.assert_allclose(r.dL_dW2, [0.95 * -1.31, 0.45 * -0.53], atol=1e-12)
    # dL/db1: unit 1 gets 0.2 * -1.31, unit 2 gets 0.6 * -0.53
    np.testing.assert_allclose(r.dL_db1, [-0.262, -0.318], atol=1e-12)
    # dL/dW1 rows: -0.262 * x_3 and -0.318 * x_2
    np.testing.assert_allclose(r.dL_dW1, [[0.131, -0.2358, -0.0524, 0.2096], [-0.2544, -0.318, 0.0318, -0.0954]],
                               atol=1e-12)
    assert r.dL_dW1.shape == (2, 4)


def test_step_size_range_exact(solved):
    g = solved["gd_step_size"].result.range
    from fractions import Fraction

    assert g.eta_max_exact == Fraction(1, 6)  # H = [[10, 4], [4, 4]] has eigenvalues 2 and 12
    assert g.eta_opt_exact == Fraction(1, 7)
    np.testing.assert_allclose(g.eigenvalues, [2, 12])


def test_cnn_search(solved):
    r = solved["cnn_design"].result
    assert r.n_valid == 2
    assert r.search.chosen.signature == "conv5 pool conv3 pool conv3"
    # 5*5*3*16+16 + 3*3*16*32+32 + 3*3*32*64+64
    assert r.search.chosen.params == 1216 + 4640 + 18496 == 24352
    assert [layer.out_size for layer in r.search.chosen.layers] == [28, 14, 12, 6, 4]


def test_every_check_passes(solved):
    checks = [c for s in solved.values() for c in s.checks]
    assert len(checks) >= 20
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]


@pytest.mark.tex
def test_page_one_ends_with_the_backward_heading_not_a_gap(built_reports):
    """Page 1 has room for the "Backward pass" heading and its first sentence but not for the
    display: they stay on page 1 (no gap of several lines), and the display starts page 2 with
    the sentence that introduces it."""
    import subprocess

    def page(n):
        out = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(built_reports["nn-assignment2-2024"]), "-"],
                             check=True, capture_output=True, text=True).stdout
        return " ".join(out.split())

    one, two = page(1), page(2)
    assert "Backward pass Each step multiplies the gradient" in one
    assert one.rstrip(" 0123456789").endswith("has the shape of Z.")
    assert two.startswith("With δ = ∂L/∂y")
