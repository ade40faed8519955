"""Assignment data -> TOML text (the subset assignment files use), so a drawn variant is an
ordinary assignment file: ``tomllib.loads(dumps(data)) == data``.

Tables become ``[headers]``, lists of tables at the top of a table ``[[headers]]``, everything
else inline. Floats use repr (it round-trips); strings use JSON escapes, which TOML shares.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k)


def value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"TOML files here hold finite numbers only, got {v!r}")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _is_tables(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _table(data: dict[str, Any], prefix: str, top: bool) -> list[str]:
    lines = [f"{_key(k)} = {value(v)}" for k, v in data.items()
             if not isinstance(v, dict) and not (top and _is_tables(v))]
    for k, v in data.items():
        name = f"{prefix}.{_key(k)}" if prefix else _key(k)
        if isinstance(v, dict):
            lines += ["", f"[{name}]", *_table(v, name, False)]
        elif top and _is_tables(v):
            for item in v:
                lines += ["", f"[[{name}]]", *_table(item, name, False)]
    return lines


def dumps(data: dict[str, Any]) -> str:
    """``data``'s scalars first, then its tables; arrays of tables only at the top level."""
    return "\n".join(_table(data, "", True)).lstrip("\n") + "\n"
