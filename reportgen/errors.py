"""The few errors reportgen raises on purpose.

Each one carries a message a person can act on: what failed, where, and what to do.
The CLI prints ``error: <message>`` and exits 1; anything else is a bug.
"""

from __future__ import annotations


class ReportError(Exception):
    """Base class: a failure the user can fix (input, template, TeX installation)."""


class SpecError(ReportError):
    """An assignment or settings file is wrong: names the file, the key path, the expectation."""

    def __init__(self, file: object, key: str, message: str) -> None:
        self.file, self.key, self.detail = str(file), key, message
        where = f"{self.file}: {key}" if key else self.file
        super().__init__(f"{where}: {message}")


class TemplateError(ReportError):
    """A template is missing or broken, or tried to print an unformatted value."""


class LatexError(ReportError):
    """latexmk/pdflatex failed: carries the first error lines and where the full log is."""


class VerificationError(ReportError):
    """An independent cross-check disagreed with a solver result."""


class OutputError(ReportError):
    """The output folder cannot be written (read-only, full, not a folder): names the path."""
