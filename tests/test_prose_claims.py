"""Every claim the prose makes about the data is computed from the data: rendered with other
data, the sentence changes or goes (no compile needed: the rendered LaTeX is checked)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from reportgen import kinds, pipeline
from reportgen.kinds.conv_arithmetic import checks as conv_arithmetic_checks
from reportgen.kinds.conv_arithmetic import data as conv_arithmetic_data
from reportgen.kinds.conv_arithmetic import windows as conv_arithmetic_windows
from reportgen.maths.conv import Config
from reportgen.settings import Settings

from .buildkit import TINY_MLP, write_assignment


def _tex(report) -> str:
    solved = [pipeline.Solved(p, kinds.get(p.kind).solve(p.params), ()) for p in report.problems]
    return pipeline.render_tex(report, solved, Settings())


def _of_kind(report, kind: str):
    """The report's problem of that kind (one per report here), wherever it stands."""
    return next(p for p in report.problems if p.kind == kind)


def _tex_of(report_id: str, **changes) -> str:
    """The report with some problems' params replaced: {problem kind: {field: value}}."""
    report = pipeline.load(report_id)
    problems = tuple(dataclasses.replace(p, params=dataclasses.replace(p.params, **changes[p.kind]))
                     if p.kind in changes else p for p in report.problems)
    assert {p.kind for p in problems} >= set(changes), f"{report_id} has no problem of kind {set(changes)}"
    return _tex(dataclasses.replace(report, problems=problems))


def _rows_read_by_impulses(n: int, c: Config) -> int:
    """Independent count: input row i is read when an image that is 1 on row i only gives a
    nonzero output under the direct convolution with an all-ones kernel."""
    w = np.ones((1, 1, c.k, c.k))
    read = 0
    for i in range(n):
        x = np.zeros((1, n, n))
        x[0, i, :] = 1.0
        read += bool(np.any(conv_arithmetic_checks.conv2d(x, w, c.s, c.p, c.d)))
    return read


CONFIGS = [Config(6, 11, 1, 2), Config(14, 10, 0, 1), Config(11, 11, 1, 1), Config(3, 4, 0, 1), Config(2, 1, 0, 3)]


@pytest.mark.parametrize("c", CONFIGS)
def test_rows_read_by_a_kernel_tap(c):
    assert len(conv_arithmetic_windows.tapped_rows(20, c)) == _rows_read_by_impulses(20, c)
    assert len(conv_arithmetic_windows.tapped_rows(64, c)) == _rows_read_by_impulses(64, c)


def test_dilated_layer_says_how_many_rows_it_reads():
    report = pipeline.load("hw3-theory")
    p = _of_kind(report, "conv_arithmetic")
    r = kinds.get(p.kind).solve(p.params)
    tex = _tex(report)
    assert "no input row is skipped" not in tex
    for dz in r.designs:
        read = _rows_read_by_impulses(r.in_size, dz.chosen)
        if read < r.in_size:  # (d): dilation 2 leaves rows unread
            assert f"only ${read}$ of the ${r.in_size}$ input rows are read" in tex
            assert f"the other ${r.in_size - read}$ are never used" in tex
    assert tex.count("input rows is read by some kernel tap") == sum(
        _rows_read_by_impulses(r.in_size, dz.chosen) == r.in_size for dz in r.designs)


def test_cost_comparison_only_where_the_edition_asks_for_it(tmp_path):
    assert "Why the backward order is cheaper" in _tex(pipeline.load("nn-assignment2-2024"))
    tex_2023 = _tex(pipeline.load("nn-assignment2-2023"))
    assert "Why the backward order is cheaper" not in tex_2023
    assert "explain why the backward order" not in tex_2023
    bad = write_assignment(tmp_path, "bad", [{**TINY_MLP, "explain_order": "yes"}])
    with pytest.raises(Exception, match=r"problems\[0\]\.explain_order: expected true or false"):
        pipeline.load(bad)


def test_step_names_the_problem_holding_the_derivation(tmp_path):
    ml = pipeline.load("ml-hw3-2024spring")
    assert "The formulas are those of Problem 1," in _tex(ml)
    step_first = dataclasses.replace(ml, problems=(_of_kind(ml, "smoothed_ce_step"),))
    tex = _tex(step_first)
    assert "those of Problem" not in tex and "The formulas are those of the chain rule" in tex


def test_example_images_only_for_a_square_input_count():
    assert r"($28 \times 28$ images)" in _tex(pipeline.load("hw3-theory"))
    assert r"($10 \times 10$ images)" in _tex_of("hw3-theory", sine_mlp_theory={"example": (100, 20, 5)})
    assert "images)" not in _tex_of("hw3-theory", sine_mlp_theory={"example": (50, 20, 5)})


def test_gd_caption_counts_the_diverging_runs():
    assert "the diverging run appears only in the distance plot" in _tex(pipeline.load("nn-assignment2-2024"))
    assert "diverging" not in _tex_of("nn-assignment2-2024", gd_step_size={"factors": (0.5, 1.0)})
    two = _tex_of("nn-assignment2-2024", gd_step_size={"factors": (0.5, 1.1, 1.2)})
    assert "the diverging runs appear only in the distance plot" in two
    assert "at rates inside and beyond the bound" in two


def test_page_per_problem_starts_each_later_problem_on_a_new_page(tmp_path):
    tex = _tex(pipeline.load("hw3-theory"))
    for n in (2, 3):
        assert f"\\clearpage\n\\section*{{Question {n}:" in tex
    assert "\\clearpage\n\\section*{Question 1:" not in tex
    assert "\\clearpage" not in _tex(pipeline.load("nn-assignment2-2024"))
    bad = write_assignment(tmp_path, "bad", page_per_problem="yes")
    with pytest.raises(Exception, match=r"report\.page_per_problem: expected true or false"):
        pipeline.load(bad)


def test_given_inputs_print_exactly_as_given(tmp_path):
    given = {**TINY_MLP, "X": [[0.00012, -0.4, 0.1], [0.1234567, 1.0, -0.1]], "b2": -0.7}
    tex = _tex(pipeline.load(write_assignment(tmp_path, "given", [given])))
    x_matrix = r"\begin{bmatrix} 0.00012 & -0.4 & 0.1 \\ 0.1234567 & 1.0 & -0.1 \end{bmatrix}"
    assert x_matrix in tex  # not 0.0001 and 0.1235
    assert "b^{(2)} = -0.7." in tex


@pytest.mark.parametrize("report_id", pipeline.report_ids())
def test_notation_operator_spacing_and_norms(report_id):
    """sign(x), max(0, x), diag(...): no thin space between an operator name and its argument
    (a \\big( or {\\left( is an ordinary atom, which gets one); norms are \\lVert ... \\rVert."""
    import re

    tex = _tex(pipeline.load(report_id))
    name = r"(\\operatorname\{\w+\}|\\(max|min|ln|log|exp|sin|cos|tanh))"
    assert not re.search(name + r"\s*(\\[Bb]ig\(|\{\\left\(|\\left\()", tex)
    assert not re.search(r"\\\|\\vct", tex)


def test_filter_counts_said_to_double_only_when_they_do():
    assert "The filter counts double from one convolution to the next and end at 64" in _tex(
        pipeline.load("nn-assignment2-2024"))
    tex = _tex_of("nn-assignment2-2024", cnn_design={"target_channels": 6})
    assert "double" not in tex and "The filter counts grow from one convolution" in tex


@pytest.mark.parametrize(("before", "says"), [
    ({"kind": "avgpool", "kernel": 2, "stride": 2, "padding": 0, "filters": 0},
     "maps that the average pooling layer before it passes on"),
    ({"kind": "maxpool", "kernel": 2, "stride": 2, "padding": 0, "filters": 0},
     "maps that the max pooling layer before it passes on"),
    ({"kind": "conv", "kernel": 3, "stride": 1, "padding": 0, "filters": 10},
     "maps that the convolution before it produces"),
])
def test_last_layer_weights_name_the_layer_before_it(before, says):
    """(b) counts the last convolution's weights over the maps of the layer before it: the
    sentence names that layer's kind from the data (a convolution is not a pooling layer)."""
    p = _of_kind(pipeline.load("hw3-theory"), "conv_arithmetic").params
    layers = (p.layers[0], conv_arithmetic_data.LayerSpec(**before), p.layers[-1])
    tex = " ".join(_tex_of("hw3-theory", conv_arithmetic={"layers": layers}).split())
    assert says in tex
    assert tex.count("layer before it passes on") + tex.count("before it produces") == 1
    assert "avg pool with" not in tex and "max pool with" not in tex


@pytest.mark.parametrize("sheet", [False, True])
def test_hw3_theory_vector_entries_bold_as_in_the_assignment(sheet):
    """hw3-theory writes a vector's entries bold (\\mathbf{x}_j, as the assignment does), in the
    task, the derivations and the result boxes alike: no plain x_i or x_j next to a bold x. (The
    grey step reasons come from reportgen/problems/activation_calculus.py, not the template.)"""
    import re

    report = pipeline.load("hw3-theory")
    solved = [pipeline.Solved(p, kinds.get(p.kind).solve(p.params), ()) for p in report.problems]
    tex = pipeline.render_tex(report, solved, Settings(), sheet=sheet) if sheet else _tex(report)
    q1 = re.sub(r"\\tag\*\{[^\n]*", "", tex[tex.index("Question 1"):tex.index("Question 2")])
    assert not re.search(r"(?<![\\\w{])x_[ijk]", q1)
