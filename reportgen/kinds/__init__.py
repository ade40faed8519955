"""Problem kinds: the contract every kind meets (``Kind``) and the one registry of kinds.

A built-in kind is a package of this package, ``reportgen/kinds/<name>/``, whose ``__init__`` has
``name``, ``description`` and three functions (from its modules ``params``, ``solver`` and
``checks``); its section template is ``templates/sections/<name>.tex.j2``::

    parse(table) -> Params              read and check the kind's keys (reportgen.spec.Table)
    solve(params) -> Result             compute every reported quantity (frozen dataclasses)
    verify(params, result) -> [Check]   recompute them by independent methods

The registry maps a kind's name to the module that holds it, imported on first use, so a report
that needs no SymPy never imports it. ``register`` adds a kind from elsewhere (a plug-in or a
test): a module path, a module, or any object with the attributes above.
See docs/adding-a-kind.md.
"""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..spec import Table
    from ..verify import Check


class Kind(Protocol):
    name: str  # as written in assignment files: kind = "<name>"
    description: str  # one line, shown by `reportgen kinds`

    def parse(self, t: Table) -> Any: ...

    def solve(self, params: Any) -> Any: ...

    def verify(self, params: Any, result: Any) -> list[Check]: ...


_REGISTRY: dict[str, str | Kind] = {
    name: f"{__name__}.{name}"
    for name in ("mlp_gradients", "gd_step_size", "cnn_design", "softmax_ce_gradient", "smoothed_ce_derivation",
                 "smoothed_ce_step", "activation_calculus", "sine_mlp_theory", "conv_arithmetic")
}


def register(name: str, kind: str | ModuleType | Kind) -> None:
    """Make ``kind`` available as ``kind = "<name>"`` in assignment files. A string is a module
    path imported on first use; a module or object is checked against ``Kind`` now."""
    if not isinstance(kind, str):
        _check(name, kind)
    _REGISTRY[name] = kind


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def names() -> list[str]:
    return sorted(_REGISTRY)


def get(name: str) -> Kind:
    """The kind called ``name`` (KeyError if none), importing its module on first use."""
    entry = _REGISTRY[name]
    if isinstance(entry, str):
        entry = _check(name, importlib.import_module(entry))
        _REGISTRY[name] = entry
    return entry


def source_file(name: str) -> str | None:
    """The file holding kind ``name``'s code (a module, or the module defining an object's class)."""
    kind = get(name)
    try:
        return inspect.getfile(kind if isinstance(kind, ModuleType) else type(kind))
    except TypeError:  # built-in
        return None


def parse(kind: str, t: Table) -> Any:
    """The parameters of one [[problems]] table of kind ``kind``; an unknown kind is a SpecError
    naming the key (reportgen.spec.load calls this through the pipeline)."""
    if kind not in _REGISTRY:
        raise t.error("kind", f"unknown problem kind {kind!r}; known kinds: {', '.join(names())}")
    return get(kind).parse(t)


def _check(name: str, kind: Any) -> Kind:
    missing = [a for a in ("name", "description", "parse", "solve", "verify") if not hasattr(kind, a)]
    if missing:
        raise TypeError(f"problem kind {name!r} lacks {', '.join(missing)} (see reportgen.kinds.Kind)")
    if kind.name != name:
        raise TypeError(f"problem kind registered as {name!r} calls itself {kind.name!r}")
    return kind
