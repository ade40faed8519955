"""User settings: reportgen.toml in the working folder, overridden by command-line flags.

    author = "Ada Lovelace"
    student_id = "12345678"
    course = "Machine Learning (WS 2024)"   # replaces the assignment's course line
    date = "21 November 2024"              # replaces the assignment's date
    digits = 4                             # decimals shown for computed values
    templates = "my-templates"             # searched before the built-in templates
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .latexfmt import FormatError, FormatSettings, clean_text
from .spec import Table, read_toml

SETTINGS_FILE = "reportgen.toml"
TEXT_FIELDS = ("author", "student_id", "course", "date")


@dataclass(frozen=True)
class Settings:
    author: str = ""
    student_id: str = ""
    course: str = ""  # empty: the assignment's own
    date: str = ""  # empty: the assignment's own
    digits: int = 4
    templates: tuple[Path, ...] = ()
    out_dir: Path = Path("build")
    force: bool = False
    timeout: float = 180.0
    jobs: int = 1
    source: Path | None = field(default=None, compare=False)  # the settings file read, if any

    @property
    def fmt(self) -> FormatSettings:
        return FormatSettings(digits=self.digits)

    def with_overrides(self, **changes: Any) -> Settings:
        return checked(replace(self, **{k: v for k, v in changes.items() if v is not None}), "command line")


def checked(s: Settings, where: str) -> Settings:
    """Validate user text early, naming the field (escaping itself happens at output)."""
    from .errors import SpecError

    for name in TEXT_FIELDS:
        try:
            clean_text(getattr(s, name), name)
        except FormatError as exc:
            raise SpecError(where, name, str(exc).split(": ", 1)[1]) from None
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
    values: dict[str, Any] = {name: t.text(name, "") for name in TEXT_FIELDS}
    values["digits"] = t.integer("digits", 4, lo=0, hi=10)
    tpl = t.text("templates", "")
    values["templates"] = (path.parent / tpl,) if tpl else ()
    t.done()
    return checked(Settings(**values, source=path), str(path))
