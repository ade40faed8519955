"""Real PDFs: every shipped report builds; its text carries the computed results."""

import os
from pathlib import Path

import pytest

from reportgen import pipeline
from reportgen.settings import Settings

from .conftest import ROOT, pdf_text, verified

GOLDEN = ROOT / "tests" / "golden"


@pytest.mark.tex
def test_every_report_builds(built_reports):
    assert set(built_reports) == set(pipeline.report_ids())
    for pdf in built_reports.values():
        assert pdf.read_bytes().startswith(b"%PDF-")


@pytest.mark.tex
def test_nn2024_pdf_text_has_loss_and_gradients(built_reports):
    text = pdf_text(built_reports["nn-assignment2-2024"])
    mlp = next(s.result for s in pipeline.solve(pipeline.load("nn-assignment2-2024")) if s.spec.kind == "mlp_gradients")
    for needle in ["Test Author", "Student ID: 0000", "Problem 1: Calculating Gradients",
                   "1.0185",  # the loss
                   "0.1310", "-0.2358", "-0.0524", "0.2096", "-0.2544", "-0.3180", "0.0318", "-0.0954",  # dL/dW1
                   "-0.262", "-0.318",  # dL/db1
                   "-1.2445", "-0.2385",  # dL/dw2
                   "-2.04",  # dL/db2
                   "123", "579",  # multiplication counts
                   "24 352"]:  # CNN parameters (thin space)
        assert needle in text, needle
    assert mlp.loss == pytest.approx(1.0185)


@pytest.mark.tex
def test_unchanged_report_is_not_recompiled(tmp_path):
    settings = Settings(out_dir=tmp_path)
    first = pipeline.build_report("nn-assignment2-2024", settings)
    mtime = first.pdf.stat().st_mtime_ns
    second = pipeline.build_report("nn-assignment2-2024", settings)
    assert (first.status, second.status) == ("built", "up to date")
    assert second.pdf.stat().st_mtime_ns == mtime
    third = pipeline.build_report("nn-assignment2-2024", Settings(out_dir=tmp_path, author="Someone Else"))
    assert third.status == "built"  # a changed setting changes the .tex, so it rebuilds


@pytest.mark.parametrize("report_id", pipeline.report_ids())
def test_golden_tex(report_id, monkeypatch):
    """The generated .tex, byte for byte. Regenerate after an intended change with
    REPORTGEN_UPDATE_GOLDEN=1 python -m pytest tests/test_build.py -k golden"""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the date of a report that has none
    report, solved = verified(report_id)
    tex = pipeline.render_tex(report, solved, Settings(author="Golden Author", student_id="42"))
    path = GOLDEN / f"{report_id}.tex"
    if os.environ.get("REPORTGEN_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(tex)
    assert path.exists(), f"no golden file {path}; create it with REPORTGEN_UPDATE_GOLDEN=1"
    assert tex == Path(path).read_text()


def test_tex_does_not_depend_on_hash_seed(monkeypatch):
    """Set and dict order must not leak into the .tex (it once did through a description of
    derivation instances): a process with another hash seed solves, verifies and renders every
    report to the same bytes as this one."""
    import subprocess
    import sys

    code = ("from reportgen import pipeline; from reportgen.settings import Settings\n"
            "for rid in pipeline.report_ids():\n"
            "    r = pipeline.load(rid); v = pipeline.verify(r, pipeline.solve(r))\n"
            "    print(pipeline.render_tex(r, v, Settings()), end='')")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the date shown on a report without one
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"  # this process: random or another
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout
    here = "".join(pipeline.render_tex(*verified(rid), Settings()) for rid in pipeline.report_ids())
    assert len(here) > 10000 and other == here


def build_checks(name, settings):
    report = pipeline.load(name)
    return pipeline.verify_cached(report, pipeline.solve(report), settings)


def test_verification_is_reused_only_for_identical_inputs(tmp_path, monkeypatch):
    """The second build of unchanged data and code reuses the checks; a data change, a code
    change or --force verifies afresh."""
    from reportgen.kinds import gd_step_size

    toml = tmp_path / "gd.toml"
    toml.write_text('[report]\nid = "gd"\ntitle = "GD"\n[[problems]]\nkind = "gd_step_size"\ntitle = "t"\n'
                    'A = [[5]]\nstart = [1.0]\n')
    report = pipeline.load(str(toml))
    settings = Settings(out_dir=tmp_path / "out")
    first = pipeline.verify_cached(report, pipeline.solve(report), settings)
    assert (tmp_path / "out" / ".cache" / "gd.checks.json").is_file()

    def no_verify(*args):
        raise AssertionError("verification ran although inputs and code are unchanged")

    monkeypatch.setattr(gd_step_size, "verify", no_verify)
    again = pipeline.verify_cached(report, pipeline.solve(report), settings)
    assert [s.checks for s in again] == [s.checks for s in first]
    with pytest.raises(AssertionError, match="verification ran"):
        pipeline.verify_cached(report, pipeline.solve(report), Settings(out_dir=tmp_path / "out", force=True))
    toml.write_text(toml.read_text().replace("[[5]]", "[[6]]"))
    with pytest.raises(AssertionError, match="verification ran"):
        build_checks(str(toml), settings)
    monkeypatch.setattr(pipeline, "code_fingerprint", lambda: "other code")
    toml.write_text(toml.read_text().replace("[[6]]", "[[5]]"))
    with pytest.raises(AssertionError, match="verification ran"):
        build_checks(str(toml), settings)
