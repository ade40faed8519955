"""Assignment files (TOML) -> frozen, checked objects. Every error names file and key path.

An assignment file has one ``[report]`` table and one ``[[problems]]`` table per problem::

    [report]
    id = "nn-assignment2-2024"
    title = "Machine Learning Assignment 2: Neural Networks"
    course = "Machine Learning"
    date = "2024-11-21"

    [[problems]]
    kind = "mlp_gradients"      # which kind: parser, solver, checks, section template (reportgen.kinds)
    title = "Calculating Gradients"
    points = 20
    ...                         # the kind's own keys: matrices, vectors, options

Numbers are checked before numpy sees them: ``np.asarray`` would quietly turn ``true`` into
1.0, so types, rectangular shape, finiteness and size are validated here first.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import stat
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SpecError
from .text import FormatError, clean_text

MAX_ELEMENTS = 10_000  # per matrix; assignments are hand-sized
MAX_TEXT = 500
_MISSING: Any = object()
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _type_name(v: object) -> str:
    if isinstance(v, (datetime.date, datetime.time)):  # datetime.datetime is a date
        return "a TOML date/time (put it in quotes to make it text)"
    return {bool: "a boolean", str: "a string", int: "an integer", float: "a number", list: "an array",
            dict: "a table"}.get(type(v), type(v).__name__)


def _show(v: object, limit: int = 60) -> str:
    """repr(v) cut to ``limit`` characters: an error message must not echo a whole file."""
    text = repr(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Table:
    """A TOML table with its file and key path; reads keys with type checks, tracks unknown keys."""

    def __init__(self, data: dict[str, Any], file: Path | str, path: str = "") -> None:
        self.data, self.file, self.path = data, file, path
        self._used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, message: str) -> SpecError:
        return SpecError(self.file, self.key(name), message)

    def has(self, name: str) -> bool:
        return name in self.data

    def _get(self, name: str, default: Any) -> Any:
        self._used.add(name)
        if name not in self.data:
            if default is _MISSING:
                raise self.error(name, "missing; add this key")
            return default
        return self.data[name]

    def text(self, name: str, default: Any = _MISSING, pattern: re.Pattern[str] | None = None) -> str:
        v = self._get(name, default)
        if v is default and default is not _MISSING:
            return v
        if not isinstance(v, str):
            raise self.error(name, f"expected a string, got {_type_name(v)} ({_show(v)})")
        if len(v) > MAX_TEXT:
            raise self.error(name, f"text is {len(v)} characters long; at most {MAX_TEXT} allowed")
        try:
            v = clean_text(v, self.key(name))  # control characters out; emoji etc. refused here, by key
        except FormatError as exc:
            raise self.error(name, str(exc).split(": ", 1)[1]) from None
        if pattern is not None and not pattern.match(v):
            raise self.error(name, f"{_show(v)} does not match {pattern.pattern}")
        return v

    def texts(self, name: str, default: Any = _MISSING, limit: int = 20) -> tuple[str, ...]:
        """A string or an array of at most ``limit`` strings, as a tuple."""
        v = self._get(name, default)
        if v is default and default is not _MISSING:
            return tuple(v)
        if isinstance(v, str):
            return (self.text(name),)
        if not isinstance(v, list):
            raise self.error(name, f"expected a string or an array of strings, got {_type_name(v)} ({_show(v)})")
        if len(v) > limit:
            raise self.error(name, f"{len(v)} entries; at most {limit} allowed")
        return tuple(Table({f"{name}[{i}]": x}, self.file, self.path).text(f"{name}[{i}]") for i, x in enumerate(v))

    def choice(self, name: str, options: Sequence[str], default: Any = _MISSING) -> str:
        v = self.text(name, default)
        if v not in options:
            raise self.error(name, f"expected one of {', '.join(map(repr, options))}, got {_show(v)}")
        return v

    def boolean(self, name: str, default: Any = _MISSING) -> bool:
        v = self._get(name, default)
        if not isinstance(v, bool):
            raise self.error(name, f"expected true or false, got {_type_name(v)} ({_show(v)})")
        return v

    def integer(self, name: str, default: Any = _MISSING, lo: int | None = None, hi: int | None = None) -> int:
        v = self._get(name, default)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.error(name, f"expected an integer, got {_type_name(v)} ({_show(v)})")
        if not -(2**63) <= v < 2**63:
            raise self.error(name, f"integer {_show(v)} does not fit in 64 bits")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise self.error(name, f"expected an integer in [{lo}, {hi}], got {_show(v)}")
        return v

    def real(self, name: str, default: Any = _MISSING, positive: bool = False) -> float:
        v = self._get(name, default)
        _check_number(v, self, name)
        if positive and v <= 0:
            raise self.error(name, f"expected a positive number, got {_show(v)}")
        return float(v)

    def array(self, name: str, shape: Sequence[int | None], default: Any = _MISSING) -> np.ndarray:
        """A numeric array whose shape matches ``shape`` (None = any length, () = a scalar)."""
        v = self._get(name, default)
        if v is default and default is not _MISSING:
            return v
        arr = _to_array(v, self, name, len(shape))
        want = "x".join("n" if s is None else str(s) for s in shape) or "scalar"
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape, strict=False)):
            got = "x".join(map(str, arr.shape)) or "scalar"
            raise self.error(name, f"expected shape {want}, got {got}")
        return arr

    def table(self, name: str, default: Any = _MISSING) -> Table:
        v = self._get(name, default)
        if v is default and default is not _MISSING:
            return Table({}, self.file, self.key(name))
        if not isinstance(v, dict):
            raise self.error(name, f"expected a table, got {_type_name(v)}")
        return Table(v, self.file, self.key(name))

    def tables(self, name: str) -> list[Table]:
        v = self._get(name, _MISSING)
        if not isinstance(v, list) or not v or not all(isinstance(t, dict) for t in v):
            raise self.error(name, f"expected one or more [[{name}]] tables")
        return [Table(t, self.file, f"{self.key(name)}[{i}]") for i, t in enumerate(v)]

    def done(self) -> None:
        """Refuse keys nobody read: a typo must not be silently ignored."""
        unknown = sorted(set(self.data) - self._used)
        if unknown:
            known = ", ".join(sorted(self._used)) or "none"
            raise self.error(unknown[0], f"unknown key (known keys here: {known})")


def _check_number(v: object, t: Table, key: str) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise t.error(key, f"expected a number, got {_type_name(v)} ({_show(v)})")
    if isinstance(v, int) and abs(v) > 2**53:
        raise t.error(key, f"integer {v} is too large to compute with exactly (limit 2**53)")
    if isinstance(v, float) and not math.isfinite(v):
        raise t.error(key, f"expected a finite number, got {_show(v)}")


def _to_array(v: object, t: Table, key: str, ndim: int) -> np.ndarray:
    """Nested lists of numbers -> float array, checking every element's type and raggedness."""

    def walk(x: object, where: str, depth: int) -> Iterator[float]:
        if depth == ndim:
            _check_number(x, t, key + where)
            yield float(x)  # type: ignore[arg-type]
            return
        if not isinstance(x, list):
            kind = "a matrix (array of arrays)" if ndim - depth == 2 else "an array of numbers"
            raise t.error(key + where, f"expected {kind}, got {_type_name(x)} ({_show(x)})")
        if not x:
            raise t.error(key + where, "is empty")
        for i, item in enumerate(x):
            yield from walk(item, f"{where}[{i}]", depth + 1)

    values = list(walk(v, "", 0))
    if len(values) > MAX_ELEMENTS:
        raise t.error(key, f"has {len(values)} numbers; at most {MAX_ELEMENTS} allowed")
    if ndim == 2:
        lengths = [len(row) for row in v]  # type: ignore[union-attr]
        if len(set(lengths)) > 1:
            bad = next(i for i, n in enumerate(lengths) if n != lengths[0])
            raise t.error(f"{key}[{bad}]",
                          f"ragged matrix: row 0 has {lengths[0]} entries, row {bad} has {lengths[bad]}")
    arr = np.array(values, dtype=float)
    if ndim == 2:
        arr = arr.reshape(len(v), -1)  # type: ignore[arg-type]
    elif ndim == 0:
        arr = arr.reshape(())
    return arr


@dataclass(frozen=True)
class ProblemSpec:
    number: int
    kind: str
    title: str
    points: int | None
    params: Any  # the kind's own frozen dataclass


@dataclass(frozen=True)
class ReportSpec:
    id: str
    title: str
    course: str
    date: str
    label: str  # what the assignment calls a problem: "Problem", "Question"
    path: Path
    problems: tuple[ProblemSpec, ...]
    page_per_problem: bool = False  # each problem starts a page (Gradescope matches pages to questions)


MAX_FILE_BYTES = 1_000_000  # an assignment or settings file; the largest shipped one is under 10 kB
MAX_NESTING = 32  # arrays and inline tables inside each other (a matrix is 2)
_TOML_TOKEN = re.compile("|".join((
    r'"""(?:[^\\]|\\.)*?"""',  # multi-line basic string
    r"'''.*?'''",  # multi-line literal string
    r'"(?:[^"\\\n]|\\.)*"',  # basic string
    r"'[^'\n]*'",  # literal string
    r"#[^\n]*",  # comment
    r"[\[\]{}]",
)), re.S)


def read_text_file(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A regular file of at most ``limit`` bytes, as UTF-8. Opened without blocking and checked
    on the open file: a FIFO (would hang), /dev/zero behind a symlink (endless) or a huge file is
    refused before any of it is read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise SpecError(path, "", "file not found") from None
    except OSError as exc:
        raise SpecError(path, "", f"cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SpecError(path, "", "not a regular file (a folder, device, pipe or socket); give a .toml file")
        if st.st_size > limit:
            raise SpecError(path, "", f"file is {st.st_size:,} bytes; at most {limit:,} allowed")
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise SpecError(path, "", f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise SpecError(path, "", f"file is larger than {limit:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(path, "", f"cannot read: {exc}") from None


def nesting_depth(text: str) -> int:
    """How deeply arrays and inline tables nest (brackets inside strings and comments don't count)."""
    depth = deepest = 0
    for m in _TOML_TOKEN.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth = max(depth - 1, 0)
    return deepest


def read_toml(path: Path) -> dict[str, Any]:
    text = read_text_file(path)
    if nesting_depth(text) > MAX_NESTING:
        raise SpecError(path, "", f"arrays or tables nest more than {MAX_NESTING} deep")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(path, "", f"invalid TOML: {exc}") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise SpecError(path, "", f"invalid TOML: {str(exc).split(';')[0]}") from None
    except RecursionError:
        raise SpecError(path, "", "invalid TOML: nested too deeply") from None


def load(path: Path, parse_problem: Callable[[str, Table], Any]) -> ReportSpec:
    """Read and check one assignment file. ``parse_problem(kind, table)`` reads each problem's
    own keys (the pipeline passes reportgen.kinds.parse: spec knows no kinds)."""
    root = Table(read_toml(path), path)
    rep = root.table("report")
    report_id = rep.text("id", pattern=ID_RE)
    title, course = rep.text("title"), rep.text("course", "")
    date = rep.text("date", "")
    label = rep.choice("label", ("Problem", "Question", "Exercise", "Task"), "Problem")
    page_per_problem = rep.boolean("page_per_problem", False)
    rep.done()
    problems = []
    for number, t in enumerate(root.tables("problems"), start=1):
        kind = t.text("kind")
        ptitle = t.text("title")
        points = t.integer("points", None, lo=0, hi=1000) if t.has("points") else None
        params = parse_problem(kind, t)
        if t.has("variants"):  # per-student variant ranges, read by reportgen.variants
            t.table("variants")
        t.done()
        problems.append(ProblemSpec(number, kind, ptitle, points, params))
    root.done()
    return ReportSpec(report_id, title, course, date, label, path, tuple(problems), page_per_problem)
