"""reportgen/compile.py, the sandbox: TeX runs with the doors shut (README.md, "How it works"),
even for a hostile *template* (template text is trusted TeX, so these tests put their attacks there).

Several protections are layered (``-no-shell-escape`` and ``shell_escape=f``; the paranoid
``openin_any``/``openout_any`` values and Debian's own defaults). To prove each layer on its own,
some tests simulate a TeX installation whose texmf.cnf allows everything (``permissive_cnf``) or
drop the other layer, so removing the layer under test makes that test fail. The filesystem jail
(tests/test_jail.py) is one more layer; these tests turn it off (``tex_switches_only``), since it
alone would hide the files and block the writes they look for."""

import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from reportgen import compile, pipeline, texformat
from reportgen.errors import LatexError
from reportgen.settings import Settings

from .buildkit import ROOT, document_templates, kill_all, processes_with, run_cli, write_assignment
from .conftest import pdf_text

PIPE_INPUT = '\\catcode`\\&=12 \\input{|"kpsewhich --version"}'  # kpsewhich prints "... Karl Berry & ..."


def build(tmp_path: Path, body: str, preamble: str = "", report_id: str = "sandbox", timeout: float = 60):
    """Build a one-problem report whose whole document is ``body`` (raw TeX from a template)."""
    templates = document_templates(tmp_path / "tpl", body, preamble)
    toml = write_assignment(tmp_path / "in", report_id)
    settings = Settings(out_dir=tmp_path / "out", templates=(templates,), timeout=timeout, force=True)
    return pipeline.build_report(toml, settings)


@pytest.fixture
def permissive_cnf(tmp_path, monkeypatch, tex_switches_only):
    """Simulate a TeX installation configured to allow everything: a texmf.cnf that turns on
    shell escape and unrestricted reading and writing, found first via TEXMFCNF."""
    cnf = tmp_path / "permissive-cnf"
    cnf.mkdir()
    (cnf / "texmf.cnf").write_text("shell_escape = t\nopenin_any = a\nopenout_any = a\n")
    real = compile.tex_environment

    def with_permissive_cnf(workdir, epoch):
        return {**real(workdir, epoch), "TEXMFCNF": f"{cnf}:"}

    monkeypatch.setattr(compile, "tex_environment", with_permissive_cnf)
    return with_permissive_cnf


def assert_ran_nothing(tmp_path: Path, marker: Path) -> None:
    log = (tmp_path / "out" / "sandbox.error.log").read_text(errors="replace")
    assert "runsystem(touch" in log and "...disabled" in log  # \write18 was seen and refused
    assert "executed" not in log
    assert not marker.exists()
    assert "Karl Berry" not in log  # kpsewhich's output never reached TeX
    assert not (tmp_path / "out" / "sandbox.pdf").exists()


def shell_body(marker: Path) -> str:
    return f"A \\immediate\\write18{{touch {marker}}} B\n{PIPE_INPUT}\n"


def assert_shell_escape_refused(tmp_path: Path) -> None:
    """A document that asks for a shell command (\\write18) and a piped input fails, and ran nothing."""
    marker = tmp_path / "marker"
    with pytest.raises(LatexError, match="not found"):
        build(tmp_path, shell_body(marker))
    assert_ran_nothing(tmp_path, marker)


@pytest.mark.tex
def test_shell_escape_runs_nothing(tmp_path):
    assert_shell_escape_refused(tmp_path)


@pytest.mark.tex
def test_no_shell_escape_flag_holds_even_when_the_environment_enables_it(tmp_path, monkeypatch, permissive_cnf):
    """Only ``-no-shell-escape`` protects here: the config and the environment both say 't'."""
    monkeypatch.setattr(compile, "tex_environment", lambda w, e: {**permissive_cnf(w, e), "shell_escape": "t"})
    assert_shell_escape_refused(tmp_path)


@pytest.mark.tex
def test_shell_escape_env_holds_without_the_flag(tmp_path, monkeypatch, permissive_cnf):
    """Only ``shell_escape=f`` in the child environment protects here (no flag, permissive config)."""
    flags = tuple(a for a in texformat.PDFLATEX_ARGS if a != "-no-shell-escape")
    monkeypatch.setattr(texformat, "PDFLATEX_ARGS", flags)
    assert_shell_escape_refused(tmp_path)


@pytest.mark.tex
def test_paranoid_openin(tmp_path, monkeypatch, permissive_cnf):
    """No file outside the build folder can be read: absolute paths and ../ are refused."""
    token = secrets.token_hex(8)
    temp_root = tmp_path / "tmp"  # the fresh build folder is made in here, so ../ is known
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    (temp_root / "secret.tex").write_text(f"PARENT{token}\n")
    absolute = tmp_path / "abs-secret.tex"
    absolute.write_text(f"ABSOLUTE{token}\n")
    body = (f"\\IfFileExists{{{absolute}}}{{\\input{{{absolute}}}}}{{ABS BLOCKED}}\n\n"
            "\\IfFileExists{../secret.tex}{\\input{../secret.tex}}{PARENT BLOCKED}\n\n"
            f"\\newread\\r \\immediate\\openin\\r={absolute} \\ifeof\\r READ BLOCKED\\else READ OPEN\\fi\n")
    build(tmp_path, body)
    text = pdf_text(tmp_path / "out" / "sandbox.pdf")
    assert "ABS BLOCKED" in text and "PARENT BLOCKED" in text and "READ BLOCKED" in text
    assert token not in text
    assert token not in (tmp_path / "out" / "sandbox.log").read_text()


@pytest.mark.tex
@pytest.mark.parametrize("target", ["absolute", "parent"])
def test_paranoid_openout(tmp_path, monkeypatch, permissive_cnf, target):
    """No file outside the build folder can be written."""
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    dest, name = {"absolute": (tmp_path / "evil.tex", str(tmp_path / "evil.tex")),
                  "parent": (temp_root / "evil.tex", "../evil.tex")}[target]
    body = f"\\newwrite\\w \\immediate\\openout\\w={name} \\immediate\\write\\w{{x}}\\immediate\\closeout\\w\nA\n"
    with pytest.raises(LatexError, match="can't write on file"):
        build(tmp_path, body)
    assert not dest.exists()


@pytest.fixture
def evil_style(tmp_path):
    """A folder holding an lmodern.sty that announces itself when loaded instead of the real one."""
    folder = tmp_path / "evil-sty"
    folder.mkdir()
    (folder / "lmodern.sty").write_text("\\ProvidesPackage{lmodern}\\AtBeginDocument{EVIL STYLE LOADED}\n")
    return folder


@pytest.mark.tex
def test_clean_environment(tmp_path, monkeypatch, evil_style, tex_switches_only):
    """Nothing of the caller's environment reaches TeX: not TEXINPUTS, not HOME's texmf tree, not
    a permissive TEXMFCNF or openin_any/shell_escape settings."""
    home = tmp_path / "home"
    (home / "texmf" / "tex" / "latex").mkdir(parents=True)
    (home / "texmf" / "tex" / "latex" / "lmodern.sty").write_text((evil_style / "lmodern.sty").read_text())
    cnf = tmp_path / "cnf"
    cnf.mkdir()
    (cnf / "texmf.cnf").write_text("shell_escape = t\nopenin_any = a\n")
    secret = tmp_path / "secret.tex"
    secret.write_text("SECRET TEXT\n")
    for name, value in {"TEXINPUTS": f"{evil_style}:", "HOME": str(home), "TEXMFHOME": str(home / "texmf"),
                        "TEXMFCNF": f"{cnf}:", "openin_any": "a", "shell_escape": "t"}.items():
        monkeypatch.setenv(name, value)
    marker = tmp_path / "marker"
    body = (f"OK \\immediate\\write18{{touch {marker}}}\n\n"
            f"\\IfFileExists{{{secret}}}{{\\input{{{secret}}}}}{{ABS BLOCKED}}\n")
    build(tmp_path, body, preamble="\\usepackage[T1]{fontenc}\\usepackage{lmodern}")
    text = pdf_text(tmp_path / "out" / "sandbox.pdf")
    assert "OK" in text and "ABS BLOCKED" in text
    assert "EVIL" not in text and "SECRET" not in text
    assert not marker.exists()
    assert str(evil_style) not in (tmp_path / "out" / "sandbox.log").read_text()


@pytest.mark.tex
def test_latexmkrc_and_stray_files_are_ignored(tmp_path, monkeypatch, evil_style, tex_switches_only):
    """-norc: no latexmkrc runs, wherever it is (the caller's folder, the build folder, HOME,
    XDG config); and a stray .sty in the caller's folder is not loaded (fresh build folder)."""
    markers = {name: tmp_path / f"marker-{name}" for name in ("cwd", "build", "home", "xdg")}
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "latexmkrc").write_text(f'system("touch {markers["cwd"]}");\n')
    (cwd / ".latexmkrc").write_text(f'system("touch {markers["cwd"]}");\n')
    (cwd / "lmodern.sty").write_text((evil_style / "lmodern.sty").read_text())
    monkeypatch.chdir(cwd)
    real = compile.tex_environment

    def plant_rc_files(workdir, epoch):
        """Simulate rc files latexmk would find (it runs in workdir, with HOME=workdir)."""
        (workdir / "latexmkrc").write_text(f'system("touch {markers["build"]}");\n')
        (workdir / ".latexmkrc").write_text(f'system("touch {markers["home"]}");\n')
        (workdir / ".config" / "latexmk").mkdir(parents=True)
        (workdir / ".config" / "latexmk" / "latexmkrc").write_text(f'system("touch {markers["xdg"]}");\n')
        return real(workdir, epoch)

    monkeypatch.setattr(compile, "tex_environment", plant_rc_files)
    build(tmp_path, "OK\n", preamble="\\usepackage[T1]{fontenc}\\usepackage{lmodern}")
    assert "EVIL" not in pdf_text(tmp_path / "out" / "sandbox.pdf")
    assert [m.name for m in markers.values() if m.exists()] == []


@pytest.mark.tex
def test_time_limit_kills_the_whole_process_group(tmp_path):
    """An endless macro loop fails within the limit with a clear message and leaves no pdflatex."""
    report_id = f"hang-{secrets.token_hex(6)}"
    templates = document_templates(tmp_path / "tpl", "\\def\\x{\\x}\\x\n")
    toml = write_assignment(tmp_path / "in", report_id)
    (tmp_path / "out").mkdir()
    start = time.monotonic()
    try:
        proc = run_cli("build", toml, "--out", tmp_path / "out", "--templates", templates, "--timeout", "1",
                       env={"TMPDIR": str(tmp_path)}, timeout=40)
        elapsed = time.monotonic() - start
        deadline = time.monotonic() + 3
        while processes_with(f"{report_id}.tex") and time.monotonic() < deadline:
            time.sleep(0.1)
        left = processes_with(f"{report_id}.tex")
    finally:
        kill_all(processes_with(f"{report_id}.tex"))
    assert proc.returncode == 1
    assert "LaTeX did not finish within 1 s (killed)" in proc.stderr, proc.stderr
    assert f"{report_id}.error.log" in proc.stderr and "Traceback" not in proc.stderr
    assert elapsed < 15, f"took {elapsed:.1f} s for a 1 s limit"
    assert left == [], f"left running: {left}"


@pytest.mark.tex
def test_time_limit_holds_even_when_the_build_process_is_killed(tmp_path):
    """SIGKILL the build while pdflatex loops: the watchdog still ends the whole group."""
    report_id = f"orphan-{secrets.token_hex(6)}"
    templates = document_templates(tmp_path / "tpl", "\\def\\x{\\x}\\x\n")
    toml = write_assignment(tmp_path / "in", report_id)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    build = subprocess.Popen([sys.executable, "-m", "reportgen", "build", str(toml), "--out", str(tmp_path / "out"),
                              "--templates", str(templates), "--timeout", "2"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not any(cmd.startswith("pdflatex") for _, cmd in processes_with(f"{report_id}.tex")):
            assert time.monotonic() < deadline and build.poll() is None, "pdflatex never started"
            time.sleep(0.02)
        time.sleep(0.8)  # pdflatex has printed its banner and loops silently (no SIGPIPE will end it)
        assert build.poll() is None, "the build ended before it could be killed"
        build.kill()  # SIGKILL: no Python code runs after this
        build.wait()
        deadline = time.monotonic() + 2 + compile.WATCHDOG_GRACE + 5
        while processes_with(f"{report_id}.tex") and time.monotonic() < deadline:
            time.sleep(0.1)
        left = processes_with(f"{report_id}.tex")
    finally:
        kill_all(processes_with(f"{report_id}.tex"))
    assert left == [], f"still running after the build was killed: {left}"


def test_missing_latexmk_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(compile.shutil, "which", lambda name: None)
    with pytest.raises(LatexError, match="apt-get install .*latexmk"):
        build(tmp_path, "A\n")
    assert not (tmp_path / "out" / "sandbox.pdf").exists()


def test_incomplete_pdf_is_not_success(tmp_path):
    good = tmp_path / "good.pdf"
    good.write_bytes(b"%PDF-1.5\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(good.read_bytes()[:20])
    assert compile.pdf_is_complete(good)
    assert not compile.pdf_is_complete(cut)
    assert not compile.pdf_is_complete(tmp_path / "missing.pdf")


def test_child_environment_is_built_from_nothing(tmp_path, monkeypatch):
    """Only PATH is taken from the caller; everything else is fixed (a unit-level check of the
    environment the behaviour tests above exercise)."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter2")
    monkeypatch.setenv("TEXINPUTS", "/evil:")
    env = compile.tex_environment(tmp_path, 0)
    assert "AWS_SECRET_ACCESS_KEY" not in env and "TEXINPUTS" not in env
    assert env["HOME"] == str(tmp_path) and env["TEXMFHOME"].startswith(str(tmp_path))
    assert (env["openin_any"], env["openout_any"], env["shell_escape"]) == ("p", "p", "f")
    assert "-norc" in compile.LATEXMK_ARGS and "-no-shell-escape" in compile.LATEXMK_ARGS
    assert {"-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode"} <= set(texformat.PDFLATEX_ARGS)
