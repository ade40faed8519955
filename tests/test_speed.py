"""Fast builds: make-level dependencies (nothing changed -> no work), a per-report dependency
file listing the templates each report loaded, the Python stamp that skips LaTeX, parallel
builds, and heavy imports only where needed."""

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from reportgen import cli, compile, pipeline
from reportgen.settings import Settings

from .buildkit import ROOT, TINY_CNN, TINY_MLP, write_assignment

FAKE_PDF = b"%PDF-1.5\n% stand-in for latexmk's output\n%%EOF\n"


def fake_latexmk(calls: list[str]):
    def run(tex, jobname, source_date_epoch, timeout=0, cache=None):
        calls.append(jobname)
        return compile.Compiled(FAKE_PDF, "log")

    return run


def stand_in_sections(folder: Path) -> Path:
    """A template folder replacing two section templates (so a test can edit one of them)."""
    (folder / "sections").mkdir(parents=True, exist_ok=True)
    (folder / "sections" / "cnn_design.tex.j2").write_text("CNN SECTION\n")
    (folder / "sections" / "mlp_gradients.tex.j2").write_text("MLP SECTION\n")
    return folder


@pytest.mark.parametrize("command", [["solve", "nn-assignment2-2024", "--json"],
                                     ["build", "nn-assignment2-2024", "--zip", "--force", "--out", "OUT"]])
def test_a_report_without_derivations_does_not_import_sympy(command, tmp_path):
    """SymPy (0.2 s of CPU to import) is loaded only by the kinds that need it and by the first
    |sym of a render (printer.style.StylePrinter.symbolic): solving or rendering a report
    without derivations never loads it."""
    command = [str(tmp_path) if a == "OUT" else a for a in command]
    script = f"""
import contextlib, io, sys
from reportgen import cli
with contextlib.redirect_stdout(io.StringIO()) as out:
    assert cli.main({command!r}) == 0
assert len(out.getvalue()) > 40  # it really ran
print(sorted(m for m in sys.modules if m.split(".")[0] == "sympy")[:3])
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
    if "--zip" in command:  # the render ran: the report's .tex is in the zip
        assert (tmp_path / "nn-assignment2-2024.zip").stat().st_size > 1000


def test_a_template_printing_sympy_gets_the_symbolic_printer():
    """The other side: the first |sym makes the SymPy printer, with the render's settings."""
    import sympy

    from reportgen import render
    from reportgen.printer import FormatError
    from reportgen.printer.style import StylePrinter
    from reportgen.printer.tex import FormatSettings

    with pytest.raises(FormatError, match="no SymPy"):
        StylePrinter(FormatSettings(digits=2)).sym(sympy.Symbol("x"))
    style = render.environment(fmt=FormatSettings(digits=2)).filters["num"].__self__
    assert isinstance(style, StylePrinter) and style.sym(sympy.Symbol("x") ** 2) == "x^{2}"
    assert style.for_kind("mlp_gradients").symbolic().fmt == style.fmt
    assert style.symbolic().fmt == style.fmt and style.symbolic() is style.symbolic()
    assert style.symbolic().num(1 / 3) == style.num(1 / 3) == "0.33"


def test_parsing_reports_with_derivations_does_not_import_sympy():
    """Kinds with derivations import SymPy in solve and verify, not when the assignment is read."""
    script = """
import sys
from reportgen import pipeline
for name in ("hw3-theory", "ml-hw3-2024spring", "nn-assignment2-2023"):
    pipeline.load(name)
print("sympy" in sys.modules)
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_unchanged_tex_skips_latex(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(compile, "compile_tex", fake_latexmk(calls))
    toml = write_assignment(tmp_path / "in", "stamped")
    tpl = stand_in_sections(tmp_path / "tpl")
    settings = Settings(out_dir=tmp_path / "out", templates=(tpl,))
    assert pipeline.build_report(toml, settings).status == "built"
    assert pipeline.build_report(toml, settings).status == "up to date"
    assert calls == ["stamped"]
    (tpl / "sections" / "cnn_design.tex.j2").write_text("CNN SECTION, EDITED\n")
    assert pipeline.build_report(toml, settings).status == "built"
    assert calls == ["stamped", "stamped"]


def test_dependency_file_lists_the_templates_a_report_loaded(tmp_path, monkeypatch):
    monkeypatch.setattr(compile, "compile_tex", fake_latexmk([]))
    monkeypatch.chdir(tmp_path)
    toml = write_assignment(Path("in"), "cnn-only", [TINY_CNN])
    tpl = stand_in_sections(Path("tpl"))
    pipeline.build_report(toml, Settings(out_dir=Path("out"), templates=(tpl,)))
    lines = Path("out/cnn-only.d").read_text().splitlines()
    assert lines[0] == "out/cnn-only.pdf: \\"
    deps = [line.strip(" \\") for line in lines[1:] if line.startswith("  ")]
    builtin = str(ROOT / "templates")  # outside the working folder: absolute
    assert deps[0] == "in/cnn-only.toml"
    assert "tpl/sections/cnn_design.tex.j2" in deps
    assert "tpl/sections/mlp_gradients.tex.j2" not in deps  # not used: editing it rebuilds nothing here
    for name in ("report.tex.j2", "base.tex.j2"):
        assert f"{builtin}/{name}" in deps
    # the folders searched for a report-specific template (adding one must rebuild this report)
    assert "tpl" in deps and builtin in deps
    # every dependency also has an empty rule, so deleting a template does not break make
    assert all(f"{d}:" in lines for d in deps)


def test_jobs_builds_reports_at_the_same_time(tmp_path, monkeypatch):
    """--jobs 2: both LaTeX runs are in progress at once (each waits for the other at a barrier;
    built one after the other, the barrier would time out)."""
    barrier = threading.Barrier(2, timeout=10)

    def meet_then_fake(tex, jobname, source_date_epoch, timeout=0, cache=None):
        barrier.wait()
        return compile.Compiled(FAKE_PDF, "log")

    monkeypatch.setattr(compile, "compile_tex", meet_then_fake)
    tomls = [str(write_assignment(tmp_path / "in", rid)) for rid in ("left", "right")]
    assert cli.main(["build", *tomls, "--out", str(tmp_path / "out"), "--jobs", "2"]) == 0
    assert (tmp_path / "out" / "left.pdf").read_bytes() == FAKE_PDF
    assert (tmp_path / "out" / "right.pdf").read_bytes() == FAKE_PDF


def _make(tmp_path: Path, *goals: str, templates: str = "tpl") -> tuple[str, float]:
    args = ["make", "--no-print-directory", "-C", str(ROOT), *goals, f"VENV={tmp_path / 'venv'}",
            f"ASSIGNMENTS={tmp_path / 'asg'}", f"OUT={tmp_path / 'out'}", f"TEMPLATES={tmp_path / templates}",
            "JOBS=2"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, elapsed


def _rebuilt(stdout: str) -> set[str]:
    """Report ids that reportgen was run for (its "built" / "up to date" lines)."""
    return {m.group(2) for m in re.finditer(r"^(built|up to date)\s+(\S+)", stdout, re.M)}


@pytest.mark.tex
@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make not installed")
def test_make_pdf_is_incremental(tmp_path):
    """`make pdf`: nothing changed -> no work in well under a second; a template edit rebuilds
    only the reports that loaded it; an assignment edit rebuilds only that report."""
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    fake = venv_bin / "reportgen"  # the project's CLI, without creating a real venv in the test
    fake.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m reportgen \"$@\"\n")
    fake.chmod(0o755)
    write_assignment(tmp_path / "asg", "uses-cnn", [TINY_CNN])
    write_assignment(tmp_path / "asg", "uses-mlp", [TINY_MLP])
    tpl = stand_in_sections(tmp_path / "tpl")
    (tpl / "report.tex.j2").write_text(  # a small whole document: quick to compile
        "\\pdftrailerid{}\\documentclass{article}\\begin{document}\n"
        "((* for prob in problems *))((* include prob.template *))((* endfor *))\n\\end{document}\n")
    out = tmp_path / "out"

    first, _ = _make(tmp_path, "pdf")
    assert _rebuilt(first) == {"uses-cnn", "uses-mlp"}, first
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}

    again, elapsed = _make(tmp_path, "pdf")
    assert _rebuilt(again) == set(), again
    assert elapsed < 1.0, f"no-op make pdf took {elapsed:.2f} s"
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")} == mtimes

    (tpl / "sections" / "cnn_design.tex.j2").write_text("CNN SECTION, EDITED\n")
    edited, _ = _make(tmp_path, "pdf")
    assert _rebuilt(edited) == {"uses-cnn"}, edited
    assert "built      uses-cnn" in edited

    os.utime(tmp_path / "asg" / "uses-mlp.toml")  # touch
    touched, _ = _make(tmp_path, "pdf")
    assert _rebuilt(touched) == {"uses-mlp"}, touched
    assert "up to date uses-mlp" in touched  # same .tex: the stamp skipped LaTeX

    last, elapsed = _make(tmp_path, "pdf")
    assert _rebuilt(last) == set() and elapsed < 1.0, last

    shutil.copytree(tpl, tmp_path / "tpl2")  # another TEMPLATES= value: every report is redone
    switched, _ = _make(tmp_path, "pdf", templates="tpl2")
    assert _rebuilt(switched) == {"uses-cnn", "uses-mlp"}, switched
    settled, elapsed = _make(tmp_path, "pdf", templates="tpl2")
    assert _rebuilt(settled) == set() and elapsed < 1.0, settled


def test_dependency_recording_keeps_the_missing_template_message(tmp_path):
    """Recording the templates a build used must not hide which folders were searched."""
    from reportgen.errors import TemplateError

    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "report.tex.j2").write_text('((* include "nope.tex.j2" *))\n')
    toml = write_assignment(tmp_path / "in", "missing-include")
    with pytest.raises(TemplateError, match=rf"template 'nope\.tex\.j2' not found; searched: {tpl}, "):
        pipeline.build_report(toml, Settings(out_dir=tmp_path / "out", templates=(tpl,)))
