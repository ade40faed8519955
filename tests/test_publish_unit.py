"""PDF, .tex, .log and stamp are published as one unit: the stamp always describes the PDF
beside it, even with many builds of one report at once (README.md, "How it works")."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from reportgen import __version__, compile, pipeline
from reportgen.settings import Settings

from .buildkit import document_templates, write_assignment
from .conftest import pdf_text


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
    between processes; test_failed_builds.py runs builds in two processes)."""
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
