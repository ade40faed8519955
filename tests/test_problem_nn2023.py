"""nn-assignment2-2023 (row layout, other questions) and a third edition made of data alone."""

import json
from pathlib import Path

import numpy as np
import pytest

from reportgen import pipeline, printer
from reportgen.cli import main
from reportgen.settings import Settings
from reportgen.verify import central_diff

from .conftest import pdf_text

EDITION_2099 = Path(__file__).parent / "data" / "nn-assignment2-2099.toml"


@pytest.fixture(scope="module")
def solved():
    report = pipeline.load("nn-assignment2-2023")
    return {s.spec.kind: s for s in pipeline.verify(report, pipeline.solve(report))}


def test_row_layout_forward_by_hand(solved):
    r = solved["mlp_gradients"].result
    # z_1 = x_1 W1 + b1 = [0.6*-0.8 + 1.0, 0.6*-0.7 - 0.5, 0.6*0.6 + 1.0] + b1
    np.testing.assert_allclose(r.Z[0], [0.52 - 0.2, -0.92 - 1.0, 1.36 - 0.7], atol=1e-12)
    np.testing.assert_allclose(r.y, [-0.338, -0.294, -0.7, -0.7], atol=1e-12)  # 0.1*0.32 + 0.5*0.66 - 0.7, ...
    assert r.loss == pytest.approx(0.5 * (0.462**2 + 0.194**2 + 1.6**2 + 1.4**2), abs=1e-12)
    assert r.dL_db2 == pytest.approx(0.462 - 0.194 - 1.6 - 1.4)


def test_row_layout_gradients_keep_the_assignment_shapes(solved):
    r = solved["mlp_gradients"].result
    assert r.dL_dW1.shape == (2, 3)  # like W^(1) in R^{2x3}
    np.testing.assert_allclose(r.dL_dW2, [0.32 * 0.462 + 0.16 * -0.194, 0, 0.66 * 0.462 + 0.78 * -0.194], atol=1e-12)
    assert r.dead_units == (2,)  # unit 2 is negative for every sample: zero gradient column
    np.testing.assert_allclose(r.dL_dW1[:, 1], 0)


def test_softmax_question_checks_pass(solved):
    checks = solved["softmax_ce_gradient"].checks
    assert len(checks) == 6 and all(c.passed for c in checks)


def test_a_wrong_derivation_step_fails():
    import dataclasses

    from reportgen.kinds import softmax_ce_gradient as k
    from reportgen.kinds.softmax_ce_gradient import data as k_data

    p = k_data.Params((2,))
    r = k.solve(p)
    steps = list(r.general.steps)
    t_i = steps[-1].expr.args[-1]  # the claimed result (sum t) S_i - t_i ...
    steps[-1] = dataclasses.replace(steps[-1], expr=steps[-1].expr - t_i)  # ... made (sum t) S_i
    broken = dataclasses.replace(r, general=dataclasses.replace(r.general, steps=tuple(steps)))
    checks = k.verify(p, broken)
    assert [c.passed for c in checks][:4] == [True, True, True, False]


def test_1d_step_size(solved):
    g = solved["gd_step_size"].result.range
    from fractions import Fraction

    assert g.eta_max_exact == Fraction(1, 5)  # f'' = 10


def test_json_has_the_2023_numbers(capsys):
    assert main(["solve", "nn-assignment2-2023", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_kind = {p["kind"]: p["result"] for p in data["problems"]}
    assert by_kind["mlp_gradients"]["loss"] == pytest.approx(2.38554)
    assert by_kind["gd_step_size"]["range"]["eta_max"] == pytest.approx(0.2)


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
    p = pipeline.load(str(EDITION_2099)).problems[0].params
    dW1, db1, dw2, db2 = fd_gradients(p)
    # every gradient entry, rounded as the report rounds it, appears in the PDF
    for value in [*dW1.ravel(), *db1, *dw2, db2]:
        # finite differences agree to ~1e-9; at a rounding boundary either neighbour is right
        shown = {printer.num(float(value) + e).replace("\\,", " ") for e in (-1e-7, 0, 1e-7)}
        assert any(s in text for s in shown), (value, shown)
    assert "Exercise 1: Gradients of a wider network" in text
    assert "Exercise 3: A smaller network" in text
