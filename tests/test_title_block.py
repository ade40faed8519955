"""Who and what: authors and student ids as lists, course and date on every report, the title
without a stranded last word, PDF metadata (Title, Author, Subject, Keywords) through hyperref,
and a solution PDF that holds the solution only (no verification, no words about the tool)."""

import re
import subprocess
import time

import pytest

from reportgen import cli, pipeline, settings
from reportgen.printer import title
from reportgen.settings import Person, Settings

from .buildkit import TINY_CNN, run_cli, write_assignment
from .conftest import pdf_text

# What the tool would say about itself; none of it belongs in a submission.
TOOL_WORDS = ("sympy", "numpy", "finite diff", "central diff", "verif", "checked", "the build", ".py",
              "toleran", "appendix", "reportgen", "recomputed", "independent method", "random network")


def _pdfinfo(path):
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {k: v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def _render(report_id="nn-assignment2-2024", **kw):
    report = pipeline.load(report_id)
    return pipeline.render_tex(report, pipeline.verify(report, pipeline.solve(report)), Settings(**kw))


def test_settings_file_takes_lists_or_one_string(tmp_path):
    f = tmp_path / "reportgen.toml"
    f.write_text('author = ["Ada Lovelace", "Grace Hopper"]\nstudent_id = ["1", "2"]\n')
    s = settings.load(f)
    assert s.people == (Person("Ada Lovelace", "1"), Person("Grace Hopper", "2"))
    f.write_text('author = "Ada Lovelace; Grace Hopper"\nstudent_id = "1;2"\n')
    assert settings.load(f).people == s.people
    f.write_text('author = "Ada Lovelace"\n')
    assert settings.load(f).people == (Person("Ada Lovelace", ""),)


def test_command_line_lists_override_the_file(tmp_path):
    f = tmp_path / "reportgen.toml"
    f.write_text('author = "Ada"\nstudent_id = "1"\n')
    s = settings.load(f).with_overrides(author="Ada ; Grace;", student_id=" 1; 2 ")
    assert (s.author, s.student_id) == (("Ada", "Grace"), ("1", "2"))


def test_mismatched_lists_are_one_line_errors(tmp_path, capsys):
    argv = ["build", "nn-assignment2-2024", "--out", str(tmp_path), "--author", "A; B", "--student-id", "1"]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err == ("error: command line: student_id: 1 student id(s) for 2 author(s); give one per author, "
                   "in the same order (separated by ';')\n")
    assert not list(tmp_path.iterdir())


def test_title_block_pairs_names_with_ids():
    tex = _render(author="Ada Lovelace; Grace Hopper", student_id="11; 22")
    assert "    Ada Lovelace & Student ID: 11 \\\\\n    Grace Hopper & Student ID: 22 \\\\\n" in tex
    assert "pdfauthor={Ada Lovelace,{} Grace Hopper}" in tex
    names_only = _render(author="Ada Lovelace; Grace Hopper")
    assert "  Ada Lovelace\\par\n  Grace Hopper\\par\n" in names_only and "Student ID" not in names_only
    ids_only = _render(student_id="11")
    assert "  Student ID: 11\\par\n" in ids_only


@pytest.mark.parametrize(("text", "tex"), [
    ("Machine Learning Assignment 2: Neural Networks (2023)",
     r"Machine Learning Assignment~2:\penalty-10\ Neural Networks~(2023)"),
    ("Homework 3: Theoretical Part", r"Homework~3:\penalty-10\ Theoretical Part"),
    ("a ~ b (c) 50%", r"a \textasciitilde{} b~(c)~50\%"),  # the user's '~' is printed, ties are ours
    ("Plain title", "Plain title"),
])
def test_title_ties_numbers_and_parentheses(text, tex):
    assert title(text) == tex


def test_date_falls_back_to_the_build_date(monkeypatch, tmp_path):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000123")
    undated = pipeline.load(write_assignment(tmp_path, "undated", date=""))
    assert pipeline.report_date(undated) == "2023-11-14"
    assert pipeline.source_date_epoch(undated) == 1699920000  # the same day at 00:00 UTC: TeX's date agrees
    dated = pipeline.load("nn-assignment2-2024")
    assert (pipeline.report_date(dated), pipeline.source_date_epoch(dated)) == ("2024-11-21", 1732147200)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert pipeline.report_date(undated) == time.strftime("%Y-%m-%d", time.gmtime())
    tex = pipeline.render_tex(undated, pipeline.verify(undated, pipeline.solve(undated)), Settings(date="1 April 2025"))
    assert "  1 April 2025\\par\n" in tex


def test_every_shipped_report_has_a_date_and_hw3_theory_no_invented_course(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for rid in pipeline.report_ids():
        tex = _render(rid)
        assert re.search(r"\n  \d{4}-\{\}\d\d-\{\}\d\d\\par\n\\end\{center\}", tex), rid
    hw3 = _render("hw3-theory")
    assert "pdfsubject" not in hw3 and "\\large" not in hw3.split("\\begin{document}")[1].split("\\end{center}")[0]
    assert "  {\\large Machine Learning (Fall)\\par}" in _render("hw3-theory", course="Machine Learning (Fall)")


@pytest.mark.tex
def test_hostile_names_in_metadata_and_title_block(tmp_path):
    names, ids = [r"\input{/etc/passwd}", "a_b & 50%", "*Star", "[opt] x"], ["1", "{2}", "*3", "[4]"]
    course, problem = r"C++ & {ML} 100% ^^5c", r"Tiny }{ stack #1"
    toml = write_assignment(tmp_path / "in", "meta", [{**TINY_CNN, "title": problem}],
                            title="Report (2024): $x$ ~", course=course)
    out = tmp_path / "out"
    proc = run_cli("build", toml, "--out", out, "--author", "; ".join(names), "--student-id", "; ".join(ids))
    assert proc.returncode == 0, proc.stderr
    info = _pdfinfo(out / "meta.pdf")
    assert (info["Title"], info["Author"], info["Subject"], info["Keywords"]) == (
        "Report (2024): $x$ ~", ", ".join(names), course, problem)
    text = pdf_text(out / "meta.pdf")
    for name, sid in zip(names, ids, strict=True):
        assert re.search(re.escape(name) + r" +Student ID: " + re.escape(sid), text), text[:500]
    assert "(/etc/passwd" not in (out / "meta.log").read_text()


@pytest.mark.tex
def test_shipped_pdfs_hold_the_solution_and_metadata(built_reports):
    for rid, pdf in built_reports.items():
        report = pipeline.load(rid)
        text = pdf_text(pdf)
        words = [w for w in TOOL_WORDS if w in text.lower()]
        assert not words, f"{rid}: tool talk in the solution PDF: {words}"
        assert re.search(r"Test Author +Student ID: 0000", text), rid
        assert re.search(r"\d{4}-\d\d-\d\d", text.split(report.label)[0]), rid  # a date in the title block
        info = _pdfinfo(pdf)
        assert info["Title"] == report.title and info["Author"] == "Test Author"
        assert info.get("Subject", "") == report.course
        assert info["Keywords"] == "; ".join(p.title for p in report.problems)
    lines = [line.strip() for line in pdf_text(built_reports["nn-assignment2-2023"]).splitlines()]
    assert "(2023)" not in lines and "Neural Networks (2023)" in lines  # the title's last word is not alone
