"""Plain user text (titles, names, notes) checked before anything typesets it. No LaTeX here:
escaping for TeX is reportgen.printer.escaping; this module only validates and cleans."""

from __future__ import annotations

import unicodedata


class FormatError(ValueError):
    """A value that must never reach a report (nan, inf, bool, text where a number belongs)."""


MAX_TEXT = 2000  # characters; far below TeX's 200,000-byte line buffer

# Control characters, bidi overrides/isolates and other format characters are stripped.
_STRIP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


def clean_text(text: str, field: str = "text") -> str:
    """Validate user text before TeX sees it; returns it with control characters removed.

    Raises FormatError naming ``field`` for text pdflatex cannot typeset with T1 fonts
    (anything beyond Latin-1, such as emoji) or text longer than MAX_TEXT.
    """
    if not isinstance(text, str):
        raise FormatError(f"{field}: expected text, got {type(text).__name__} {text!r}")
    text = "".join(
        " " if ch in "\t\n\r" else ch
        for ch in unicodedata.normalize("NFC", text)
        if ch in "\t\n\r" or unicodedata.category(ch) not in _STRIP_CATEGORIES
    )
    if len(text) > MAX_TEXT:
        raise FormatError(f"{field}: text is {len(text)} characters long; the limit is {MAX_TEXT}")
    bad = sorted({ch for ch in text if ord(ch) > 0xFF})
    if bad:
        shown = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in bad[:5])
        raise FormatError(
            f"{field}: pdflatex cannot typeset {shown}; use Latin-1 characters only"
        )
    return text
