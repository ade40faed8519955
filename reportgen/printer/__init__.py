"""Everything that becomes LaTeX: numbers, vectors, matrices, fractions, symbols, user text.

    printer.tex       Tex (a string that is already LaTeX), FormatSettings
    printer.numbers   one number style per report (num, eq, frac, ratio, integer)
    printer.matrices  vectors and matrices (wide ones in blocks), shapes, plot coordinates
    printer.escaping  user text -> LaTeX that prints it literally; headings
    printer.style     StylePrinter: one instance per render binds the settings; its bound
                      methods are the template filters (numbers, matrices, text)
    printer.latex     ReportPrinter: StylePrinter and SymPy's LatexPrinter, the house notation
                      for SymPy expressions; a StylePrinter makes one on the first |sym

The functions here take the settings as an argument (for Python callers); ``sym`` and ``shape``
of symbolic sizes go through a default ReportPrinter. SymPy is imported only when a
ReportPrinter is made (``printer.latex``), so plain-number callers do not pay for it.
"""

from __future__ import annotations

from typing import Any

from .escaping import escape, title
from .matrices import coords, mat, pgfnum, pgftable, rowvec
from .numbers import (
    MAX_DENOMINATOR,
    decimals_needed,
    eq,
    frac,
    given_decimals,
    integer,
    is_exact,
    num,
    ratio,
    simple_fraction,
)
from .tex import DEFAULT, FormatError, FormatSettings, Tex

__all__ = ["DEFAULT", "MAX_DENOMINATOR", "FormatError", "FormatSettings", "ReportPrinter", "Tex", "coords",
           "decimals_needed", "default_printer", "eq", "escape", "frac", "given_decimals", "integer", "is_exact",
           "mat", "num", "pgfnum", "pgftable", "ratio", "rowvec", "shape", "simple_fraction", "sym", "title"]


def sym(expr: object, as_written: bool = False, ln: bool = False, kind: str | None = None) -> Tex:
    """A SymPy expression in the house notation (see ReportPrinter.sym), with the plain names of
    ``kind``'s symbols set in its notation (printer.notation)."""
    from .latex import default_printer

    return default_printer().for_kind(kind).sym(expr, as_written, ln)


def shape(dims: object) -> Tex:
    """``(2, 4)`` -> ``\\mathbb{R}^{2 \\times 4}``; SymPy sizes print as symbols (ReportPrinter.shape)."""
    from .latex import default_printer

    return default_printer().shape(dims)


def __getattr__(name: str) -> Any:
    if name in ("ReportPrinter", "default_printer"):
        from . import latex

        return getattr(latex, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
