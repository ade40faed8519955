"""The verification companion (``reportgen check ID --pdf``): a PyLaTeX document listing every
check that ``reportgen check`` runs, compiled through the sandboxed compile path."""

import re
import subprocess

import pytest

from reportgen import cli, companion, kinds, pipeline
from reportgen.settings import Settings
from reportgen.verify import Check

from .conftest import pdf_text, verified

# A failing check whose name and method are hostile text: it must print literally, marked failed.
BAD = Check(r"\input{/etc/passwd} a_b & 50% ~x", r"$x$ #1 }\end{document}", 0.25, 1e-6)


def _verified(report):
    return verified(report.id)[1]


def _raw_text(path):
    """pdftotext in content-stream order: a table cell's lines stay together. An apostrophe
    inside a word is typeset curly (U+2019) on purpose; map it back to compare with the name."""
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.replace("\u2019", "'").split())


def _result_lines(path):
    """The result column: the last word of each table row's first line (-layout keeps rows)."""
    last_words = [line.split()[-1] for line in pdf_text(path).splitlines() if line.strip()]
    return [w for w in last_words if w in ("passed", "FAILED")]


def _pdfinfo(path):
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def test_tex_is_pylatex_output_with_every_check_escaped():
    report = pipeline.load("nn-assignment2-2024")
    solved = _verified(report)
    tex = companion.companion_tex(report, solved)
    assert tex.startswith("\\pdftrailerid{}\n\\documentclass")
    assert "\\begin{longtable}" in tex and tex.count("\\begin{longtable}") == len(solved)
    checks = [c for s in solved for c in s.checks]
    rows = [line for line in tex.splitlines() if re.match(r"\d+&", line)]
    assert len(rows) == len(checks)
    assert "&loss L&per-{}sample loop implementation&$0$&$1.0 \\times 10^{-12}$&passed\\\\" in tex
    assert companion.companion_tex(report, _verified(report)) == tex  # no clock, no dict order


def test_failed_check_is_marked_in_the_tex():
    report = pipeline.load("nn-assignment2-2024")
    solved = _verified(report)
    s = solved[-1]
    solved[-1] = pipeline.Solved(s.spec, s.result, (*s.checks, BAD))
    tex = companion.companion_tex(report, solved)
    n = sum(len(x.checks) for x in solved)
    assert f"{n} checks,{{}} {n - 1} passed,{{}} 1 failed (number {n})" in tex
    assert "\\textbf{FAILED}" in tex
    assert r"\textbackslash{}input\{/etc/passwd\} a\_b \& 50\% \textasciitilde{}x" in tex
    assert "\\input{/etc" not in tex and "}\\end{document}" not in tex.replace("\\}\\end", "")


@pytest.mark.tex
def test_companion_pdf_lists_every_check_of_every_report(tmp_path, capsys, monkeypatch):
    solved = {}  # what `check` verified, per report (the verified results this test process has)
    monkeypatch.setattr(pipeline, "verify", lambda report, s: solved.setdefault(report.id, _verified(report)))
    assert cli.main(["check", "--pdf", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert set(solved) == set(pipeline.report_ids())
    for rid in pipeline.report_ids():
        pdf = tmp_path / f"{rid}.checks.pdf"
        assert f"wrote {pdf}" in out
        checks = [c for s in solved[rid] for c in s.checks]
        assert len(checks) == out.count(f" {rid} P")  # what `check` printed
        text = _raw_text(pdf)
        missing = [c.name for c in checks if " ".join(c.name.split()) not in text]
        assert not missing, f"{rid}: check names not in the companion PDF: {missing}"
        assert _result_lines(pdf) == ["passed"] * len(checks), rid
        assert f"{len(checks)} checks, {len(checks)} passed, 0 failed" in text
        assert _pdfinfo(pdf)["Title"].strip() == f"Verification: {pipeline.load(rid).title}"
        log = (tmp_path / f"{rid}.checks.log").read_text()
        assert "Overfull" not in log and "Underfull" not in log, rid


@pytest.mark.tex
def test_failing_check_shows_as_failed_and_check_exits_1(tmp_path, capsys, monkeypatch):
    module = kinds.get("cnn_design")
    verify = module.verify
    monkeypatch.setattr(module, "verify", lambda params, result: [*verify(params, result), BAD])
    assert cli.main(["check", "nn-assignment2-2024", "--pdf", "--out", str(tmp_path)]) == 1
    assert "1 check(s) failed" in capsys.readouterr().out
    pdf = tmp_path / "nn-assignment2-2024.checks.pdf"
    results = _result_lines(pdf)
    assert results.count("FAILED") == 1 and results[-1] == "FAILED" and len(results) == 25
    text = _raw_text(pdf)
    assert f"{BAD.name} {BAD.method}" in text  # hostile text printed literally
    assert "25 checks, 24 passed, 1 failed (number 25)" in text


@pytest.mark.tex
def test_companion_bytes_are_reproducible(tmp_path):
    report = pipeline.load("nn-assignment2-2023")
    solved, epoch = _verified(report), pipeline.source_date_epoch(report)
    a, b = (companion.build_companion(report, solved, Settings(out_dir=tmp_path / d), epoch) for d in "ab")
    assert a == tmp_path / "a" / "nn-assignment2-2023.checks.pdf"
    assert a.read_bytes() == b.read_bytes()
    # dated by the assignment (2023-11-23), not by the clock
    assert _pdfinfo(a)["CreationDate"].split() == ["Thu", "Nov", "23", "00:00:00", "2023", "UTC"]


def test_explanation_matches_the_tolerance_rule_of_close():
    """The companion's prose says what verify.close does: an absolute deviation against a tolerance
    relative to the quantity's largest entry. A check of a 1000x larger quantity gets a 1000x larger
    tolerance, which the text must state rather than call the tolerance a fixed difference."""
    from reportgen.verify import close
    small = close("q", "m", [1.0, 2.0], [1.0, 2.0], rtol=1e-6)
    large = close("q", "m", [1e3, 2e3], [1e3, 2e3], rtol=1e-6)
    assert large.tolerance == pytest.approx(1000 * small.tolerance)
    text = " ".join(companion.EXPLANATION.split())
    assert "tolerance is relative to the quantity's size" in text
    assert "largest entry in magnitude" in text
    report = pipeline.load("nn-assignment2-2023")
    tex = companion.companion_tex(report, _verified(report))
    assert companion.escape(companion.EXPLANATION) in tex
    assert "\\section*{" + companion.BALANCED + "Verification: " in tex  # balanced lines: no lone "(2023)"
