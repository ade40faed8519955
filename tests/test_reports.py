"""The four shipped reports as wholes (assignments/*.toml): every check of a report passes, its
metadata, its `solve --json` across problems, input errors across problems, and the built PDF
(text and page breaks). One problem's numbers are tested with its kind, in tests/kinds/."""

import json
import re

import pytest

from reportgen import cli, pipeline
from reportgen.cli import main
from reportgen.errors import SpecError

from .conftest import pdf_text


def test_nn2024_every_check_passes(solved_2024):
    checks = [c for s in solved_2024.values() for c in s.checks]
    assert len(checks) >= 20
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]


@pytest.mark.tex
def test_nn2024_page_one_ends_with_the_backward_heading_not_a_gap(built_reports):
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


def test_nn2023_json_has_the_numbers(capsys):
    assert main(["solve", "nn-assignment2-2023", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_kind = {p["kind"]: p["result"] for p in data["problems"]}
    assert by_kind["mlp_gradients"]["loss"] == pytest.approx(2.38554)
    assert by_kind["gd_step_size"]["range"]["eta_max"] == pytest.approx(0.2)


def test_ml_hw3_every_check_passes(solved_mlhw3):
    checks = [c for s in solved_mlhw3.values() for c in s.checks]
    assert len(checks) >= 60
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]
    # every derivation step was decided by SymPy, not by sampling
    steps = [c for c in solved_mlhw3["smoothed_ce_derivation"].checks if ", step " in c.name]
    assert len(steps) == 22 and all(c.exact and c.method.startswith("SymPy") for c in steps)


def test_hw3_theory_metadata():
    report = pipeline.load("hw3-theory")
    assert report.id == "hw3-theory" and report.label == "Question"
    assert [p.kind for p in report.problems] == ["activation_calculus", "sine_mlp_theory", "conv_arithmetic"]
    assert [p.points for p in report.problems] == [15, 34, 11]


def test_hw3_theory_every_check_passes(solved_hw3):
    checks = [c for s in solved_hw3.values() for c in s.checks]
    assert len(checks) >= 100
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]
    # every step of every chain is its own check, and almost all are decided symbolically
    chain_checks = [c for c in checks if ", step " in c.name]
    assert sum(c.exact for c in chain_checks) >= len(chain_checks) - 5


def test_hw3_theory_solve_json_lists_configurations(capsys):
    assert cli.main(["solve", "hw3-theory", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    q = {p["kind"]: p["result"] for p in data["problems"]}
    assert q["conv_arithmetic"]["configurations"] == [
        {"k": 14, "s": 10, "p": 0, "d": 1},
        {"k": 6, "s": 11, "p": 1, "d": 2},
        {"k": 11, "s": 11, "p": 1, "d": 1},
    ]
    assert q["conv_arithmetic"]["output_dim"] == 1600 and q["conv_arithmetic"]["last_weights"] == 2400
    assert q["sine_mlp_theory"]["n_theta_example"] == 79_510
    assert q["activation_calculus"]["partials"]["steps"][-1]["expr"].startswith("-SoftmaxEntry")  # SymPy's plain text


@pytest.mark.parametrize(("old", "new", "where"), [
    ("shown_scale = 2", "shown_scale = 1", "shown_scale"),
    ("index_sizes = [3]", "index_sizes = [9]", "index_sizes"),
    ('{ item = "c", padding = 0, dilation = 1 }', '{ item = "c}", padding = 0, dilation = 1 }', "item"),
    ("batch = 4", "batch = true", "batch"),
    ("exp_values = [1, 2, 3]", "exp_values = [1, 2, 3000]", "exp_values"),
    ("out_size = 6", "out_size = 100", "design.constraints[0]"),
    ("kernel = 5, stride = 1, padding = 0, filters = 6", "kernel = 40, stride = 1, padding = 0, filters = 6", "layers"),
])
def test_hw3_theory_bad_input_names_the_key(tmp_path, old, new, where):
    text = (pipeline.ASSIGNMENTS / "hw3-theory.toml").read_text()
    assert old in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(old, new))
    with pytest.raises(SpecError, match=re.escape(where)):
        pipeline.load(bad)


@pytest.mark.tex
def test_hw3_theory_pdf_contains_the_results(built_reports):
    text = re.sub(r"\s+", " ", pdf_text(built_reports["hw3-theory"]))
    for q in ("Question 1", "Question 2", "Question 3"):
        assert q in text
    for item in "abcdefghijklmnop":
        assert f"({item})" in text
    assert "10 · 10 · 16 = 1600" in text
    assert "5 · 5 · 6 · 16 = 2400 weights" in text
    assert "79 510" in text or "79510" in text
    for c in ("k = 14, s = 10, p = 0, d = 1", "k = 6, s = 11, p = 1, d = 2", "k = 11, s = 11, p = 1, d = 1"):
        assert c in text
