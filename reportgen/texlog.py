"""Reading what TeX wrote: the first errors of a log, and logs too large to keep whole."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

MAX_LOG_KEPT = 2 * 2**20  # what is kept of a log: its first and last megabyte

_ERROR_RE = re.compile(r"^(?:(?P<file>[^:\n]+):(?P<line>\d+): |! )(?P<msg>.*)$", re.M)


@dataclass(frozen=True)
class LogError:
    line: int | None  # line of the .tex file, when the log names it
    message: str
    context: str  # the "l.NN ..." line TeX shows, if any


def first_errors(log: str, limit: int = 3) -> list[LogError]:
    """The first ``file:line: message`` (or ``! message``) errors of a TeX log."""
    out = []
    for m in _ERROR_RE.finditer(log):
        if m.group("msg").strip().startswith("==> Fatal error"):
            continue
        after = log[m.end() : m.end() + 600]
        ctx = re.search(r"^l\.(\d+) (.*)$", after, re.M)
        line = int(m.group("line")) if m.group("line") else (int(ctx.group(1)) if ctx else None)
        out.append(LogError(line, m.group("msg").strip(), ctx.group(2).strip() if ctx else ""))
        if len(out) == limit:
            break
    return out


_PAST_BOTTOM_RE = re.compile(r"^Overfull \\vbox \((?P<pt>[\d.]+)pt too high\) has occurred while \\output is active"
                             r".*?\[(?P<page>\d+)", re.M | re.S)


def past_bottom(log: str, tolerance_pt: float = 1.0) -> list[tuple[int, float]]:
    """(page, points) of each page whose content runs past its bottom edge by more than
    ``tolerance_pt``: a display or matrix taller than the page, printed below the bottom margin
    and off the paper (TeX's "Overfull \\vbox ... while \\output is active"; the page number is
    the one TeX ships out next)."""
    return [(int(m.group("page")), float(m.group("pt"))) for m in _PAST_BOTTOM_RE.finditer(log)
            if float(m.group("pt")) > tolerance_pt]


def read_capped(path: Path, limit: int = MAX_LOG_KEPT) -> str:
    """A text file, or its first and last ``limit/2`` bytes when it is larger."""
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size <= limit:
                return f.read(limit).decode("utf-8", "replace")
            head = f.read(limit // 2)
            f.seek(size - limit // 2)
            tail = f.read()
    except OSError:
        return ""
    cut = f"\n[... reportgen kept the first and last {limit // 2:,} bytes; {size - len(head) - len(tail):,} cut ...]\n"
    return head.decode("utf-8", "replace") + cut + tail.decode("utf-8", "replace")


def read_all(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
