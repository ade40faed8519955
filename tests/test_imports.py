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
    checks = graph["reportgen.kinds.mlp_gradients.checks"]
    assert "reportgen.kinds.mlp_gradients.reference" in checks  # from .reference import
    assert "reportgen.verify" in checks  # from ...verify import


def test_reportgen_has_no_import_cycles():
    graph = import_graph()
    assert find_cycle(graph) == []
    # the two cycles this replaced: spec <-> problems, problems.mlp_gradients <-> verify.mlp
    assert "reportgen.kinds" not in graph["reportgen.spec"]
    assert not any(m.startswith("reportgen.kinds") for m in graph["reportgen.kinds.mlp_gradients.reference"])


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module ``start`` imports, directly or through the modules it imports."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def kind_packages(graph: dict[str, set[str]]) -> list[str]:
    return sorted({m.split(".")[2] for m in graph if m.startswith("reportgen.kinds.")})


def test_reachable_follows_imports_of_imports():
    assert reachable({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a"}}, "a") == {"b", "c"}


def test_a_kind_lives_in_one_package():
    """reportgen/kinds/<kind>/: its parser, its solver and its checks side by side, and no other
    problem-kind code anywhere else in reportgen."""
    graph = import_graph()
    assert len(kind_packages(graph)) >= 9
    for kind in kind_packages(graph):
        for part in ("params", "solver", "checks"):
            assert f"reportgen.kinds.{kind}.{part}" in graph, (kind, part)
    assert not [m for m in graph if m.startswith(("reportgen.problems", "reportgen.solvers"))]


def test_checks_do_not_import_problem_kinds():
    """An independent check never reaches the solver it checks: a kind's checks module (and all it
    imports) stays clear of that kind's solver module, of the registry and of other kinds; the
    shared verification helpers (reportgen.verify) import no kind at all."""
    graph = import_graph()
    for kind in kind_packages(graph):
        reach = reachable(graph, f"reportgen.kinds.{kind}.checks")
        assert f"reportgen.kinds.{kind}.solver" not in reach, kind
        assert "reportgen.kinds" not in reach, kind
        others = {m for m in reach if m.startswith("reportgen.kinds.") and m.split(".")[2] != kind}
        assert not others, (kind, others)
    for module in graph:
        if module == "reportgen.verify" or module.startswith("reportgen.verify."):
            assert not {m for m in reachable(graph, module) if m.startswith("reportgen.kinds")}, module
