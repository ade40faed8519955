"""Kept for code written against the old module (other branches, user scripts): everything moved
to reportgen.printer (numbers, matrices, escaping and the ReportPrinter that owns them) and
plain-text cleaning to reportgen.text. New code imports those; this module can go."""

from __future__ import annotations

from .printer import (  # noqa: F401
    DEFAULT,
    MAX_DENOMINATOR,
    FormatError,
    FormatSettings,
    Tex,
    coords,
    decimals_needed,
    eq,
    escape,
    frac,
    given_decimals,
    integer,
    is_exact,
    mat,
    num,
    pgfnum,
    ratio,
    rowvec,
    shape,
    simple_fraction,
    sym,
    title,
)
from .text import MAX_TEXT, clean_text  # noqa: F401
