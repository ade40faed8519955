"""reportgen/jsonout.py: `solve --json` is plain data for graders (schema, numbers, shapes, plain
names; no LaTeX), at full precision."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pytest
import sympy

from reportgen import jsonout, pipeline
from reportgen.cli import main
from reportgen.printer import Tex

from .conftest import ROOT

LATEX_COMMAND = re.compile(r"\\[A-Za-z]+")


def strings(obj):
    """Every string in a JSON value, keys included."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)
    elif isinstance(obj, str):
        yield obj


@pytest.mark.parametrize("report_id", pipeline.report_ids())
def test_shipped_reports_are_plain_data_with_a_schema(report_id):
    report = pipeline.load(report_id)
    data = json.loads(jsonout.dumps(jsonout.solution(report, pipeline.solve(report))))
    assert (data["schema"], data["report"]) == (jsonout.SCHEMA, report_id)
    assert [p["kind"] for p in data["problems"]] == [p.kind for p in report.problems]
    latex = sorted({s for s in strings(data) if LATEX_COMMAND.search(s)})
    assert not latex, latex[:5]


def test_derivation_reasons_are_plain_text():
    """A step's reason is plain text in the results (the section template typesets it)."""
    report = pipeline.load("hw3-theory")
    data = json.loads(jsonout.dumps(jsonout.solution(report, pipeline.solve(report))))
    relu = data["problems"][0]["result"]["relu"]
    assert [s["why"] for s in relu["steps"]] == ["definition", "slope of x for x > 0, of 0 for x < 0",
                                                 "as an indicator"]


def test_cli_prints_schema_2(capsys):
    assert main(["solve", "nn-assignment2-2024", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["schema", "report", "title", "problems"] and data["schema"] == 2
    assert list(data["problems"][0]) == ["number", "kind", "title", "result"]


def test_readme_documents_the_schema():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## JSON for graders"):]
    for key in ('"schema": 2', '"report"', '"problems"', '"kind"', '"result"'):
        assert key in section, key


@pytest.mark.parametrize(("name", "plain"), [
    (r"\mathbf{x}", "x"),
    (r"\hat{y}", "y_hat"),
    (r"\hat{y}_{k}", "y_hat_k"),
    (r"\epsilon", "epsilon"),
    ("y^{s}", "y^s"),
    (r"\operatorname{softplus}", "softplus"),
    ("W1", "W1"),
])
def test_plain_name(name, plain):
    assert jsonout.plain_name(name) == plain


def test_sympy_expressions_print_with_plain_names():
    x, y = sympy.IndexedBase(r"\mathbf{x}"), sympy.Symbol(r"\hat{y}")
    i = sympy.Symbol("i")
    assert jsonout.to_jsonable(sympy.exp(x[i]) / y) == "exp(x[i])/y_hat"
    assert jsonout.to_jsonable({y: [1, 2]}) == {"y_hat": [1, 2]}


def test_tex_values_are_left_out():
    @dataclass(frozen=True)
    class Step:
        value: float
        why: str

    assert jsonout.to_jsonable(Step(1.0, Tex(r"$\ln u$"))) == {"value": 1.0}
    assert jsonout.to_jsonable([Tex(r"\alpha"), 2]) == [2]
    assert jsonout.to_jsonable(Step(1.0, "plain text")) == {"value": 1.0, "why": "plain text"}


def test_numbers_arrays_and_fractions():
    x = 0.1 + 0.2  # 0.30000000000000004 survives: full precision
    out = json.loads(jsonout.dumps({"a": np.array([[x, 1.0]]), "f": Fraction(1, 6), "n": np.int64(3),
                                    "inf": np.float64("inf"), "ok": np.bool_(True)}))
    assert out == {"a": [[x, 1.0]], "f": {"num": 1, "den": 6, "value": 1 / 6}, "n": 3, "inf": "inf", "ok": True}


def test_properties_are_included():
    @dataclass(frozen=True)
    class R:
        a: np.ndarray

        @property
        def total(self) -> float:
            return float(self.a.sum())

    assert jsonout.to_jsonable(R(np.array([1.0, 2.0]))) == {"a": [1.0, 2.0], "total": 3.0}
