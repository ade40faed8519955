"""Every number, vector, matrix, fraction and user string -> LaTeX. Nothing else formats.

One number style per report (tested with tables of exact strings in tests/test_latexfmt.py):

* Given data (``given=True``: the assignment's inputs) prints exactly as given: the shortest
  decimal that round-trips the float (``0.00012``, ``0.1234567``, ``-1.0`` in a matrix of
  decimals, ``5`` in a matrix of integers).
* Computed values print with exactly ``digits`` decimals (``-2.0400`` beside ``-1.2445``), so
  one display never mixes ``-1.6`` with ``-1.6000``; ``=`` or ``\\approx`` (:func:`eq`) tells
  whether that is exact.
* Integer values print as integers (``-5``, not ``-5.0000``), grouped by thin spaces from five
  digits on (``102\\,848``); a value within ``noise`` of zero prints ``0``: no ``-0``, no
  ``-5.55e-17``.
* :func:`ratio` prints a value that is a simple fraction as one (``1/12``, not ``0.0833``).
* Magnitudes below ``10**-digits`` or at least ``sci_large`` print as ``m \\times 10^{e}``.
* nan, inf and booleans are refused with ``FormatError``; they are bugs, not output.
* Minus signs are math-mode ``-`` (a real minus); callers place the result in math mode.

User text goes through :func:`escape`; the result of every function here is :class:`Tex`,
the only kind of string the template layer prints without escaping.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral, Real

import numpy as np


class Tex(str):
    """A string that is already LaTeX. Templates print it verbatim; plain str gets escaped."""

    __slots__ = ()


class FormatError(ValueError):
    """A value that must never reach a report (nan, inf, bool, text where a number belongs)."""


@dataclass(frozen=True)
class FormatSettings:
    digits: int = 4  # decimals shown for computed values
    noise: float = 1e-12  # |x| below this is zero (float noise)
    sci_large: float = 1e6  # floats at least this large go scientific
    sci_digits: int = 3  # significant digits of a scientific mantissa
    matrix_env: str = "bmatrix"

    def __post_init__(self) -> None:
        if not 0 <= self.digits <= 12:
            raise ValueError(f"digits must be between 0 and 12, got {self.digits}")
        if self.matrix_env not in ("bmatrix", "pmatrix"):
            raise ValueError(f"matrix_env must be bmatrix or pmatrix, got {self.matrix_env!r}")


DEFAULT = FormatSettings()


def _real(x: object) -> float:
    """The float value of a real number, refusing what is not one."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (Real, np.number)):
        raise FormatError(f"expected a real number, got {type(x).__name__} {x!r}")
    v = float(x)
    if not math.isfinite(v):
        raise FormatError(f"refusing to print non-finite value {v!r}")
    return v


def _group(digits: str) -> str:
    """'102848' -> '102\\,848' (thin-space groups from five digits on, as SI style asks)."""
    if len(digits) < 5:
        return digits
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return r"\,".join(parts)


def integer(n: object) -> Tex:
    """An exact integer: ``-1234567`` -> ``-1\\,234\\,567``."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (Integral, np.integer)):
        raise FormatError(f"expected an integer, got {type(n).__name__} {n!r}")
    n = int(n)
    return Tex(("-" if n < 0 else "") + _group(str(abs(n))))


def decimals_needed(x: float, s: FormatSettings = DEFAULT) -> int:
    """How many decimals (at most ``s.digits``) print ``x`` without trailing zeros."""
    text = f"{abs(x):.{s.digits}f}"
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def _is_sci(v: float, s: FormatSettings) -> bool:
    a = abs(v)
    return a >= s.noise and (a < 0.5 * 10.0**-s.digits or a >= s.sci_large)


def _sci(v: float, s: FormatSettings) -> str:
    mant, exp = f"{v:.{s.sci_digits - 1}e}".split("e")
    return rf"{mant} \times 10^{{{int(exp)}}}"


def _fixed(v: float, decimals: int) -> str:
    text = f"{v:.{decimals}f}"
    if float(text) == 0.0:  # rounds to zero: never '-0' or '-0.00'
        return "0" if decimals == 0 else "0." + "0" * decimals
    integral, _, frac = text.lstrip("-").partition(".")
    body = _group(integral) + ("." + frac if frac else "")
    return ("-" if text.startswith("-") else "") + body


def _integral(v: float, s: FormatSettings) -> int | None:
    """The integer ``v`` is (up to float noise), or None."""
    if abs(v) < 1e15 and abs(v - round(v)) < s.noise:
        return int(round(v))
    return None


def _shortest(v: float) -> str:
    """The shortest decimal that round-trips ``v`` (Python's repr of the float)."""
    return repr(float(v))


def given_decimals(v: float) -> int:
    """Decimals of ``v`` as given (0 for an integer value or one printed in scientific form)."""
    text = _shortest(v)
    if "e" in text or text.endswith(".0"):
        return 0
    return len(text.partition(".")[2])


def _given(v: float, s: FormatSettings, decimals: int | None = None) -> str:
    text = _shortest(v)
    if "e" in text:  # 1.2e-05: the mantissa as given
        mant, exp = text.split("e")
        return rf"{mant.removesuffix('.0')} \times 10^{{{int(exp)}}}"
    n = _integral(v, s)
    if n is not None and not decimals:
        return integer(n)
    return _fixed(v, given_decimals(v) if decimals is None else decimals)


def num(x: object, s: FormatSettings = DEFAULT, decimals: int | None = None, given: bool = False) -> Tex:
    """One real number: given data exactly as given, a computed value with ``s.digits`` decimals
    (``decimals`` overrides the count), an integer value as an integer."""
    if isinstance(x, (Integral, np.integer)) and not isinstance(x, (bool, np.bool_)):
        return integer(x)
    v = _real(x)
    if abs(v) < s.noise:
        return Tex("0")
    if given:
        return Tex(_given(v, s, decimals))
    n = _integral(v, s)
    if n is not None:
        return integer(n)
    if _is_sci(v, s):
        return Tex(_sci(v, s))
    return Tex(_fixed(v, s.digits if decimals is None else decimals))


def is_exact(x: object, s: FormatSettings = DEFAULT) -> bool:
    """Whether :func:`num` prints ``x`` exactly (so ``=`` is honest, else ``\\approx``)."""
    v = _real(x)
    if abs(v) < s.noise or isinstance(x, (Integral, np.integer)) or _integral(v, s) is not None:
        return True
    if _is_sci(v, s):
        return False
    return math.isclose(float(f"{v:.{s.digits}f}"), v, rel_tol=0, abs_tol=1e-12)


def eq(x: object, s: FormatSettings = DEFAULT) -> Tex:
    """The relation sign to put before ``num(x)``: ``=`` when exact, ``\\approx`` otherwise."""
    return Tex("=" if is_exact(x, s) else r"\approx")


def frac(q: object, s: FormatSettings = DEFAULT) -> Tex:
    """An exact rational: ``Fraction(-1, 6)`` -> ``-\\frac{1}{6}``; integers stay integers."""
    if isinstance(q, (bool, np.bool_)) or not isinstance(q, (Fraction, Integral, np.integer)):
        raise FormatError(f"expected a Fraction, got {type(q).__name__} {q!r}")
    q = Fraction(q)
    if q.denominator == 1:
        return integer(q.numerator)
    sign = "-" if q < 0 else ""
    return Tex(rf"{sign}\frac{{{_group(str(abs(q.numerator)))}}}{{{_group(str(q.denominator))}}}")


MAX_DENOMINATOR = 100  # a "simple" fraction: 1/12 and 11/60 are, 1/7919 is not


def simple_fraction(x: object, s: FormatSettings = DEFAULT) -> Fraction | None:
    """The fraction with denominator at most MAX_DENOMINATOR that ``x`` is (up to float noise)."""
    if isinstance(x, Fraction):
        return x if x.denominator <= MAX_DENOMINATOR else None
    v = _real(x)
    q = Fraction(v).limit_denominator(MAX_DENOMINATOR)
    return q if abs(float(q) - v) <= s.noise * max(1.0, abs(v)) else None


def ratio(x: object, s: FormatSettings = DEFAULT, slash: bool = False) -> Tex:
    """A value that is a simple fraction as that fraction (``\\frac{1}{12}``, or ``1/12`` with
    ``slash`` for legends and running text), anything else as :func:`num`."""
    q = simple_fraction(x, s)
    if q is None:
        return num(x, s)
    if slash and q.denominator != 1:
        return Tex(f"{'-' if q < 0 else ''}{_group(str(abs(q.numerator)))}/{_group(str(q.denominator))}")
    return frac(q, s)


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


def mat(a: object, s: FormatSettings = DEFAULT, given: bool = False) -> Tex:
    """A matrix (1-D input is a column vector). Computed entries get ``s.digits`` decimals and
    integer values print as integers; given entries print each as given (``-1.0`` beside ``0.25``;
    a matrix of integers as integers)."""
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
    return _matrix_tex(cells, s.matrix_env)


WIDE_PT = 240.0  # a matrix wider than this (estimated, in pt at text size) or of over 10 columns is set small
BLOCK_PT = 150.0  # the width of one block of a small matrix (a row vector: half, it often shares its line)


def _matrix_tex(cells: list[list[str]], env: str) -> Tex:
    """A matrix as ``env``; a wide one (any number of columns) in script size, its columns in
    blocks one under the other, joined by an open bracket and dots: it fits beside its formula."""
    chars = [max(len(re.sub(r"\\[a-zA-Z]+|[{}^_ ]", "", c)) for c in col) for col in zip(*cells, strict=True)]
    if len(chars) <= 10 and sum(5.5 * w + 10 for w in chars) <= WIDE_PT:  # 10: amsmath's own default
        body = r" \\ ".join(" & ".join(row) for row in cells)
        return Tex(rf"\begin{{{env}}} {body} \end{{{env}}}")
    blocks, start, width = [], 0, 0.0
    for j, w in enumerate(chars):
        if j > start and width + 4 * w + 3 > (BLOCK_PT if len(cells) > 1 else BLOCK_PT / 2):
            blocks.append((start, j))
            start, width = j, 0.0
        width += 4 * w + 3
    blocks.append((start, len(chars)))
    left, right = ("[", "]") if env == "bmatrix" else ("(", ")")
    lines = []
    for i, (a, b) in enumerate(blocks):
        body = r" \\ ".join(" & ".join(row[a:b]) for row in cells)
        opening = rf"\left{left}" if i == 0 else r"\cdots\left."
        closing = rf"\right{right}" if i == len(blocks) - 1 else r"\right.\cdots"
        lines.append(rf"{opening}\begin{{smallmatrix}} {body} \end{{smallmatrix}}{closing}")
    return Tex(lines[0] if len(lines) == 1 else r"\begin{gathered} " + r" \\[3pt] ".join(lines) + r" \end{gathered}")


def rowvec(a: object, s: FormatSettings = DEFAULT, given: bool = False) -> Tex:
    """A 1-D array as a row vector."""
    return mat(np.asarray(a).reshape(1, -1), s, given)


def shape(dims: object) -> Tex:
    """``(2, 4)`` -> ``\\mathbb{R}^{2 \\times 4}``; ``(3,)`` -> ``\\mathbb{R}^{3}``; ``()`` -> ``\\mathbb{R}``;
    SymPy sizes print as symbols: ``(n, q)`` -> ``\\mathbb{R}^{n \\times q}``."""

    def one(d: object) -> str:  # an integer, or a SymPy size symbol such as n
        if type(d).__module__.startswith("sympy") and not getattr(d, "is_Integer", False):
            return sym(d)
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


def sym(expr: object, as_written: bool = False, ln: bool = False) -> Tex:
    """A SymPy expression (a checked derivation step) -> LaTeX via SymPy's printer, with the
    house notation: ``^{\\top}``, ``\\odot``, ``\\operatorname{diag}``, ``\\mathbb{I}[x > 0]`` for
    Heaviside; entries as ``{W_{kj}}``, ``{(\\mathbf{W}_2)_{jk}}`` and ``{y^{s}_{i}}`` (braced, so a
    power never makes a double superscript; one-letter indices run together); and
    ``UnevaluatedExpr`` products or sums (built with ``evaluate=False``) printed as written.

    ``as_written=True`` also keeps the order of plain sums and prints every fraction as a
    fraction (steps built to be read); ``ln=True`` prints the natural logarithm as ``\\ln``."""
    import sympy  # only reports with derivations pay for this import

    if not isinstance(expr, sympy.Basic):
        raise FormatError(f"expected a SymPy expression, got {type(expr).__name__}")
    layout = {"order": "none", "long_frac_ratio": None} if as_written else {"long_frac_ratio": 3}
    tex = _sym_printer()({"mul_symbol": None, "ln_notation": ln, **layout}).doprint(expr)
    return Tex(_OPERATOR_PAREN.sub(r"\1\\mathopen{}\2\\left(", tex))


# An operator name before \left( (or {\left(, SymPy's function form) would get a thin space,
# "sign (x)": an empty \mathopen in between keeps the argument against the name, "sign(x)".
_OPERATOR_PAREN = re.compile(
    r"(\\operatorname\{[A-Za-z]+\}|\\(?:max|min|ln|log|exp|sin|cos|tan|tanh|det))\s*(\{?)\\left\(")


@functools.cache
def _sym_printer() -> type:
    import sympy
    from sympy.printing.latex import LatexPrinter
    from sympy.printing.precedence import PRECEDENCE

    class ReportLatexPrinter(LatexPrinter):
        def _print_Transpose(self, expr):  # type: ignore[no-untyped-def]
            tex = super()._print_Transpose(expr)
            return tex[: -len("^{T}")] + r"^{\top}" if tex.endswith("^{T}") else tex

        def _print_HadamardProduct(self, expr):  # type: ignore[no-untyped-def]
            return r" \odot ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=False) for a in expr.args)

        def _print_Sum(self, expr):  # type: ignore[no-untyped-def]
            body = expr.function
            if isinstance(body, sympy.UnevaluatedExpr) and isinstance(body.args[0], sympy.Add):  # parenthesise
                frame = super()._print_Sum(expr.func(sympy.Symbol("SUMBODY"), *expr.limits))
                return frame.replace("SUMBODY", rf"\left({self._print(body)}\right)")
            return super()._print_Sum(expr)

        def _print_DiagMatrix(self, expr):  # type: ignore[no-untyped-def]
            return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

        def _print_Heaviside(self, expr, exp=None):  # type: ignore[no-untyped-def]
            tex = rf"\mathbb{{I}}[{self._print(expr.args[0])} > 0]"
            return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

        def _print_Indexed(self, expr):  # type: ignore[no-untyped-def]
            base = self._print(expr.base)
            simple = all(isinstance(i, (sympy.Symbol, sympy.Integer)) and len(str(i)) == 1 for i in expr.indices)
            idx = ("" if simple else ",").join(self._print(i) for i in expr.indices)
            sup = re.fullmatch(r"(\\?[A-Za-z]+|\\[A-Za-z]+\{[^{}]*\})\^\{([^{}]*)\}", base)
            if sup:  # y^{s} -> y^{s}_{i}
                return rf"{{{sup.group(1)}^{{{sup.group(2)}}}_{{{idx}}}}}"
            if "_" in base or "^" in base:  # \mathbf{W}_2 -> (\mathbf{W}_2)_{jk}
                return rf"{{({base})_{{{idx}}}}}"
            return rf"{{{base}_{{{idx}}}}}"

        def _print_Pow(self, expr):  # type: ignore[no-untyped-def]
            """x_i^2 with the superscript over the subscript (an entry is braced for safety)."""
            base, e = expr.args
            if isinstance(base, sympy.Indexed) and e.is_Integer and e > 1:
                tex = self._print(base)
                if tex.startswith("{") and tex.endswith("}") and "^" not in tex:
                    return f"{tex[1:-1]}^{{{self._print(e)}}}"
            return super()._print_Pow(expr)

        def _print_UnevaluatedExpr(self, expr):  # type: ignore[no-untyped-def]
            """``UnevaluatedExpr(Mul(..., evaluate=False))`` (or Add): factors or terms as written."""
            arg = expr.args[0]
            if isinstance(arg, sympy.Add):
                return super()._print_Add(arg, order="none")
            if not isinstance(arg, sympy.Mul):
                return self._print(arg)
            factors, sign = list(arg.args), ""
            if factors[0] == -1:
                factors, sign = factors[1:], "- "

            def is_product(f):  # type: ignore[no-untyped-def]
                return isinstance(f, sympy.Mul) or (isinstance(f, sympy.UnevaluatedExpr) and f.args[0].is_Mul)

            parts = [rf"\left({self._print(f)}\right)" if f.could_extract_minus_sign() or isinstance(f, sympy.Add)
                     else self._print(f) for f in factors]
            return sign + (r" \cdot " if any(is_product(f) for f in factors) else " ").join(parts)

        # --- the derivation notation of reportgen.maths.notation, found by class name ---------

        def _print_Function(self, expr, exp=None):  # type: ignore[no-untyped-def]
            """SymPy looks up a Function subclass's own name only; the notation classes share
            printers with their bases (_Named, _Derivative, SoftmaxEntry), so walk the whole MRO."""
            for cls in type(expr).__mro__:
                method = getattr(self, f"_print_{cls.__name__}", None)
                if method is not None and cls.__module__.endswith("maths.notation"):
                    return method(expr, exp)
            return super()._print_Function(expr, exp)

        def _print__Named(self, expr, exp=None):  # type: ignore[no-untyped-def]  # sigma, softplus, rect
            return _power(expr.tex_name + _parens(self._print(expr.args[0])), exp)

        def _print_Indicator(self, expr, exp=None):  # type: ignore[no-untyped-def]
            return _power(rf"\mathbf{{1}}_{{{self._print(expr.args[0])}}}", exp)

        def _print_Defined(self, expr, exp=None):  # type: ignore[no-untyped-def]  # shown by its name
            return _power(self._print(expr.args[0]), exp)

        def _print__Derivative(self, expr, exp=None):  # type: ignore[no-untyped-def]  # Partial, Diff
            f, v = expr.args
            d, var = expr.symbol, self._print(v)
            nested = any(c.__name__ == "_Derivative" for c in type(f).__mro__)
            if isinstance(f, (sympy.Symbol, sympy.Indexed, sympy.Function)) and not nested:
                tex = rf"\frac{{{d} {self._print(f)}}}{{{d} {var}}}"
            else:
                tex = rf"\frac{{{d}}}{{{d} {var}}}" + _parens(self._print(f))
            return _power(tex, exp)

        def _print_SoftmaxEntry(self, expr, exp=None):  # type: ignore[no-untyped-def]
            v, i, _, scale, shift = expr._parts()
            arg = self._print(v)
            if scale != 1:
                arg = rf"{self._print(scale)} {arg}"
            if shift != 0:
                arg = rf"{arg} + {self._print(shift)}"
            tex = rf"{expr.head or f'S({arg})'}_{{{self._print(i)}}}"
            return tex if exp is None else rf"{tex}^{{{exp}}}"

        def _print_Paren(self, expr, exp=None):  # type: ignore[no-untyped-def]
            tex = _parens(self._print(expr.args[0]))
            return tex if exp is None else f"{tex}^{{{exp}}}"

    return ReportLatexPrinter


def _power(tex: str, exp: str | None) -> str:
    return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


def _parens(tex: str) -> str:
    """(x) for a flat argument, \\left( ... \\right) around fractions and sums."""
    tall = any(cmd in tex for cmd in (r"\frac", r"\sum", r"\left", r"\begin"))
    return rf"\left({tex}\right)" if tall else f"({tex})"


# --- user text --------------------------------------------------------------------------------

MAX_TEXT = 2000  # characters; far below TeX's 200,000-byte line buffer

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


FILTERS = {
    "num": num,
    "eq": eq,
    "frac": frac,
    "ratio": ratio,
    "mat": mat,
    "vec": mat,
    "rowvec": rowvec,
    "int": integer,
    "shape": shape,
    "coords": coords,
    "pgftable": pgftable,
    "pgfnum": pgfnum,
    "sym": sym,
    "escape": escape,
    "title": title,
}
"""The Jinja filters, registered in one place by render.py (settings-aware ones get bound)."""
