"""User text -> LaTeX that prints it literally (and copies back out of the PDF literally).
Validation and cleaning of the text itself is reportgen.text."""

from __future__ import annotations

import re

from ..text import clean_text
from .tex import Tex

_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
    # characters that form ligatures or change meaning next to a twin
    "-": "-{}",  # '--' and '---' would become dashes
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "!": "!{}",  # '!`' is an inverted exclamation mark
    ",": ",{}",  # ',,' is a low double quote in T1 fonts
    "?": "?{}",  # '?`' is an inverted question mark
    "`": r"\textasciigrave{}",
    "'": r"\textquotesingle{}",
    '"': r"\textquotedbl{}",
    "|": r"\textbar{}",
    "[": "{[}",  # a leading '[' after a line break would be read as an optional argument
    "]": "{]}",
}
_ESCAPE_RE = re.compile("|".join(re.escape(c) for c in _SPECIALS))


def escape(text: object, field: str = "text") -> Tex:
    """User text -> LaTeX that prints it literally (and copies back out of the PDF literally)."""
    if isinstance(text, Tex):
        return text
    cleaned = clean_text(str(text) if isinstance(text, (int, float)) else text, field)  # type: ignore[arg-type]
    return Tex(_ESCAPE_RE.sub(_escape_one, cleaned))


def _escape_one(m: re.Match[str]) -> str:
    """An apostrophe inside a word (layer's) is typeset curly; every other ' stays straight."""
    s, i = m.string, m.start()
    if m.group(0) == "'" and 0 < i < len(s) - 1 and s[i - 1].isalpha() and s[i + 1].isalpha():
        return "'"
    return _SPECIALS[m.group(0)]


def title(text: object, field: str = "title") -> Tex:
    """A heading: escaped user text, with a tie before a number or an opening parenthesis (no
    'Assignment' / '2' or '(2023)' alone on a line) and a preferred break after a colon."""
    t = re.sub(r" (?=[0-9(])", "~", escape(text, field))  # escaped text has no '~' of its own
    return Tex(t.replace(": ", r":\penalty-10\ "))

