"""reportgen/compile.py, publishing (README.md, "How it works"): a failed build never destroys a good
PDF; concurrent and killed builds end with a whole PDF; PDF, .tex, .log and stamp are published
as one unit: the stamp always describes the PDF beside it, even with many builds of one report at
once. TeX's sandbox is tested in test_compile_sandbox.py."""

import errno
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from reportgen import __version__, compile, pipeline
from reportgen.errors import LatexError, OutputError, TemplateError
from reportgen.settings import Settings

from .buildkit import ROOT, document_templates, kill_all, pdf_is_valid, processes_with, run_cli, write_assignment
from .conftest import pdf_text


def settings_for(tmp_path: Path, templates: Path, **kw) -> Settings:
    return Settings(out_dir=tmp_path / "out", templates=(templates,), **kw)


# About half a second of pdflatex work, so that concurrent builds really overlap.
BUSY = "\\count255=0 \\loop\\advance\\count255 by 1 \\ifnum\\count255<1000000 \\repeat\n"


def leftovers(out: Path) -> list[str]:
    """Temp files a publish left behind (a half-written PDF would be one of these)."""
    return sorted(p.name for p in out.iterdir() if p.name.endswith(".part"))


@pytest.mark.tex
def test_broken_template_leaves_the_last_good_pdf_byte_identical(tmp_path):
    toml = write_assignment(tmp_path / "in", "fragile")
    tpl = document_templates(tmp_path / "tpl", "GOOD VERSION\n")
    out = tmp_path / "out"
    pipeline.build_report(toml, settings_for(tmp_path, tpl))
    good_pdf, good_tex = (out / "fragile.pdf").read_bytes(), (out / "fragile.tex").read_bytes()

    document_templates(tpl, "BROKEN VERSION \\undefinedmacro\n")
    with pytest.raises(LatexError) as exc:
        pipeline.build_report(toml, settings_for(tmp_path, tpl))
    message = str(exc.value)
    assert "Undefined control sequence" in message and "\\undefinedmacro" in message
    assert f"full log: {out / 'fragile.error.log'}" in message
    assert len(message.splitlines()) < 10  # a few lines, not the log
    assert (out / "fragile.pdf").read_bytes() == good_pdf
    assert (out / "fragile.tex").read_bytes() == good_tex
    assert "BROKEN VERSION" in (out / "fragile.error.tex").read_text()
    assert "Undefined control sequence" in (out / "fragile.error.log").read_text()

    (tpl / "report.tex.j2").write_text("((* if *))\n")  # a Jinja syntax error: TeX never runs
    with pytest.raises(TemplateError, match=r"report\.tex\.j2:1: template syntax error"):
        pipeline.build_report(toml, settings_for(tmp_path, tpl))
    assert (out / "fragile.pdf").read_bytes() == good_pdf

    document_templates(tpl, "FIXED VERSION\n")
    pipeline.build_report(toml, settings_for(tmp_path, tpl))
    assert "FIXED VERSION" in pdf_text(out / "fragile.pdf")
    assert not (out / "fragile.error.log").exists() and not (out / "fragile.error.tex").exists()
    assert leftovers(out) == []


@pytest.mark.tex
def test_two_builds_of_all_reports_at_once(tmp_path):
    """Two `make pdf`-like runs (two processes building the same reports into one folder)."""
    tpl = document_templates(tmp_path / "tpl", "Report ((( report.id ))) \\newpage page two\n" + BUSY)
    tomls = [write_assignment(tmp_path / "in", rid) for rid in ("first", "second")]
    out = tmp_path / "out"
    args = [sys.executable, "-m", "reportgen", "build", *map(str, tomls), "--out", str(out),
            "--templates", str(tpl), "--force"]
    procs = [subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    for stdout, stderr, code in results:
        assert code == 0, stderr
        assert stdout.count("built") == 2
    for rid in ("first", "second"):
        assert pdf_is_valid(out / f"{rid}.pdf")
        assert f"Report {rid}" in pdf_text(out / f"{rid}.pdf")
        assert not (out / f"{rid}.error.log").exists()
    assert leftovers(out) == []


@pytest.mark.tex
def test_eight_concurrent_builds_of_one_report(tmp_path):
    tpl = document_templates(tmp_path / "tpl", "Same report \\newpage page two\n")
    toml = write_assignment(tmp_path / "in", "busy")
    settings = settings_for(tmp_path, tpl, force=True)
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda _: pipeline.build_report(toml, settings), range(8)))
    assert [o.status for o in outcomes] == ["built"] * 8
    out = tmp_path / "out"
    assert pdf_is_valid(out / "busy.pdf") and "Same report" in pdf_text(out / "busy.pdf")
    assert leftovers(out) == [] and not (out / "busy.error.log").exists()


# A document that ships its first page, then keeps pdflatex busy with the PDF file open and
# half written: a kill in that window is the worst moment for a build that writes in place.
SLOW_NEW_VERSION = r"""NEW VERSION\newpage
\count255=0 \loop\advance\count255 by 1 \ifnum\count255<2000000 \repeat
END
"""


@pytest.mark.tex
def test_killed_build_leaves_the_old_pdf_or_the_new_one(tmp_path):
    report_id = f"killed-{secrets.token_hex(4)}"
    toml = write_assignment(tmp_path / "in", report_id)
    tpl = document_templates(tmp_path / "tpl", "OLD VERSION\n")
    out = tmp_path / "out"
    assert run_cli("build", toml, "--out", out, "--templates", tpl).returncode == 0
    old = (out / f"{report_id}.pdf").read_bytes()
    document_templates(tpl, SLOW_NEW_VERSION)
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmpdir)}
    try:
        for delay in (0.0, 0.6):
            build = subprocess.Popen([sys.executable, "-m", "reportgen", "build", str(toml), "--out", str(out),
                                      "--templates", str(tpl), "--force"], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 30
            while not any("pdflatex" in cmd for _, cmd in processes_with(f"{report_id}.tex")):
                assert time.monotonic() < deadline and build.poll() is None, "pdflatex never started"
                time.sleep(0.02)
            time.sleep(delay)
            build.send_signal(signal.SIGKILL)  # the build process dies mid-compile...
            build.wait()
            kill_all(processes_with(f"{report_id}.tex"))  # ...and so does its TeX (as with kill -9 -PGID)
            pdf = out / f"{report_id}.pdf"
            assert pdf_is_valid(pdf)
            assert pdf.read_bytes() == old or "END" in pdf_text(pdf)
            assert leftovers(out) == []
    finally:
        kill_all(processes_with(f"{report_id}.tex"))
    # the next build is not disturbed by the killed ones
    assert run_cli("build", toml, "--out", out, "--templates", tpl).returncode == 0
    assert "END" in pdf_text(out / f"{report_id}.pdf")


def test_publish_failure_keeps_the_old_file(tmp_path, monkeypatch):
    """A write that fails half way (disk full) leaves the old file whole and no temp file."""
    dest = tmp_path / "report.pdf"
    dest.write_bytes(b"%PDF-old")

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(compile.os, "fsync", disk_full)
    with pytest.raises(OutputError, match=f"cannot write {dest}: No space left on device"):
        compile.publish(b"%PDF-new" * 1000, dest)
    assert dest.read_bytes() == b"%PDF-old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def consistent(out, report_id) -> str:
    """The author that PDF, .tex and stamp agree on (assertion error when they do not)."""
    tex = (out / f"{report_id}.tex").read_text()
    author = tex.split("AUTHOR ")[1].split(" END")[0]
    assert f"AUTHOR {author} END" in pdf_text(out / f"{report_id}.pdf")
    stamp = (out / f".{report_id}.stamp").read_text()
    assert stamp == compile.digest(__version__, tex, " ".join(compile.texformat.PDFLATEX_ARGS))
    return author


@pytest.mark.tex
def test_concurrent_builds_with_different_authors_publish_consistent_sets(tmp_path):
    """Eight builds at once in threads (the output lock is an flock: the same between threads as
    between processes; test_two_builds_of_all_reports_at_once runs builds in two processes)."""
    report_id = "unit"
    tpl = document_templates(tmp_path / "tpl", "AUTHOR (((author))) END")
    toml = write_assignment(tmp_path / "in", report_id)
    out = tmp_path / "out"

    def build(author: str, force: bool) -> str:
        settings = Settings(out_dir=out, templates=(tpl,), author=author, force=force)
        return pipeline.build_report(toml, settings).status

    for _ in range(2):
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda a: build(a, True), ["Alpha", "Beta"] * 4))
        assert statuses == ["built"] * 8
        last = consistent(out, report_id)
        # "up to date" must only ever be said over a PDF of that very author
        for author in ("Alpha", "Beta"):
            assert (build(author, False) == "up to date") == (author == last)
            last = author
            assert consistent(out, report_id) == author
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_publishing_waits_for_the_lock_and_the_check_reads_under_it(tmp_path):
    out = tmp_path / "out"
    compiled = compile.Compiled(b"%PDF-1.5\n%%EOF\n", "log A")
    compile.publish_build(out, "r", "tex A", compiled, "stamp A")
    events = []

    def publisher():
        compile.publish_build(out, "r", "tex B", compile.Compiled(b"%PDF-1.5\nB\n%%EOF\n", "log B"), "stamp B")
        events.append("published")

    with compile.output_lock(out, "r"):
        t = threading.Thread(target=publisher)
        t.start()
        time.sleep(0.3)
        assert events == [] and (out / ".r.stamp").read_text() == "stamp A"  # held back by the lock
    t.join(5)
    assert events == ["published"]
    assert compile.is_up_to_date(out, "r", "stamp B") and not compile.is_up_to_date(out, "r", "stamp A")
    assert (out / "r.tex").read_text() == "tex B" and (out / "r.log").read_text() == "log B"


@pytest.mark.tex
def test_content_past_the_bottom_of_the_paper_fails_the_build():
    """A display taller than a page is printed off the paper (TeX only logs an overfull \\vbox):
    the build fails naming the page instead of publishing a PDF with numbers cut off."""
    rows = r" \\ ".join(str(k) for k in range(90))
    tall = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\nx\n\\[ \\begin{matrix} " + rows + \
           " \\end{matrix} \\]\n\\end{document}\n"
    with pytest.raises(compile.LatexCompileFailure, match=r"past the bottom of the paper \(page \d by \d+ pt\)"):
        compile.compile_tex(tall, "tall", 0)
    short = tall.replace(rows, "1 \\\\ 2")
    assert compile.compile_tex(short, "short", 0).pdf.startswith(b"%PDF")


def test_past_bottom_reads_the_page_tex_ships_out_next():
    from reportgen.texlog import past_bottom

    log = ("[1]\nOverfull \\vbox (243.9pt too high) has occurred while \\output is active []\n\n [2] [3]\n"
           "Overfull \\vbox (0.5pt too high) has occurred while \\output is active []\n [4]\n"
           "Overfull \\vbox (12.0pt too high) detected at line 7\n")
    assert past_bottom(log) == [(2, 243.9)]
