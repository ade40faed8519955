"""The precompiled preamble format and the pass count (reportgen.texformat): the format is built
once and shared, rebuilt when the preamble or TeX changes, never trusted when damaged; PDFs are
byte-identical with and without it; a document runs only the passes it needs."""

import fcntl
import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from reportgen import compile, texformat

from .buildkit import ROOT
from .conftest import pdf_text, shared_dir

EPOCH = 946684800
PREAMBLE = "\\pdftrailerid{}\n\\documentclass{article}\n\\usepackage{xcolor}\n\\usepackage{amsmath}\n"
PLAIN = PREAMBLE + "\\begin{document}\nPlain text, $x^2$, no cross-references.\n\\end{document}\n"
WITH_REF = (PREAMBLE + "\\begin{document}\n\\section{One}\\label{one}\nSee Section~\\ref{one} on "
            "page~\\pageref{one}.\n\\end{document}\n")


@pytest.fixture(autouse=True)
def own_formats(monkeypatch):
    """The tests here watch the formats in their own cache folder, not in the run's shared one
    (REPORTGEN_FORMAT_CACHE, set by tests/conftest.py; first_builds, a session fixture, is set up
    before this one and uses the shared one)."""
    monkeypatch.delenv("REPORTGEN_FORMAT_CACHE", raising=False)


@pytest.fixture
def dumps(monkeypatch):
    """Count the format dumps (the real ones run)."""
    calls: list[str] = []
    real = texformat.dump

    def counting(preamble, folder, run, pdflatex):
        calls.append(preamble)
        return real(preamble, folder, run, pdflatex)

    monkeypatch.setattr(texformat, "dump", counting)
    return calls


@pytest.fixture(scope="module")
def plain_cache(tmp_path_factory):
    """A cache folder after one build of PLAIN (its format, its .aux seed) and that build."""
    cache = tmp_path_factory.mktemp("plain") / "cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("REPORTGEN_FORMAT_CACHE", raising=False)
        compiled = build(PLAIN, cache)
    return cache, compiled


@pytest.fixture
def built_once(plain_cache, tmp_path):
    """A copy of plain_cache in this test's folder (the state after a first build, without
    paying its format dump again): (cache folder, the first build)."""
    cache, compiled = plain_cache
    shutil.copytree(cache, tmp_path / "cache")
    return tmp_path / "cache", compiled


def build(tex: str, cache: Path | None, jobname: str = "doc") -> compile.Compiled:
    return compile.compile_tex(tex, jobname, EPOCH, 60, cache)


def formats(cache: Path) -> list[Path]:
    return sorted((cache / "formats").glob("*.fmt"))


@pytest.mark.tex
def test_format_is_built_once_and_shared(tmp_path, dumps):
    cache = tmp_path / "cache"
    first = build(PLAIN, cache, "first")
    assert first.with_format and len(dumps) == 1
    fmt = formats(cache)
    stamp = fmt[0].stat().st_mtime_ns
    second = build(PLAIN.replace("Plain text", "Other text"), cache, "second")  # same preamble
    assert second.with_format and len(dumps) == 1
    assert formats(cache) == fmt and fmt[0].stat().st_mtime_ns == stamp
    assert "Other text" in pdf_text_of(second, tmp_path)


def pdf_text_of(compiled: compile.Compiled, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(compiled.pdf)
    return pdf_text(path)


@pytest.mark.tex
def test_format_cache_folder_can_be_shared_by_output_folders(tmp_path, dumps, monkeypatch):
    """REPORTGEN_FORMAT_CACHE: builds into different cache folders use one format folder."""
    monkeypatch.setenv("REPORTGEN_FORMAT_CACHE", str(tmp_path / "shared"))
    assert build(PLAIN, tmp_path / "a", "first").with_format
    assert build(PLAIN, tmp_path / "b", "second").with_format
    assert len(dumps) == 1 and formats(tmp_path / "a") == formats(tmp_path / "b") == []
    assert len(list((tmp_path / "shared").glob("*.fmt"))) == 1


@pytest.mark.tex
def test_a_changed_preamble_gets_its_own_format(built_once, dumps):
    cache, _ = built_once
    build(PLAIN.replace("\\usepackage{amsmath}", "\\usepackage{amsmath}\\usepackage{booktabs}"), cache)
    assert len(dumps) == 1 and len(formats(cache)) == 2
    build(PLAIN, cache)  # the first one is still there and still good
    assert len(dumps) == 1


@pytest.mark.tex
def test_a_new_tex_version_rebuilds_the_format(built_once, dumps, monkeypatch):
    cache, _ = built_once
    monkeypatch.setattr(texformat, "tex_version", lambda pdflatex: "pdfTeX 9.99 (a TeX Live update)")
    assert build(PLAIN, cache).with_format
    assert len(dumps) == 1 and len(formats(cache)) == 2


@pytest.mark.tex
@pytest.mark.parametrize("damage", ["truncated", "garbage", "manifest lost", "package updated"])
def test_a_damaged_or_stale_format_is_rebuilt(built_once, dumps, damage):
    cache, good = built_once
    fmt = formats(cache)[0]
    assert build(PLAIN, cache).with_format and not dumps  # the copy is a good cache
    manifest = fmt.with_suffix(".json")
    if damage == "truncated":
        fmt.write_bytes(fmt.read_bytes()[: fmt.stat().st_size // 3])
    elif damage == "garbage":
        fmt.write_bytes(b"\0garbage" * 1000)
    elif damage == "manifest lost":
        manifest.unlink()
    else:  # a file the dump read has another size or date now
        data = json.loads(manifest.read_text())
        data["inputs"][0][2] += 1
        manifest.write_text(json.dumps(data))
    again = build(PLAIN, cache)
    assert len(dumps) == 1, "the damaged format was trusted"
    assert again.with_format and again.pdf == good.pdf
    assert texformat.valid_format(fmt)


@pytest.mark.tex
def test_a_format_pdflatex_cannot_load_is_dropped_and_the_build_succeeds(built_once):
    """Even a format that passes our checks but fails to load (here: garbage with a manifest that
    matches it) costs only a retry without the format."""
    cache, good = built_once
    fmt = formats(cache)[0]
    fmt.write_bytes(b"\0garbage" * 1000)
    manifest = json.loads(fmt.with_suffix(".json").read_text())
    manifest.update(size=fmt.stat().st_size, sha256=texformat._sha256(fmt))
    fmt.with_suffix(".json").write_text(json.dumps(manifest))
    again = build(PLAIN, cache)
    assert not again.with_format and again.pdf == good.pdf
    assert not texformat.valid_format(fmt)  # its manifest is gone: rebuilt next time
    assert build(PLAIN, cache).with_format


@pytest.mark.tex
def test_concurrent_builds_make_one_format(tmp_path, dumps):
    cache = tmp_path / "cache"
    results: dict[int, compile.Compiled] = {}

    def one(i: int) -> None:
        results[i] = build(PLAIN, cache, f"job{i}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(dumps) == 1 and len(formats(cache)) == 1
    assert len({r.pdf for r in results.values()}) == 1 and all(r.with_format for r in results.values())


@pytest.mark.tex
def test_passes(tmp_path):
    """No cross-references: one pass. A \\ref: two passes the first time, one when the .aux of the
    last build is unchanged, and the same bytes either way."""
    cache = tmp_path / "cache"
    assert build(PLAIN, cache, "plain").passes == 1
    cold = build(WITH_REF, cache, "ref")
    assert cold.passes == 2
    assert "See Section 1 on page 1" in pdf_text_of(cold, tmp_path)
    warm = build(WITH_REF, cache, "ref")
    assert warm.passes == 1 and warm.pdf == cold.pdf
    assert build(WITH_REF, None, "ref").passes == 2  # without a cache: as cold as it gets


@pytest.fixture(scope="session")
def first_builds() -> dict[str, dict]:
    """Each shipped report's golden .tex (tests/golden) built once per test run, as a first build:
    a fresh cache folder (no .aux to start from) and the run's shared format of the preamble.
    Shared by the xdist workers like built_reports (tests/conftest.py): {report: {pdf, passes,
    with_format}}, the PDF a path in the run's shared folder."""
    folder = shared_dir() / "golden-first-builds"
    folder.mkdir(exist_ok=True)
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "done.json"
        if not done.exists():
            builds = {}
            for golden in sorted((ROOT / "tests" / "golden").glob("*.tex")):
                compiled = build(golden.read_text(), folder / "cache", golden.stem)
                (folder / f"{golden.stem}.pdf").write_bytes(compiled.pdf)
                builds[golden.stem] = {"pdf": str(folder / f"{golden.stem}.pdf"), "passes": compiled.passes,
                                       "with_format": compiled.with_format}
            done.write_text(json.dumps(builds))
        return json.loads(done.read_text())


@pytest.mark.tex
def test_a_first_build_of_every_shipped_report_is_one_pass(first_builds):
    """The built-in templates use no cross-reference (a figure's number is written without \\ref),
    so a cold build runs pdflatex once per report."""
    assert sorted(first_builds) == sorted(p.stem for p in (ROOT / "tests" / "golden").glob("*.tex"))
    for report, first in first_builds.items():
        assert (report, first["passes"]) == (report, 1)


@pytest.mark.tex
def test_a_stale_aux_that_breaks_the_build_is_dropped(tmp_path):
    cache = tmp_path / "cache"
    build(WITH_REF, cache, "ref")
    texformat.save_seed(cache, "ref", {"ref.aux": b"\\relax\n\\undefinedmacro\n"})
    again = build(WITH_REF, cache, "ref")
    assert "See Section 1 on page 1" in pdf_text_of(again, tmp_path)


@pytest.mark.tex
@pytest.mark.parametrize("report", ["nn-assignment2-2023", "hw3-theory", "ml-hw3-2024spring", "nn-assignment2-2024"])
def test_pdfs_are_identical_with_and_without_the_format(report, first_builds):
    """The real reports (xcolor's colour stack, \\pdftrailerid, hyperref, pgfplots legends), with
    the run's shared format of their preamble (first_builds) and without a format."""
    tex = (ROOT / "tests" / "golden" / f"{report}.tex").read_text()
    assert texformat.END_MARK in tex
    with_format = first_builds[report]
    without = build(tex, None, report)
    assert with_format["with_format"] and not without.with_format
    assert Path(with_format["pdf"]).read_bytes() == without.pdf


def test_split_keeps_line_numbers_and_replays_what_a_dump_loses():
    tex = "\\pdftrailerid{}\n\\documentclass{article}\n\\usepackage{xcolor}\n\\begin{document}\nx\n\\end{document}\n"
    parts = texformat.split(tex)
    assert parts is not None
    assert parts.preamble == "\\pdftrailerid{}\n\\documentclass{article}\n\\usepackage{xcolor}\n"
    body = parts.body.splitlines()
    assert body[0] == "\\pdftrailerid{}\\csname reportgen@prelude\\endcsname"
    assert body[1:3] == ["", ""] and body[3] == "\\begin{document}"
    assert len(body) == len(tex.splitlines())
    marked = tex.replace("\\usepackage{xcolor}\n", "\\usepackage{xcolor}\n" + texformat.END_MARK + "\n\\def\\x{1}\n")
    parts = texformat.split(marked)
    assert parts is not None and "\\def\\x{1}" not in parts.preamble and "\\def\\x{1}" in parts.body


@pytest.mark.parametrize("tex", ["no preamble at all\n", "\\begin{document}x\\end{document}\n",
                                 "\\documentclass{article}\\begin{document}x\\end{document}\n",
                                 "\\documentclass{article}\n\\dump\n\\begin{document}\n"])
def test_split_refuses_documents_without_a_clear_preamble(tex):
    assert texformat.split(tex) is None


def test_rerun_rule():
    aux = "doc.aux"
    inert = b"\\relax \n\\providecommand\\hyper@newdestlabel[2]{}\n\\gdef \\@abspage@last{1}\n"
    labels = inert + b"\\newlabel{a}{{1}{1}}\n\\@writefile{toc}{\\contentsline {section}{1}{1}}\n"
    assert not texformat.needs_rerun({}, {aux: inert}, set(), "doc", log="")
    assert texformat.needs_rerun({}, {aux: inert}, set(), "doc", log=None)  # no first-pass rule: any new .aux
    # labels nobody referenced yet: nothing to do; a reference (undefined in a first pass) reruns
    assert not texformat.needs_rerun({}, {aux: labels}, set(), "doc", log="")
    undefined = "LaTeX Warning: Reference `a' on page 1 undefined on input line 5.\n"
    assert texformat.needs_rerun({}, {aux: labels}, set(), "doc", log=undefined)
    longtable = "Package longtable Warning: Table widths have changed. Rerun LaTeX.\n"
    assert texformat.needs_rerun({}, {aux: inert}, set(), "doc", log=longtable)
    assert texformat.needs_rerun({}, {aux: inert + b"\\gdef \\LT@i {\\LT@entry \n"}, set(), "doc", log="")
    # later passes compare bytes
    assert texformat.needs_rerun({aux: inert}, {aux: inert.replace(b"{1}", b"{2}")}, {aux}, "doc", log="")
    assert not texformat.needs_rerun({aux: b"x"}, {aux: b"x", "doc.toc": b"y"}, {aux}, "doc")  # .toc unread
    assert texformat.needs_rerun({aux: b"x"}, {aux: b"x", "doc.toc": b"y"}, {aux, "doc.toc"}, "doc")
    assert not texformat.needs_rerun({aux: b"x"}, {aux: b"x", "doc.out": b""}, {aux, "doc.out"}, "doc")


@pytest.mark.tex
def test_labels_without_references_need_one_pass(tmp_path):
    tex = PREAMBLE + "\\begin{document}\n\\section{One}\\label{one}\nText.\n\\paragraph{A}B\n\\end{document}\n"
    compiled = build(tex, tmp_path / "cache", "labels")
    assert compiled.passes == 1
    assert build(tex, None, "labels").pdf == compiled.pdf


@pytest.mark.tex
def test_first_pass_of_a_document_with_references_writes_no_pdf(tmp_path, monkeypatch):
    runs: list[list[str]] = []
    real = compile.tex_runner

    def recording(*args):
        run = real(*args)

        def record(argv, cwd):
            runs.append(argv)
            return run(argv, cwd)

        return record

    monkeypatch.setattr(compile, "tex_runner", recording)
    cold = build(WITH_REF, tmp_path / "cache", "ref")
    passes = [a for a in runs if "-ini" not in a]
    assert cold.passes == len(passes) == 2
    assert "-draftmode" in passes[0] and "-draftmode" not in passes[1]
    runs.clear()
    assert build(WITH_REF, tmp_path / "cache", "ref").passes == 1
    assert all("-draftmode" not in a for a in runs)


@pytest.mark.tex
def test_a_preamble_that_cannot_be_dumped_compiles_whole_and_is_not_dumped_again(tmp_path, dumps):
    tex = PLAIN.replace("\\usepackage{amsmath}\n", "\\usepackage{amsmath}\n\\begingroup\n")  # \dump refuses a group
    cache = tmp_path / "cache"
    first = build(tex, cache)
    assert not first.with_format and len(dumps) == 1
    assert "Plain text" in pdf_text_of(first, tmp_path)
    assert not build(tex, cache).with_format and len(dumps) == 1


def test_prune_keeps_the_newest_formats(tmp_path):

    for i in range(5):
        for suffix in (".fmt", ".json", ".lock"):
            (tmp_path / f"k{i}{suffix}").write_text("x")
        os.utime(tmp_path / f"k{i}.fmt", ns=(i * 10**9, i * 10**9))
    texformat.prune(tmp_path, keep=tmp_path / "k0.fmt", limit=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "k0.fmt", "k0.json", "k0.lock", "k3.fmt", "k3.json", "k3.lock", "k4.fmt", "k4.json", "k4.lock"]


@pytest.mark.tex
def test_pgftable_draws_exactly_what_coordinates_draws(tmp_path):
    """The |pgftable filter (faster for pgfplots to read) gives the same PDF bytes as |coords."""
    from reportgen import printer

    points = [[0.0, 1.0], [0.5, 0.25], [1.0, 1e-05], [1.5, -2.5e7]]

    def doc(plot: str) -> str:
        return (PREAMBLE + "\\usepackage{pgfplots}\\pgfplotsset{compat=1.18}\n\\begin{document}\n"
                "\\begin{tikzpicture}\\begin{axis}\\addplot[thick, smooth, mark=*] " + plot +
                ";\\end{axis}\\end{tikzpicture}\n\\end{document}\n")

    cache = tmp_path / "cache"
    table = build(doc(printer.pgftable(points)), cache, "plot")
    listed = build(doc(f"coordinates {{{printer.coords(points)}}}"), cache, "plot")
    assert table.pdf == listed.pdf
