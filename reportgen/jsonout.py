"""Results -> plain JSON for graders (``reportgen solve ID --json``; the format is in README.md).

Dataclasses become objects (fields and properties), arrays nested lists at full precision
(Python's float repr round-trips), fractions ``{"num", "den", "value"}``, SymPy expressions
(derivation steps) their plain-text form with plain symbol names (``\\hat{y}`` -> ``y_hat``).
Nothing here is LaTeX: results hold plain data (a derivation step's reason is plain text, which
the section template typesets); a ``Tex`` value, should one reach a result, is presentation and
is left out. ``SCHEMA`` changes whenever a grader's script would have to.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .printer.tex import Tex

SCHEMA = 2  # 2: derivation reasons and left-hand sides as plain text; smoothed labels y_s (was y^s)

_FONT = re.compile(r"\\(?:mathbf|mathrm|mathit|mathsf|mathcal|boldsymbol|bm|operatorname|text)\{([^{}]*)\}")
_ACCENT = re.compile(r"\\(hat|bar|tilde|dot|vec|check)\{([^{}]*)\}")
_COMMAND = re.compile(r"\\([A-Za-z]+)")


def plain_name(name: str) -> str:
    r"""A symbol name without LaTeX: \mathbf{x} -> x, \hat{y}_{k} -> y_hat_k, \epsilon -> epsilon."""
    name = _FONT.sub(r"\1", name)
    name = _ACCENT.sub(r"\2_\1", name)
    name = _COMMAND.sub(r"\1", name)
    return name.replace("\\", "").replace("{", "").replace("}", "").replace(" ", "")


def solution(report: Any, solved: Sequence[Any]) -> dict[str, Any]:
    """What ``solve --json`` prints: the report id and every problem's computed quantities."""
    return {
        "schema": SCHEMA,
        "report": report.id,
        "title": report.title,
        "problems": [{"number": s.spec.number, "kind": s.spec.kind, "title": s.spec.title, "result": s.result}
                     for s in solved],
    }


def to_jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        for name in dir(type(obj)):
            if not name.startswith("_") and isinstance(getattr(type(obj), name), property):
                out[name] = getattr(obj, name)
        return {k: to_jsonable(v) for k, v in out.items() if not isinstance(v, Tex)}
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer, int)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if np.isfinite(v) else str(v)
    if isinstance(obj, Fraction):
        return {"num": obj.numerator, "den": obj.denominator, "value": float(obj)}
    if isinstance(obj, dict):
        return {_key(k): to_jsonable(v) for k, v in obj.items() if not isinstance(v, Tex)}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj if not isinstance(v, Tex)]
    if isinstance(obj, Path):
        return str(obj)
    if _is_sympy(obj):
        return _sympy_text(obj)
    return obj


def dumps(obj: Any) -> str:
    return json.dumps(to_jsonable(obj), indent=2, sort_keys=False, allow_nan=False)


def _key(k: Any) -> str:
    return _sympy_text(k) if _is_sympy(k) else str(k)


def _is_sympy(obj: Any) -> bool:
    return type(obj).__module__.startswith("sympy") or hasattr(obj, "free_symbols")


def _sympy_text(expr: Any) -> str:
    """SymPy's plain-text form, e.g. "exp(x)/(exp(x) + 1)", with plain symbol names."""
    return _plain_printer().doprint(expr)


@functools.cache
def _plain_printer() -> Any:
    """SymPy is imported here only when a result holds SymPy objects (it is loaded already then)."""
    from sympy.printing.str import StrPrinter

    class PlainPrinter(StrPrinter):
        def _print_Symbol(self, e: Any) -> str:
            return plain_name(e.name)

        _print_MatrixSymbol = _print_Symbol

        def _print_Dummy(self, e: Any) -> str:
            return "_" + plain_name(e.name)

        def _print_Function(self, e: Any) -> str:
            return plain_name(e.func.__name__) + "(" + self.stringify(e.args, ", ") + ")"

    return PlainPrinter()
