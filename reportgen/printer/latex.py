"""The one printer: :class:`ReportPrinter`, SymPy's ``LatexPrinter`` with the house notation.

One instance per render owns every number, vector, matrix, fraction, symbol and piece of user
text that reaches LaTeX, with the report's ``FormatSettings`` bound once; its bound methods are
the template filters (:meth:`ReportPrinter.filters`). The number, matrix and escaping rules
themselves are plain functions in printer.numbers, printer.matrices and printer.escaping.

SymPy expressions (checked derivation steps) print with ``^{\\top}``, ``\\odot``,
``\\operatorname{diag}``, ``\\mathbb{I}[x > 0]`` for Heaviside; entries as ``{W_{kj}}``,
``{(\\mathbf{W}_2)_{jk}}`` and ``{y^{s}_{i}}`` (braced, so a power never makes a double
superscript; one-letter indices run together); ``UnevaluatedExpr`` products or sums printed as
written; and the notation classes of reportgen.maths.notation found by class name.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from .notation import DERIVATIVE_SIGNS, FUNCTIONS, PLAIN, Notation
from .style import StylePrinter
from .tex import DEFAULT, FormatError, FormatSettings, Tex

# An operator name before \left( (or {\left(, SymPy's function form) would get a thin space,
# "sign (x)": an empty \mathopen in between keeps the argument against the name, "sign(x)".
_OPERATOR_PAREN = re.compile(
    r"(\\operatorname\{[A-Za-z]+\}|\\(?:max|min|ln|log|exp|sin|cos|tan|tanh|det))\s*(\{?)\\left\(")

class ReportPrinter(StylePrinter, LatexPrinter):
    """Numbers, matrices, text (StylePrinter) and SymPy expressions in one report's style (``fmt``)."""

    def __init__(self, fmt: FormatSettings = DEFAULT, notation: Notation = PLAIN,
                 sympy_settings: Mapping[str, Any] | None = None) -> None:
        LatexPrinter.__init__(self, {"mul_symbol": None, "long_frac_ratio": 3, **(sympy_settings or {})})
        StylePrinter.__init__(self, fmt, notation)
        self._layouts: dict[tuple[bool, bool], ReportPrinter] = {}

    def symbolic(self) -> ReportPrinter:
        return self

    def _with(self, notation: Notation) -> ReportPrinter:
        return type(self)(self.fmt, notation)

    # --- SymPy expressions ----------------------------------------------------------------------

    def sym(self, expr: object, as_written: bool = False, ln: bool = False) -> Tex:
        """A SymPy expression (a checked derivation step). ``as_written=True`` keeps the order of
        plain sums and prints every fraction as a fraction (steps built to be read); ``ln=True``
        prints the natural logarithm as ``\\ln``."""
        if not isinstance(expr, sympy.Basic):
            raise FormatError(f"expected a SymPy expression, got {type(expr).__name__}")
        if expr.has(sympy.nan, sympy.zoo):  # as |num refuses nan and inf: a bug, not output
            raise FormatError(f"refusing to print an undefined value (nan or complex infinity) in {expr}")
        tex = self._layout(as_written, ln).doprint(expr)
        return Tex(_OPERATOR_PAREN.sub(r"\1\\mathopen{}\2\\left(", tex))

    def _layout(self, as_written: bool, ln: bool) -> ReportPrinter:
        """The printer for one layout (made once per printer: cheap per call)."""
        key = (as_written, ln)
        if key not in self._layouts:
            layout = {"order": "none", "long_frac_ratio": None} if as_written else {"long_frac_ratio": 3}
            self._layouts[key] = type(self)(self.fmt, self.notation, {"ln_notation": ln, **layout})
        return self._layouts[key]

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

    # --- plain names -> notation (reportgen.printer.notation) -----------------------------------

    def _print_Symbol(self, expr, style="plain"):  # type: ignore[no-untyped-def]  # also an IndexedBase's label
        tex = self.notation.symbols.get(expr.name)
        return tex if tex is not None else super()._print_Symbol(expr, style)

    def _print_IndexedBase(self, expr):  # type: ignore[no-untyped-def]
        tex = self.notation.indexed.get(expr.label.name)
        return tex if tex is not None else super()._print_IndexedBase(expr)

    def _print_MatrixSymbol(self, expr):  # type: ignore[no-untyped-def]
        tex = self.notation.matrices.get(expr.name)
        return tex if tex is not None else super()._print_MatrixSymbol(expr)

    def name(self, name: str) -> str:
        """A plain name (a SoftmaxEntry's head) in this printer's notation."""
        return self.notation.symbols.get(name, name)

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
        name = type(expr).__name__
        head = FUNCTIONS.get(name, rf"\operatorname{{{name}}}")
        return _power(head + _parens(self._print(expr.args[0])), exp)

    def _print_Indicator(self, expr, exp=None):  # type: ignore[no-untyped-def]
        return _power(rf"\mathbf{{1}}_{{{self._print(expr.args[0])}}}", exp)

    def _print_Defined(self, expr, exp=None):  # type: ignore[no-untyped-def]  # shown by its name
        return _power(self._print(expr.args[0]), exp)

    def _print__Derivative(self, expr, exp=None):  # type: ignore[no-untyped-def]  # Partial, Diff
        f, v = expr.args
        d, var = DERIVATIVE_SIGNS[type(expr).__name__], self._print(v)
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
        tex = rf"{self.name(expr.head) if expr.head else f'S({arg})'}_{{{self._print(i)}}}"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _print_Paren(self, expr, exp=None):  # type: ignore[no-untyped-def]
        tex = _parens(self._print(expr.args[0]))
        return tex if exp is None else f"{tex}^{{{exp}}}"


def _power(tex: str, exp: str | None) -> str:
    return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


def _parens(tex: str) -> str:
    """(x) for a flat argument, \\left( ... \\right) around fractions and sums."""
    tall = any(cmd in tex for cmd in (r"\frac", r"\sum", r"\left", r"\begin"))
    return rf"\left({tex}\right)" if tall else f"({tex})"


_local = threading.local()


def default_printer(fmt: FormatSettings = DEFAULT) -> ReportPrinter:
    """A printer for Python callers outside a render (one per thread and settings)."""
    cache = _local.__dict__.setdefault("printers", {})
    if fmt not in cache:
        cache[fmt] = ReportPrinter(fmt)
    return cache[fmt]
