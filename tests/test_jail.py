"""TeX runs in a filesystem jail (bubblewrap): pdfTeX primitives that ignore openin_any still
find nothing to read. Where the jail cannot start: one warning line and TeX's own switches, or
an error when REPORTGEN_REQUIRE_JAIL=1."""

import os
import zlib
from pathlib import Path

import pytest

from reportgen import jail, pipeline
from reportgen.errors import LatexError
from reportgen.settings import Settings

from .buildkit import ROOT, document_templates, run_cli, write_assignment

# \pdfobj file reads a file into the PDF although openin_any=p (TeX Live 2022); uncompressed so
# the bytes can be searched for.
EMBED = r"\pdfcompresslevel=0 \pdfobjcompresslevel=0 \immediate\pdfobj stream file {%s}\pdfrefobj\pdflastobj A"


def build(tmp_path: Path, body: str, report_id: str = "jail"):
    templates = document_templates(tmp_path / "tpl", body)
    toml = write_assignment(tmp_path / "in", report_id)
    return pipeline.build_report(toml, Settings(out_dir=tmp_path / "out", templates=(templates,), force=True))


def pdf_bytes(pdf: Path) -> bytes:
    """The PDF with every Flate stream inflated as well, so embedded files cannot hide."""
    data = pdf.read_bytes()
    out = [data]
    for chunk in data.split(b"stream")[1:]:
        try:
            out.append(zlib.decompressobj().decompress(chunk.lstrip(b"\r\n")))
        except zlib.error:
            pass
    return b"\n".join(out)


def secret_file(tmp_path: Path) -> tuple[Path, bytes]:
    token = b"SECRET-" + Path(tmp_path).name.encode()
    path = ROOT / "build" / f".jail-test-{tmp_path.name}.txt"  # inside the project tree
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(token + b"\n")
    return path, token


# Locally without a working jail these skip; in CI (REPORTGEN_REQUIRE_JAIL=1) they must run.
needs_jail = pytest.mark.skipif(jail.jail_problem() != "" and not os.environ.get("REPORTGEN_REQUIRE_JAIL"),
                                reason="bwrap cannot start here")


@pytest.mark.tex
@needs_jail
@pytest.mark.parametrize("target", ["/etc/passwd", "project"])
def test_pdfobj_file_reads_nothing_in_the_jail(tmp_path, target):
    if target == "project":
        path, token = secret_file(tmp_path)
    else:
        path, token = Path("/etc/passwd"), b"root:"
    try:
        with pytest.raises(LatexError, match="cannot open file for embedding"):
            build(tmp_path, EMBED % path)
    finally:
        if target == "project":
            path.unlink()
    log = (tmp_path / "out" / "jail.error.log").read_bytes()
    assert token not in log
    assert not (tmp_path / "out" / "jail.pdf").exists()


@pytest.mark.tex
def test_without_the_jail_pdfobj_does_embed_the_file(tmp_path, monkeypatch, capsys):
    """The layer the jail adds: with it off, the same template embeds a project file (this is
    what makes the test above mean something)."""
    monkeypatch.setattr(jail, "_problem", ["off for this test"])
    monkeypatch.setattr(jail, "_warned", [])
    monkeypatch.delenv("REPORTGEN_REQUIRE_JAIL", raising=False)
    path, token = secret_file(tmp_path)
    try:
        outcome = build(tmp_path, EMBED % path)
    finally:
        path.unlink()
    assert token in pdf_bytes(outcome.pdf)
    err = capsys.readouterr().err
    assert err.count("warning: TeX runs without its filesystem jail (off for this test)") == 1


@needs_jail
def test_jail_shows_only_the_tex_tree_and_the_build_folder(tmp_path):
    import subprocess

    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "beside").write_text("x")
    hidden = f"/etc/passwd /root /work /home {ROOT} {tmp_path / 'beside'}"
    script = (f"for p in {hidden}; do test -e $p && echo SEEN $p; done;"
              "kpsewhich article.cls; echo ok > written; touch /usr/evil 2>/dev/null && echo WROTE-USR;"
              "ls /tmp")
    r = subprocess.run(jail.jail_argv(["sh", "-c", script], work), capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin"}, timeout=30)
    assert "SEEN" not in r.stdout and "WROTE-USR" not in r.stdout, r.stdout
    assert "article.cls" in r.stdout
    assert (work / "written").read_text() == "ok\n"
    assert r.stdout.strip().splitlines()[-1] == tmp_path.relative_to("/tmp").parts[0], r.stdout


def test_no_network_in_the_jail(tmp_path):
    argv = jail.jail_argv(["true"], tmp_path)
    assert "--unshare-all" in argv and "--die-with-parent" in argv and "--new-session" in argv
    assert "--share-net" not in argv


def test_a_jail_that_cannot_start_warns_once_and_falls_back(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(jail, "_problem", [])
    monkeypatch.setattr(jail, "_warned", [])
    monkeypatch.setattr(jail, "bwrap", lambda: None)
    monkeypatch.delenv("REPORTGEN_REQUIRE_JAIL", raising=False)
    monkeypatch.delenv("REPORTGEN_JAIL", raising=False)
    assert jail.jailed(["latexmk", "x.tex"], tmp_path) == ["latexmk", "x.tex"]
    assert jail.jailed(["latexmk", "y.tex"], tmp_path) == ["latexmk", "y.tex"]
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["warning: TeX runs without its filesystem jail (bwrap not found; install the bubblewrap "
                   "package); only TeX's own switches protect this build"]


def test_a_jail_that_starts_but_shows_the_host_counts_as_broken(tmp_path, monkeypatch):
    """Never fail open: a 'jail' in which /etc/passwd is visible is reported as not working."""
    monkeypatch.delenv("REPORTGEN_JAIL", raising=False)
    monkeypatch.setattr(jail, "jail_argv", lambda argv, build_dir: list(argv))  # no isolation at all
    assert "bwrap cannot start" in jail._probe_jail()


def test_required_jail_that_cannot_start_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(jail, "_problem", ["bwrap cannot start: setting up uid map: Permission denied"])
    monkeypatch.setenv("REPORTGEN_REQUIRE_JAIL", "1")
    with pytest.raises(LatexError, match="jail cannot start .*uid map.*REPORTGEN_REQUIRE_JAIL is set"):
        jail.jailed(["latexmk"], tmp_path)


@pytest.mark.tex
def test_cli_prints_the_fallback_warning_once_per_run(tmp_path):
    tpl = document_templates(tmp_path / "tpl", "A")
    tomls = [write_assignment(tmp_path / "in", f"warn{i}") for i in range(2)]
    proc = run_cli("build", *tomls, "--templates", tpl, "--out", tmp_path / "out", "-j", "2",
                   env={"REPORTGEN_JAIL": "off", "REPORTGEN_REQUIRE_JAIL": ""})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("warning: TeX runs without its filesystem jail (REPORTGEN_JAIL=off)") == 1
