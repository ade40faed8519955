"""Untrusted text never becomes TeX (README.md, "How it works"): every string from an assignment file,
the settings file or the command line prints literally, reads nothing, writes nothing, runs
nothing.

The PDF is built by the real CLI with the built-in report, base and preamble; only the problem
section is replaced by a stand-in template that prints every field on its own line, so pdftotext
output can be compared with the input strings."""

import shutil
import tempfile
from pathlib import Path

import pytest

from .buildkit import TINY_CNN, run_cli, write_assignment
from .conftest import pdf_text

# The stand-in for sections/cnn_design.tex.j2: one field per line, never hyphenated.
FIELDS_TEMPLATE = r"""((* if prob.spec.number == 1 *))
{\raggedright\hyphenpenalty=10000 \exhyphenpenalty=10000 \small
FIELD title: (((report.title)))\par
FIELD course: (((course)))\par
FIELD author: (((author)))\par
FIELD student-id: (((student_id)))\par
FIELD date: (((date)))\par
}
((* endif *))
{\raggedright\hyphenpenalty=10000 \exhyphenpenalty=10000 \small
FIELD problem (((prob.spec.number))): (((prob.spec.title)))\par
}
"""

# (input, what the PDF must show). MARKER is replaced by a path that must never be created.
HOSTILE = [
    (r"\input{/etc/passwd}", None),
    (r"\immediate\write18{touch MARKER}", None),
    (r'\input{|"kpsewhich --version"}', None),
    (r"\catcode`\{=12 \catcode`\^^5c=0 ^^5cinput x", None),
    (r"^^5cinput^^7b/etc/passwd^^7d ^^M", None),
    (r"\csname input\endcsname{/etc/passwd}", None),
    (r"}\end{document}", None),
    (r"{{{ unbalanced", None),
    (r"unbalanced }}} \fi \else", None),
    (r"$x$ & 50% #1 a_b ~x ^2 \\", None),
    (r"\def\x{\x}\x", None),
    ("{{ 7*7 }} ((( 7*7 ))) ((* if true *))", None),
    ("((= not a comment =)) {% raw %} {# c #}", None),
    ("<< >> -- --- !` ?` `` '' ,, \"q\" |", None),
    (r"[opt] \\[2pt] \par", None),
    ("Zoë Ångström-Müller, François Ñúñez; ßÿþðæ", None),
    ("No", None),
    ("0123", None),
    ("1e3", None),
    ("null", None),
    ("a\x00b\x7fc\u202ed\u2066e\tf", "abcde f"),  # NUL, DEL, bidi override/isolate stripped; tab -> space
]


def _norm(s: str) -> str:
    return " ".join(s.split())


@pytest.mark.tex
def test_hostile_strings_print_literally_and_touch_nothing(tmp_path):
    marker_dir = Path(tempfile.mkdtemp(prefix="rg-marker-", dir="/tmp"))  # short path: fits on a line
    marker = marker_dir / "pwned"
    try:
        _run_hostile_build(tmp_path, marker)
    finally:
        shutil.rmtree(marker_dir)


def _run_hostile_build(tmp_path: Path, marker: Path) -> None:
    cases = [(s.replace("MARKER", str(marker)), (e or s).replace("MARKER", str(marker))) for s, e in HOSTILE]
    problems = [{**TINY_CNN, "title": s} for s, _ in cases]
    title, course = r"Report \input{/etc/passwd} #1", r"Course }{ $\pi$ 100% ^^5c"
    toml = write_assignment(tmp_path / "in", "hostile", problems, title=title, course=course)
    settings = tmp_path / "in" / "settings.toml"
    settings.write_text('student_id = "0123"\n', encoding="utf-8")
    templates = tmp_path / "tpl"
    (templates / "sections").mkdir(parents=True)
    (templates / "sections" / "cnn_design.tex.j2").write_text(FIELDS_TEMPLATE, encoding="utf-8")
    author, date = r"[opt] Ada \input{/etc/passwd} ^^5c~", r"\today{} 31/12 $\infty$"
    cwd, tmpdir, home, out = (tmp_path / d for d in ("cwd", "tmpdir", "home", "out"))
    for d in (cwd, tmpdir, home):
        d.mkdir()

    proc = run_cli("--settings", settings, "build", toml, "--out", out, "--templates", templates,
                   "--author", author, "--date", date, cwd=cwd,
                   env={"TMPDIR": str(tmpdir), "HOME": str(home), "REPORTGEN_FORMAT_CACHE": ""})  # formats in out
    assert proc.returncode == 0, proc.stderr

    pdf = out / "hostile.pdf"
    text = _norm(pdf_text(pdf))
    expected = {"title": title, "course": course, "author": author, "student-id": "0123", "date": date}
    expected |= {f"problem {i}": e for i, (_, e) in enumerate(cases, start=1)}
    missing = [f"FIELD {k}: {v}" for k, v in expected.items() if _norm(f"FIELD {k}: {v}") not in text]
    assert not missing, f"not printed literally: {missing}\n--- pdftotext:\n{text}"  # {{ 7*7 }} stays, no 49

    log = (out / "hostile.log").read_text(errors="replace")
    assert "(/etc/passwd" not in log  # TeX never opened it
    first_passwd_line = Path("/etc/passwd").read_text().splitlines()[0]
    assert first_passwd_line not in text and first_passwd_line not in log
    assert "runsystem" not in log  # no \write18 was even attempted
    assert "kpathsea version" not in text and "Karl Berry" not in text
    assert "Missing character" not in log  # every character had a glyph, so it prints as given

    # Nothing written outside the output folder, no command run.
    assert not marker.exists()
    assert sorted(p.name for p in out.iterdir()) == [".cache", ".hostile.lock", ".hostile.stamp", "hostile.d",
                                                     "hostile.log", "hostile.pdf", "hostile.tex"]
    assert sorted(p.name for p in (out / ".cache").iterdir()) == ["aux", "formats", "hostile.checks.json", "templates"]
    # the one file outside: this user's secret that seals compiled templates (sandbox.cache_secret)
    secret = home / ".cache" / "reportgen" / "template-secret"
    assert len(secret.read_bytes()) == 32 and secret.stat().st_mode & 0o077 == 0
    secret.unlink()
    for folder in (secret.parent, secret.parent.parent):
        folder.rmdir()
    for d in (cwd, tmpdir, home):
        assert list(d.iterdir()) == [], f"{d.name} is not empty: {list(d.iterdir())}"
    # The generated .tex carries the strings escaped: no hostile control sequence survives.
    tex = (out / "hostile.tex").read_text()
    for seq in (r"\input{/etc", r"\write18", r"\csname input", r"\catcode`", r"\def\x"):
        assert seq not in tex


@pytest.mark.parametrize("where", ["toml", "cli", "settings"])
def test_emoji_is_refused_naming_the_field(tmp_path, where):
    """Text pdflatex cannot typeset is an error that names the field; no traceback, no TeX run."""
    toml = write_assignment(tmp_path, "emoji", title="Smile 🙂" if where == "toml" else "Plain")
    settings = tmp_path / "settings.toml"
    settings.write_text('author = "Ada 🙂"\n' if where == "settings" else "", encoding="utf-8")
    args = ["--settings", settings, "build", toml, "--out", tmp_path / "out"]
    if where == "cli":
        args += ["--author", "Ada 🙂"]
    field = {"toml": f"{toml}: report.title", "cli": "command line: author", "settings": f"{settings}: author"}
    proc = run_cli(*args)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: {field[where]}: pdflatex cannot typeset '🙂' (U+1F642)"), proc.stderr
    assert not (tmp_path / "out" / "emoji.pdf").exists()


def test_text_from_files_is_validated_where_it_is_read(tmp_path):
    """Control characters are stripped at load time; the spec keeps clean text (no escaping yet)."""
    from reportgen import pipeline

    toml = write_assignment(tmp_path, "clean", [{**TINY_CNN, "title": "a\u202eb\x00c"}], title="T\u200fx")
    report = pipeline.load(toml)
    assert report.title == "Tx"
    assert report.problems[0].title == "abc"


def test_text_is_never_rendered_as_a_template(tmp_path):
    """Rendering sees user strings only as values: Jinja syntax inside one stays text."""
    from reportgen import pipeline
    from reportgen.settings import Settings

    loop = "((* for x in range(3) *))x((* endfor *))"
    toml = write_assignment(tmp_path, "jinja", [{**TINY_CNN, "title": "((( 7*7 ))) {{ 7*7 }}"}], title=loop)
    report = pipeline.load(toml)
    tex = pipeline.render_tex(report, pipeline.verify(report, pipeline.solve(report)), Settings(out_dir=tmp_path))
    assert "((( 7*7 )))" in tex and r"\{\{ 7*7 \}\}" in tex and loop in tex
    assert "49" not in tex and "xxx" not in tex
