"""reportgen/pipeline.py: the stages load -> solve -> verify -> render -> compile, kept apart.
Uses the toy kind of tests/dot_product.py (no TeX needed: nothing here compiles)."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
import types

import pytest

from reportgen import kinds, pipeline
from reportgen.errors import VerificationError
from reportgen.settings import Settings
from reportgen.verify import Check

from . import dot_product
from .conftest import ROOT

TOY_TOML = ROOT / "tests" / "data" / "dot-product.toml"
TOY_TEMPLATES = ROOT / "tests" / "toy_templates"


def counting_kind(verify=dot_product.verify):
    """dot_product with a verify that counts its calls."""
    calls = []

    def counted(p, r):
        calls.append(p)
        return verify(p, r)

    kind = types.SimpleNamespace(name="dot_product", description=dot_product.description, parse=dot_product.parse,
                                 solve=dot_product.solve, verify=counted)
    return kind, calls


@pytest.fixture
def register():
    def add(kind):
        kinds.register("dot_product", kind)

    yield add
    kinds.unregister("dot_product")


def test_solve_only_solves(register):
    kind, calls = counting_kind()
    register(kind)
    report = pipeline.load(TOY_TOML)
    solved = pipeline.solve(report)
    assert calls == [] and solved[0].checks is None
    assert solved[0].result.value == dot_product.solve(report.problems[0].params).value


def test_verify_attaches_the_checks_and_leaves_solved_alone(register):
    kind, calls = counting_kind()
    register(kind)
    report = pipeline.load(TOY_TOML)
    solved = pipeline.solve(report)
    verified = pipeline.verify(report, solved)
    assert len(calls) == 1 and solved[0].checks is None
    assert verified[0].result is solved[0].result
    assert [c.name for c in verified[0].checks] == ["a . b"] and verified[0].checks[0].passed


def test_failed_checks_are_recorded_by_verify_and_raised_by_require_checks_pass(register):
    def wrong(p, r):
        return [Check("a . b", "a wrong method", 1.0, 1e-12)]

    register(counting_kind(wrong)[0])
    report = pipeline.load(TOY_TOML)
    verified = pipeline.verify(report, pipeline.solve(report))
    assert not verified[0].checks[0].passed
    with pytest.raises(VerificationError, match=r"1 verification check\(s\) failed:\n  problem 1: a \. b"):
        pipeline.require_checks_pass(report, verified)


def test_render_needs_verified_problems(register):
    register(dot_product)
    report = pipeline.load(TOY_TOML)
    solved = pipeline.solve(report)
    with pytest.raises(ValueError, match="needs verified problems"):
        pipeline.render_tex(report, solved, Settings(templates=(TOY_TEMPLATES,)))
    tex = pipeline.render_tex(report, pipeline.verify(report, solved), Settings(templates=(TOY_TEMPLATES,)))
    assert "\\section*{Problem 1: Dot product" in tex


def test_build_verifies_before_it_renders(register, tmp_path, monkeypatch):
    """A failed check stops the build before anything is rendered or compiled."""
    register(counting_kind(lambda p, r: [Check("a . b", "a wrong method", 1.0, 1e-12)])[0])
    stages = []
    monkeypatch.setattr(pipeline, "render_tex", lambda *a, **k: stages.append("render"))
    monkeypatch.setattr(pipeline, "compile_pdf", lambda *a, **k: stages.append("compile"))
    with pytest.raises(VerificationError):
        pipeline.build_report(TOY_TOML, Settings(out_dir=tmp_path))
    assert stages == []


def test_build_runs_the_stages_in_order(register, tmp_path, monkeypatch):
    kind, calls = counting_kind()
    register(kind)
    stages = []
    for stage in ("load", "solve", "verify_cached", "render_tex", "compile_pdf"):
        real = getattr(pipeline, stage)

        def spy(*args, _real=real, _stage=stage, **kwargs):
            stages.append(_stage)
            return _real(*args, **kwargs) if _stage != "compile_pdf" else (tmp_path / "x.pdf", "built")

        monkeypatch.setattr(pipeline, stage, spy)
    outcome = pipeline.build_report(TOY_TOML, Settings(out_dir=tmp_path, templates=(TOY_TEMPLATES,)))
    assert stages == ["load", "solve", "verify_cached", "render_tex", "compile_pdf"]
    assert (outcome.status, outcome.checks, len(calls)) == ("built", 1, 1)


def test_solve_json_does_not_verify(register, capsys):
    from reportgen.cli import main

    def refuse(p, r):
        raise AssertionError("solve --json ran the verification")

    register(counting_kind(refuse)[0])
    assert main(["solve", str(TOY_TOML), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "checks" not in data["problems"][0] and data["problems"][0]["result"]["value"] > 0


def test_the_check_cache_covers_a_plug_in_kinds_source(register, tmp_path, monkeypatch):
    """A kind registered from outside reportgen is part of the cache key: editing it verifies again."""
    source = tmp_path / "mykind.py"
    source.write_text((ROOT / "tests" / "dot_product.py").read_text())
    spec = importlib.util.spec_from_file_location("mykind", source)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "mykind", module)
    spec.loader.exec_module(module)
    register(module)
    report = pipeline.load(TOY_TOML)
    _, key = pipeline.check_cache(report, tmp_path)
    source.write_text(source.read_text() + "\n# edited\n")
    assert pipeline.check_cache(report, tmp_path)[1] != key


def test_solved_template_is_the_kinds_section():
    report = pipeline.load("nn-assignment2-2024")
    solved = pipeline.solve(report)
    assert [s.template for s in solved] == [f"sections/{p.kind}.tex.j2" for p in report.problems]
    assert all(dataclasses.is_dataclass(s.result) for s in solved)


def test_code_fingerprint_covers_every_kind_module(monkeypatch, tmp_path):
    """Verification results are reused only while reportgen's code is unchanged: that code
    includes the modules inside the kind packages (reportgen/kinds/<kind>/*.py)."""
    package = tmp_path / "reportgen"
    nested = package / "kinds" / "toy" / "checks.py"
    nested.parent.mkdir(parents=True)
    (package / "pipeline.py").write_text("# pipeline\n")
    nested.write_text("# checks\n")
    monkeypatch.setattr(pipeline, "__file__", str(package / "pipeline.py"))
    before = pipeline.code_fingerprint()
    nested.write_text("# checks, edited\n")
    assert pipeline.code_fingerprint() != before


def test_make_rebuilds_when_a_kind_module_changes():
    """The Makefile's CODE (what every PDF depends on) lists the modules of every kind package."""
    import subprocess

    out = subprocess.run(["make", "-pnq", "FORCE"], cwd=ROOT, capture_output=True, text=True).stdout
    code = next(line for line in out.splitlines() if line.startswith("CODE :=")).split()
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "reportgen").rglob("*.py")}
    assert modules <= set(code), sorted(modules - set(code))
