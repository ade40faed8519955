"""Every section template is a task block and a solution block: with ``sheet`` true the report is
an exercise sheet (the task statements and their data, no solutions)."""

from __future__ import annotations

import pytest

from reportgen import compile, kinds, pipeline, printer, render
from reportgen.settings import Settings

FMT = printer.DEFAULT


def _solved(report_id: str) -> tuple:
    report = pipeline.load(report_id)
    solved = [pipeline.Solved(p, kinds.get(p.kind).solve(p.params), ()) for p in report.problems]
    return report, solved


def _render(report_id: str, sheet: bool, monkeypatch) -> tuple[str, list]:
    report, solved = _solved(report_id)
    if sheet:
        real = render.render
        monkeypatch.setattr(render, "render", lambda env, name, ctx: real(env, name, {**ctx, "sheet": True}))
    return pipeline.render_tex(report, solved, Settings()), solved


def _given(kind: str, p) -> list[str]:
    """LaTeX of data that the task statement shows."""
    return {
        "mlp_gradients": lambda: [printer.mat(p.X, FMT, given=True), printer.mat(p.W1, FMT, given=True)],
        "gd_step_size": lambda: [printer.num(p.A[0][0], FMT, given=True)],
        "cnn_design": lambda: [rf"${p.target_size}\times{p.target_size}$"],
        "smoothed_ce_step": lambda: [printer.mat(p.W1, FMT, given=True), printer.mat(p.W2, FMT, given=True)],
        "softmax_ce_gradient": lambda: ["cross-entropy"],
        "smoothed_ce_derivation": lambda: [r"\mathbf{W}_1^{\top}\mathbf{x} + \mathbf{b}_1"],
        "activation_calculus": lambda: [r"\operatorname{softplus}(x) - \operatorname{softplus}(-x) = x"],
        "sine_mlp_theory": lambda: [r"\operatorname{onehot}_m(y)"],
        "conv_arithmetic": lambda: [rf"${p.in_size}\times{p.in_size}$", f"$d = {p.constraints[-1].dilation}$"],
    }[kind]()


def _answers(kind: str, r) -> list[str]:
    """LaTeX of results that only the solution shows."""
    return {
        "mlp_gradients": lambda: [printer.num(r.loss, FMT), printer.mat(r.dL_dW1, FMT)],
        "gd_step_size": lambda: [r"0 < \eta <"],
        "cnn_design": lambda: [printer.integer(r.search.chosen.params)],
        "smoothed_ce_step": lambda: [printer.num(r.loss, FMT), printer.mat(r.W1_new, FMT)],
        "softmax_ce_gradient": lambda: [r"\nabla_{y} E = S(y) - t"],
        "smoothed_ce_derivation": lambda: [printer.sym(r.W1.formula, kind="smoothed_ce_derivation")],
        "activation_calculus": lambda: [r"\operatorname{rect}'(x) = \mathbf{1}_{x > 0}"],
        "sine_mlp_theory": lambda: [rf"= {printer.integer(r.n_theta_example)}"],
        "conv_arithmetic": lambda: [rf"\mathbf{{{r.output_dim}}}", rf"\mathbf{{{r.last_weights}}}"],
    }[kind]()


@pytest.mark.parametrize("report_id", pipeline.report_ids())
def test_sheet_keeps_tasks_and_data_and_drops_every_solution(report_id, monkeypatch):
    full, solved = _render(report_id, False, monkeypatch)
    sheet, _ = _render(report_id, True, monkeypatch)
    assert len(sheet) < len(full) / 2
    body = sheet[sheet.index(r"\begin{document}"):]  # the preamble defines the result macros
    assert r"\resultbox{" not in body and r"\result{" not in body
    full_body = full[full.index(r"\begin{document}"):]
    assert r"\result{" in full_body or r"\resultbox{" in full_body
    for s in solved:
        assert printer.escape(s.spec.title) in sheet
        for given in _given(s.spec.kind, s.spec.params):
            assert given in sheet, (s.spec.kind, given)
        for answer in _answers(s.spec.kind, s.result):
            assert answer in full and answer not in sheet, (s.spec.kind, answer)


@pytest.mark.tex
def test_sheet_compiles(monkeypatch):
    sheet, _ = _render("hw3-theory", True, monkeypatch)
    compiled = compile.compile_tex(sheet, "sheet", 0)
    assert compiled.pdf.startswith(b"%PDF")


@pytest.mark.parametrize("report_id", pipeline.report_ids())
def test_sheet_asks_instead_of_telling_what_we_do(report_id, monkeypatch):
    """The sheet states each task as an instruction to the student (Find, Evaluate, Derive, ...),
    not in the solution's voice ("We find all learning rates ..."); the solution keeps its voice."""
    import re

    sheet, _ = _render(report_id, True, monkeypatch)
    body = " ".join(sheet[sheet.index("\\begin{document}"):].split())
    assert not re.search(r"\b[Ww]e (find|evaluate|derive|run|give|differentiate)\b", body)
    monkeypatch.undo()
    full, _ = _render(report_id, False, monkeypatch)
    task = " ".join(full[full.index("\\begin{document}"):].split())
    assert re.search(r"\b[Ww]e (find|evaluate|derive|run|give|differentiate)\b", task) or report_id == "hw3-theory"
