"""Vectors, matrices, shapes and plot coordinates -> LaTeX (numbers through printer.numbers)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .numbers import _given, _integral, _real, given_decimals, integer, num
from .tex import DEFAULT, FormatError, FormatSettings, Tex


def _as_2d(a: object) -> np.ndarray:
    if isinstance(a, (str, bytes)):
        raise FormatError(f"expected an array, got text {a!r}")
    arr = np.asarray(a)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise FormatError(f"expected a numeric array, got dtype {arr.dtype}")
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.size == 0:
        raise FormatError(f"expected a non-empty vector or matrix, got shape {arr.shape}")
    return arr


def mat(a: object, s: FormatSettings = DEFAULT, given: bool = False, rows: str | None = None) -> Tex:
    """A matrix (1-D input is a column vector). Computed entries get ``s.digits`` decimals and
    integer values print as integers; given entries print each as given (``-1.0`` beside ``0.25``;
    a matrix of integers as integers). ``rows`` ("gather" or "align"): a wide matrix's blocks are
    rows of the enclosing gather* or align* (see :func:`_matrix_tex`), so the display can break
    between them."""
    arr = _as_2d(a)
    if arr.dtype.kind in "iu":
        cells = [[integer(v) for v in row] for row in arr.tolist()]
    elif given:
        values = [_real(v) for v in arr.ravel()]
        whole = all(_integral(v, s) is not None for v in values)  # integers print as integers
        cells = [[Tex(_given(float(v), s, None if whole else max(given_decimals(float(v)), 1))) for v in row]
                 for row in arr]
    else:
        cells = [[num(float(v), s) for v in row] for row in arr]
    return _matrix_tex(cells, s.matrix_env, rows)


WIDE_PT = 240.0  # a matrix wider than this (estimated, in pt at text size) or of over 10 columns is set small
BLOCK_PT = 150.0  # the width of one block of a small matrix (a row vector: half, it often shares its line)
# How a wide matrix's blocks follow each other: inside one unbreakable ``gathered`` (None), or as
# rows of the enclosing display: gather* rows, or align* rows continued after the alignment point.
ROW_JOINS = {None: r" \\[3pt] ", "gather": r" \\[3pt] ", "align": r" \\[3pt] &\quad "}


def _matrix_tex(cells: list[list[str]], env: str, rows: str | None = None) -> Tex:
    """A matrix as ``env``; a wide one (any number of columns) in script size, its columns in
    blocks one under the other, joined by an open bracket and dots: it fits beside its formula.
    The blocks sit in one ``gathered``, or with ``rows`` each on a row of its own (ROW_JOINS).
    With ``rows``, a matrix of more than TALL_ROWS rows is set in bands of rows, each its own
    display row, its bracket left open where it is cut and ``\\vdots`` before each band after the
    first, so the bands read as one matrix continued from line to line."""
    if rows not in ROW_JOINS:
        raise FormatError(f"rows must be 'gather' or 'align', got {rows!r}")
    if not rows or len(cells) <= TALL_ROWS:
        return Tex(_band(cells, env, rows, True, True))
    bands = [cells[a:a + TALL_ROWS] for a in range(0, len(cells), TALL_ROWS)]
    return Tex(ROW_JOINS[rows].join((r"\vdots\ " if i else "") + _band(band, env, rows, i == 0, i == len(bands) - 1)
                                    for i, band in enumerate(bands)))


TALL_ROWS = 16  # with ``rows``, a matrix of more rows is set in bands of this many, one per display row


def _band(cells: list[list[str]], env: str, rows: str | None, first: bool, last: bool) -> str:
    """Rows of a matrix (all of them when ``first`` and ``last``); its opening bracket only if
    ``first``, its closing bracket only if ``last``."""
    left, right = ("[", "]") if env == "bmatrix" else ("(", ")")
    opening, closing = rf"\left{left if first else '.'}", rf"\right{right if last else '.'}"
    chars = [max(len(re.sub(r"\\[a-zA-Z]+|[{}^_ ]", "", c)) for c in col) for col in zip(*cells, strict=True)]
    if len(chars) <= 10 and sum(5.5 * w + 10 for w in chars) <= WIDE_PT:  # 10: amsmath's own default
        body = r" \\ ".join(" & ".join(row) for row in cells)
        if first and last:
            return rf"\begin{{{env}}} {body} \end{{{env}}}"
        return rf"{opening}\begin{{matrix}} {body} \end{{matrix}}{closing}"
    blocks = _blocks(chars, BLOCK_PT if len(cells) > 1 else BLOCK_PT / 2)
    lines = []
    for i, (a, b) in enumerate(blocks):
        body = r" \\ ".join(" & ".join(row[a:b]) for row in cells)
        start = opening if i == 0 else r"\cdots\left."
        end = closing if i == len(blocks) - 1 else r"\right.\cdots"
        lines.append(rf"{start}\begin{{smallmatrix}} {body} \end{{smallmatrix}}{end}")
    joined = ROW_JOINS[rows].join(lines)
    return joined if len(lines) == 1 or rows else r"\begin{gathered} " + joined + r" \end{gathered}"


def _blocks(chars: list[int], width_pt: float) -> list[tuple[int, int]]:
    """Column ranges [a, b) of at most ``width_pt`` each (estimated from characters per column)."""
    blocks, start, width = [], 0, 0.0
    for j, w in enumerate(chars):
        if j > start and width + 4 * w + 3 > width_pt:
            blocks.append((start, j))
            start, width = j, 0.0
        width += 4 * w + 3
    blocks.append((start, len(chars)))
    return blocks


def rowvec(a: object, s: FormatSettings = DEFAULT, given: bool = False, rows: str | None = None) -> Tex:
    """A 1-D array as a row vector."""
    return mat(np.asarray(a).reshape(1, -1), s, given, rows)


def shape(dims: object, symbolic: Callable[[Any], str] | None = None) -> Tex:
    """``(2, 4)`` -> ``\\mathbb{R}^{2 \\times 4}``; ``(3,)`` -> ``\\mathbb{R}^{3}``; ``()`` -> ``\\mathbb{R}``;
    SymPy sizes print as symbols through ``symbolic`` (the printer's ``sym``): ``(n, q)`` ->
    ``\\mathbb{R}^{n \\times q}``."""

    def one(d: object) -> str:  # an integer, or a SymPy size symbol such as n
        if type(d).__module__.startswith("sympy") and not getattr(d, "is_Integer", False):
            if symbolic is None:
                raise FormatError(f"a symbolic size {d} needs the report printer (ReportPrinter.shape)")
            return symbolic(d)
        return str(int(d))  # type: ignore[call-overload]

    dims = tuple(one(d) for d in dims)  # type: ignore[union-attr]
    if not dims:
        return Tex(r"\mathbb{R}")
    return Tex(r"\mathbb{R}^{" + r" \times ".join(dims) + "}")


def _pgf_points(points: object, sig: int) -> list[tuple[str, str]]:
    """Rows (x, y) as pgfplots reads numbers: plain decimal or e-notation, every value finite."""
    arr = np.asarray(points, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise FormatError(f"expected an (n, 2) array of points, got shape {arr.shape}")
    for v in arr.ravel():
        _real(float(v))

    def one(v: float) -> str:
        return "0" if abs(v) < 1e-300 else f"{v:.{sig}g}"

    return [(one(x), one(y)) for x, y in arr]


def coords(points: object, sig: int = 6) -> Tex:
    """Rows (x, y) -> pgfplots coordinates ``(x,y) (x,y)``, plain decimal or e-notation."""
    return Tex(" ".join(f"({x},{y})" for x, y in _pgf_points(points, sig)))


def pgftable(points: object, sig: int = 6) -> Tex:
    """Rows (x, y) -> a pgfplots inline table ``table[row sep=\\\\] {x y \\\\ 0 1.5 \\\\ ...}``:
    the same PDF as ``coordinates {(((points|coords)))}``, byte for byte, but pgfplots reads a
    table faster (a figure of 500 points: 0.025 s less per LaTeX pass)."""
    return Tex("table[row sep=\\\\] {x y \\\\" + "".join(f" {x} {y} \\\\" for x, y in _pgf_points(points, sig)) + "}")


def pgfnum(x: object, sig: int = 6) -> Tex:
    """A number for a pgfplots option (axis limits): plain decimal or e-notation, no math."""
    return Tex(f"{_real(x):.{sig}g}")

