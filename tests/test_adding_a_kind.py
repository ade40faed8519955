"""docs/adding-a-kind.md, proven: the toy kind of tests/dot_product.py, registered at run time,
with its template from a test template folder (--templates), builds a PDF showing its answer."""

from __future__ import annotations

import re
import tomllib

import pytest

from reportgen import kinds, printer
from reportgen.cli import main

from . import dot_product
from .conftest import ROOT, pdf_text

TOY_TOML = ROOT / "tests" / "data" / "dot-product.toml"
TOY_TEMPLATES = ROOT / "tests" / "toy_templates"
GUIDE = ROOT / "docs" / "adding-a-kind.md"


@pytest.fixture
def toy_kind():
    kinds.register("dot_product", dot_product)
    yield
    kinds.unregister("dot_product")


@pytest.mark.tex
def test_toy_kind_builds_a_pdf_with_its_answer(toy_kind, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", str(TOY_TOML), "--templates", str(TOY_TEMPLATES), "--out", str(out)]) == 0
    assert "1 checks passed" in capsys.readouterr().out
    data = tomllib.loads(TOY_TOML.read_text())["problems"][0]
    answer = sum(x * y for x, y in zip(data["a"], data["b"], strict=True))
    text = pdf_text(out / "dot-product.pdf")
    assert "Problem 1: Dot product" in text
    assert f"= {printer.num(answer)}" in text


def test_toy_kind_solves_and_verifies(toy_kind, capsys):
    import json

    assert main(["solve", str(TOY_TOML), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)["problems"][0]["result"]
    data = tomllib.loads(TOY_TOML.read_text())["problems"][0]
    assert result["value"] == sum(x * y for x, y in zip(data["a"], data["b"], strict=True))
    assert main(["check", str(TOY_TOML)]) == 0
    assert "a . b" in capsys.readouterr().out  # the kind's check ran


def test_toy_kind_parser_names_the_key(toy_kind, tmp_path):
    from reportgen import pipeline
    from reportgen.errors import SpecError

    bad = tmp_path / "bad.toml"
    bad.write_text(TOY_TOML.read_text().replace("b = [2.0, 0.25, 3.0]", "b = [2.0, 0.25]"))
    with pytest.raises(SpecError, match=r"problems\[0\]\.b: expected shape 3, got 2"):
        pipeline.load(bad)


def test_the_guide_names_files_that_exist():
    """Every repository path the guide mentions (in backquotes) exists, so the guide cannot rot."""
    text = GUIDE.read_text()
    paths = set(re.findall(r"`((?:reportgen|templates|tests|docs|assignments)/[\w./-]+)`", text))
    assert {"tests/dot_product.py", "tests/toy_templates/sections/dot_product.tex.j2",
            "tests/data/dot-product.toml", "tests/test_adding_a_kind.py"} <= paths
    missing = sorted(p for p in paths if "<" not in p and not (ROOT / p).exists())
    assert not missing
