"""User settings: reportgen.toml in the working folder, overridden by command-line flags.

    author = ["Ada Lovelace", "Grace Hopper"]   # or one string; ";" separates names everywhere
    student_id = ["12345678", "87654321"]       # one per author, in the same order
    course = "Machine Learning (WS 2024)"   # replaces the assignment's course line
    date = "21 November 2024"              # replaces the assignment's date
    digits = 4                             # decimals shown for computed values
    templates = "my-templates"             # searched before the built-in templates
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .printer.tex import FormatSettings
from .spec import Table, read_toml
from .text import FormatError, clean_text

SETTINGS_FILE = "reportgen.toml"
TEXT_FIELDS = ("author", "student_id", "course", "date")
LIST_FIELDS = ("author", "student_id")  # several values, separated by ";" on the command line
MAX_PEOPLE = 20


def split_names(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """'A; B' or ['A', 'B'] -> ('A', 'B'): split at semicolons, strip, drop empty entries."""
    items = [value] if isinstance(value, str) else list(value)
    return tuple(name.strip() for item in items for name in str(item).split(";") if name.strip())


@dataclass(frozen=True)
class Person:
    """One author of a report and their student id (either may be empty)."""

    name: str
    student_id: str


@dataclass(frozen=True)
class Settings:
    author: tuple[str, ...] = ()  # a plain string is split at ";"
    student_id: tuple[str, ...] = ()  # one per author, in the same order
    course: str = ""  # empty: the assignment's own
    date: str = ""  # empty: the assignment's own
    digits: int = 4
    templates: tuple[Path, ...] = ()
    out_dir: Path = Path("build")
    force: bool = False
    timeout: float = 180.0
    jobs: int = 1
    source: Path | None = field(default=None, compare=False)  # the settings file read, if any

    def __post_init__(self) -> None:
        for name in LIST_FIELDS:
            object.__setattr__(self, name, split_names(getattr(self, name)))

    @property
    def fmt(self) -> FormatSettings:
        return FormatSettings(digits=self.digits)

    @property
    def people(self) -> tuple[Person, ...]:
        """Authors paired with their student ids, in order."""
        pairs = itertools.zip_longest(self.author, self.student_id, fillvalue="")
        return tuple(Person(name, sid) for name, sid in pairs)

    def with_overrides(self, **changes: Any) -> Settings:
        return checked(replace(self, **{k: v for k, v in changes.items() if v is not None}), "command line")


def checked(s: Settings, where: str) -> Settings:
    """Validate user text early, naming the field (escaping itself happens at output)."""
    from .errors import SpecError

    for name in TEXT_FIELDS:
        values = getattr(s, name)
        if name in LIST_FIELDS and len(values) > MAX_PEOPLE:
            raise SpecError(where, name, f"{len(values)} entries; at most {MAX_PEOPLE} allowed")
        for i, value in enumerate(values if name in LIST_FIELDS else [values]):
            key = f"{name}[{i}]" if name in LIST_FIELDS and len(values) > 1 else name
            try:
                clean_text(value, key)
            except FormatError as exc:
                raise SpecError(where, key, str(exc).split(": ", 1)[1]) from None
    if s.author and s.student_id and len(s.author) != len(s.student_id):
        raise SpecError(where, "student_id", f"{len(s.student_id)} student id(s) for {len(s.author)} author(s); "
                                             "give one per author, in the same order (separated by ';')")
    if not 0 <= s.digits <= 10:
        raise SpecError(where, "digits", f"expected an integer from 0 to 10, got {s.digits}")
    return s


def load(path: Path | None = None) -> Settings:
    """Read ``path`` (or ./reportgen.toml when present); defaults otherwise."""
    if path is None:
        path = Path(SETTINGS_FILE)
        if not path.is_file():
            return Settings()
    t = Table(read_toml(path), path)
    values: dict[str, Any] = {name: t.text(name, "") for name in TEXT_FIELDS if name not in LIST_FIELDS}
    values |= {name: t.texts(name, (), limit=MAX_PEOPLE) for name in LIST_FIELDS}
    values["digits"] = t.integer("digits", 4, lo=0, hi=10)
    tpl = t.text("templates", "")
    values["templates"] = (path.parent / tpl,) if tpl else ()
    t.done()
    return checked(Settings(**values, source=path), str(path))
