"""reportgen's modules import each other without cycles (read from the source with ast: every
import statement counts, also those inside functions and under TYPE_CHECKING)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reportgen"


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the package's modules it imports. ``from .a import b`` is an edge to ``a.b``
    when that is a module, otherwise to ``a``."""
    files = {module_name(p, package): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = ".".join(here.split(".")[: len(here.split(".")) - node.level + 1])
                    base = f"{parent}.{base}" if base else parent
                targets.update(f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle as [a, b, ..., a], or [] when the graph is acyclic (depth-first search)."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_the_graph_sees_relative_and_local_imports():
    graph = import_graph()
    assert "reportgen.spec" in graph["reportgen.pipeline"]  # from . import spec
    assert "reportgen.jsonout" in graph["reportgen.cli"]  # inside a function
    assert "reportgen.verify.mlp" in graph["reportgen.problems.mlp_gradients"]  # from ..verify.mlp import


def test_reportgen_has_no_import_cycles():
    graph = import_graph()
    assert find_cycle(graph) == []
    # the two cycles this replaced: spec <-> problems, problems.mlp_gradients <-> verify.mlp
    assert "reportgen.problems" not in graph["reportgen.spec"]
    assert not any(m.startswith("reportgen.problems") for m in graph["reportgen.verify.mlp"])


def test_checks_do_not_import_problem_kinds():
    """An independent check takes plain arrays, never the kind's own types."""
    graph = import_graph()
    for module, imports in graph.items():
        if module.startswith("reportgen.verify"):
            assert not {m for m in imports if m.startswith("reportgen.problems")}, module
