"""The kind contract (reportgen/kinds/__init__.py): every registered kind is complete, and
the registry behaves: lazy imports, register/unregister, one clear error for an unknown kind."""

from __future__ import annotations

import re
import subprocess
import sys
import types

import pytest

from reportgen import kinds
from reportgen.cli import main

from . import dot_product
from .conftest import ROOT

BUILTIN = kinds.names()  # collected before any test registers a kind of its own


def files_naming(kind: str, pattern: str) -> list[str]:
    return [p.name for p in ROOT.glob(pattern) if re.search(rf"\b{kind}\b", p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("kind", BUILTIN)
def test_kind_is_complete(kind):
    k = kinds.get(kind)
    assert k.name == kind and k.description and callable(k.parse) and callable(k.solve) and callable(k.verify)
    assert (ROOT / "templates" / "sections" / f"{kind}.tex.j2").is_file()
    # used by a shipped report (each has a golden .tex, tests/golden) or a test data file
    assert files_naming(kind, "assignments/*.toml") + files_naming(kind, "tests/data/*.toml"), kind
    assert all((ROOT / "tests" / "golden" / f"{p.removesuffix('.toml')}.tex").is_file()
               for p in files_naming(kind, "assignments/*.toml"))
    # its own tests (tests/kinds/test_<kind>.py) that use it
    tests = ROOT / "tests" / "kinds" / f"test_{kind}.py"
    assert tests.is_file(), f"no tests/kinds/test_{kind}.py"
    text = tests.read_text(encoding="utf-8")
    assert re.search(r"^def test_", text, re.M) and re.search(rf"\b{kind}\b", text), tests.name


def test_kinds_command_lists_every_kind_with_its_description(capsys):
    assert main(["kinds"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == BUILTIN
    for kind, line in zip(BUILTIN, lines, strict=True):
        assert line.endswith(kinds.get(kind).description)


def test_kinds_are_imported_on_first_use():
    code = ("import sys; from reportgen import kinds; print(kinds.names()[:1]);"
            "print([m for m in sys.modules if m.startswith('reportgen.kinds.')])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[1] == "[]"


def test_register_a_module_and_unregister(tmp_path):
    assert "dot_product" not in kinds.names()
    kinds.register("dot_product", dot_product)
    try:
        assert kinds.get("dot_product") is dot_product
        assert "dot_product" in kinds.names()
    finally:
        kinds.unregister("dot_product")
    with pytest.raises(KeyError):
        kinds.get("dot_product")


def test_register_by_module_path_imports_lazily():
    kinds.register("dot_product", "tests.dot_product")
    try:
        assert kinds.get("dot_product") is dot_product
    finally:
        kinds.unregister("dot_product")


def test_register_refuses_an_incomplete_kind():
    half = types.SimpleNamespace(name="half", description="no verify", parse=len, solve=len)
    with pytest.raises(TypeError, match="'half' lacks verify"):
        kinds.register("half", half)
    with pytest.raises(TypeError, match="registered as 'other' calls itself 'dot_product'"):
        kinds.register("other", dot_product)
    assert "half" not in kinds.names() and "other" not in kinds.names()


def test_unknown_kind_names_the_key_and_the_known_kinds(tmp_path):
    from reportgen import pipeline
    from reportgen.errors import SpecError

    toml = tmp_path / "a.toml"
    toml.write_text((ROOT / "tests" / "data" / "dot-product.toml").read_text())
    with pytest.raises(SpecError) as err:
        pipeline.load(toml)
    assert err.value.key == "problems[0].kind"
    assert "unknown problem kind 'dot_product'; known kinds: " + ", ".join(BUILTIN) in str(err.value)
