"""templates/base.tex.j2's \\result and \\breakiftall decide the form of a result or display in TeX
(by measuring it), and reportgen/kinds/mlp_gradients/layout.py is the one place that knows the
mlp_gradients layouts."""

import re

import numpy as np
import pytest

from reportgen.kinds.mlp_gradients.layout import Layout
from reportgen.maths import mlp

from .buildkit import ROOT, run_cli, write_assignment

# Each case: (content of \result, the form it must get). The box's inner width is the line's minus
# 12.8 pt; "between" is wider than the box but fits the line.
BETWEEN = r"\rule{\dimexpr\textwidth-6pt}{1pt}"  # (\linewidth is the box's own inside it)
HEADED = r"\textbf{Result.}\vspace{-0.5\baselineskip}"
RESULTS = [
    (r"\textbf{Result.} $x = 1$.", "box"),
    (r"\textbf{Result.} " + "A justified sentence with ordinary words. " * 12, "box"),
    (HEADED + r"\begin{gather*} a = \rule{1pt}{0.4\textheight} \end{gather*}", "box"),  # under \tallheight
    (HEADED + r"\begin{gather*} a = \rule{1pt}{0.6\textheight} \end{gather*}", "rules"),
    (r"\textbf{Result.}\begin{gather*} " + BETWEEN + r" \\ b = 1 \end{gather*}", "rules"),
    (r"\textbf{Result.}\begin{align*} & " + BETWEEN + r" \\ b &= 1 \end{align*}", "rules"),
    (r"\noindent\hbox{" + BETWEEN + "}", "rules"),
]
DISPLAYS = [
    (r"\begin{gather*} a = \rule{1pt}{0.3\textheight} \end{gather*}", "10000"),  # stays whole
    (r"\begin{gather*} a = \rule{1pt}{0.3\textheight} \\ b = \rule{1pt}{0.3\textheight} \end{gather*}", "9999"),
]


@pytest.mark.tex
def test_results_and_displays_take_their_form_by_their_size_without_overfull_boxes(tmp_path):
    spy = (r"\makeatletter\let\boxform\rg@boxed\def\rg@boxed{\typeout{FORM box}\boxform}\makeatother"
           r"\let\rulesform\resultrules\renewcommand{\resultrules}[1]{\typeout{FORM rules}\rulesform{#1}}")
    body = "\n\n".join([spy] + [rf"\result{{{c}}}" for c, _ in RESULTS]
                       + [rf"Text \breakiftall{{{d}\typeout{{BREAKS{i} \the\interdisplaylinepenalty}}}}"
                          for i, (d, _) in enumerate(DISPLAYS)]
                       + [rf"\setbox0\vbox{{\result{{{c}}}}}\setbox1\vbox{{\resultbox{{{c}}}}}"
                          r"\typeout{SIZES \the\ht0,\the\dp0,\the\wd0/\the\ht1,\the\dp1,\the\wd1}"
                          for c, form in RESULTS if form == "box"])
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "report.tex.j2").write_text('((* extends "builtin/base.tex.j2" *))\n((* block body *))\n'
                                      + body.replace("((", "( (") + "\n((* endblock *))\n", encoding="utf-8")
    toml = write_assignment(tmp_path / "in", "forms")
    proc = run_cli("build", toml, "--templates", tpl, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    log = (tmp_path / "out" / "forms.log").read_text()
    assert re.findall(r"FORM (\w+)", log)[:len(RESULTS)] == [form for _, form in RESULTS]
    # a display is set more than once (measured, then shown): the last value is the one shown
    assert [re.findall(rf"BREAKS{i} (\d+)", log)[-1] for i in range(len(DISPLAYS))] == [p for _, p in DISPLAYS]
    assert "Overfull" not in log
    sizes = re.findall(r"SIZES (\S+)/(\S+)", log)  # a boxed result is the box \resultbox makes
    assert len(sizes) == 3 and all(a == b for a, b in sizes), sizes


def test_the_layout_orients_weights_and_vectors():
    rng = np.random.default_rng(1)
    W_hd = rng.normal(size=(4, 3))  # column layout: h x d
    col, row = Layout("column"), Layout("row")
    assert col.w1_shape(4, 3) == (4, 3) and row.w1_shape(4, 3) == (3, 4)
    assert np.array_equal(col.canonical_w1(W_hd), W_hd.T) and np.array_equal(row.canonical_w1(W_hd.T), W_hd.T)
    assert np.array_equal(col.assignment_w1(col.canonical_w1(W_hd)), W_hd)
    assert np.array_equal(col.unit_major_w1(W_hd), W_hd) and np.array_equal(row.unit_major_w1(W_hd.T), W_hd)
    b = np.arange(4.0)
    assert col.vector(b).shape == (4, 1) and row.vector(b).shape == (1, 4)
    assert (col.unit_line, row.unit_line) == ("row", "column")
    assert not col.vectors_one_per_line(9) and not row.vectors_one_per_line(3) and row.vectors_one_per_line(4)
    with pytest.raises(ValueError, match="layout must be one of"):
        Layout("diagonal")


def test_the_mlp_template_has_no_layout_branches_and_no_arithmetic_on_counts():
    text = (ROOT / "templates" / "sections" / "mlp_gradients.tex.j2").read_text()
    assert not re.search(r"\bcol\b|layout ==|if big|p\.h \*|c\.n_\w+ [*+]", text)


def test_the_cost_table_counts_are_the_jacobian_shapes():
    c = mlp.mode_costs(N=3, d=5, h=4)
    assert (c.n_theta1, c.n_theta2, c.n_hidden_values) == (4 * 6, 5, 12)
    assert c.n_params == c.n_theta1 + c.n_theta2
    dZ_dtheta1 = next(p for p in c.reverse if p.right == "dZ/dtheta1").right_shape
    dy_dA = next(p for p in c.reverse if p.right == "dy/dA").right_shape
    assert dZ_dtheta1 == (c.n_hidden_values, c.n_theta1) and dy_dA == (c.n_samples, c.n_hidden_values)
