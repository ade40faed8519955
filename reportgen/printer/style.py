"""The report's style without SymPy: :class:`StylePrinter` owns numbers, vectors, matrices,
fractions and user text, with the report's ``FormatSettings`` bound once; its bound methods are
the template filters. Its subclass printer.latex.ReportPrinter (SymPy's ``LatexPrinter``) adds
SymPy expressions; a StylePrinter makes one, through the ``symbolic`` factory it was given
(render.environment passes one that imports printer.latex), the first time a template prints
one (``|sym``, or ``|shape`` of a symbolic size), so a report without derivations never imports
SymPy.
"""

from __future__ import annotations

from collections.abc import Callable

from . import escaping, matrices, numbers
from .notation import PLAIN, Notation
from .notation import for_kind as notation_for_kind
from .tex import DEFAULT, FormatError, FormatSettings, Tex

FILTER_NAMES = ("num", "eq", "frac", "ratio", "mat", "vec", "rowvec", "int", "shape", "coords", "pgftable", "pgfnum",
                "sym", "escape", "title")


# (settings, notation) -> the SymPy printer (printer.latex.ReportPrinter, a StylePrinter itself)
SymbolicFactory = Callable[[FormatSettings, Notation], "StylePrinter"]


class StylePrinter:
    """Numbers, matrices and text in one report's style (``fmt``); SymPy expressions through
    :meth:`symbolic`, the ReportPrinter with the same settings and notation."""

    def __init__(self, fmt: FormatSettings = DEFAULT, notation: Notation = PLAIN,
                 symbolic: SymbolicFactory | None = None) -> None:
        self.fmt = fmt
        self.notation = notation
        self._factory = symbolic
        self._kinds: dict[str, StylePrinter] = {}
        self._symbolic: StylePrinter | None = None

    def symbolic(self) -> StylePrinter:
        """The SymPy printer of this style (made, and SymPy imported, on first use)."""
        if self._symbolic is None:
            if self._factory is None:
                raise FormatError("this printer prints no SymPy expressions (made without a symbolic factory)")
            self._symbolic = self._factory(self.fmt, self.notation)
        return self._symbolic

    def sym(self, expr: object, as_written: bool = False, ln: bool = False) -> Tex:
        """A SymPy expression (see ReportPrinter.sym)."""
        return self.symbolic().sym(expr, as_written, ln)

    def for_kind(self, kind: str | None) -> StylePrinter:
        """This printer with ``kind``'s notation (reportgen.printer.notation), made once."""
        if not kind:
            return self
        if kind not in self._kinds:
            self._kinds[kind] = self._with(notation_for_kind(kind).merged(self.notation))
        return self._kinds[kind]

    def _with(self, notation: Notation) -> StylePrinter:
        return StylePrinter(self.fmt, notation, self._factory)

    def filters(self) -> dict[str, Callable[..., Tex]]:
        """The Jinja filters: this printer's bound methods, by their template names."""
        return {name: getattr(self, "integer" if name == "int" else "mat" if name == "vec" else name)
                for name in FILTER_NAMES}

    # --- numbers, matrices, text: the report's settings bound ---------------------------------

    def num(self, x: object, decimals: int | None = None, given: bool = False) -> Tex:
        return numbers.num(x, self.fmt, decimals, _flag(given, "given"))

    def eq(self, x: object) -> Tex:
        return numbers.eq(x, self.fmt)

    def frac(self, q: object) -> Tex:
        return numbers.frac(q, self.fmt)

    def ratio(self, x: object, slash: bool = False) -> Tex:
        return numbers.ratio(x, self.fmt, slash)

    def integer(self, n: object) -> Tex:
        return numbers.integer(n)

    def mat(self, a: object, given: bool = False, rows: str | None = None) -> Tex:
        return matrices.mat(a, self.fmt, _flag(given, "given"), rows)

    def rowvec(self, a: object, given: bool = False, rows: str | None = None) -> Tex:
        return matrices.rowvec(a, self.fmt, _flag(given, "given"), rows)

    def shape(self, dims: object) -> Tex:
        return matrices.shape(dims, self.sym)

    def coords(self, points: object, sig: int = 6) -> Tex:
        return matrices.coords(points, sig)

    def pgftable(self, points: object, sig: int = 6) -> Tex:
        return matrices.pgftable(points, sig)

    def pgfnum(self, x: object, sig: int = 6) -> Tex:
        return matrices.pgfnum(x, sig)

    def escape(self, text: object, field: str = "text") -> Tex:
        return escaping.escape(text, field)

    def title(self, text: object, field: str = "title") -> Tex:
        return escaping.title(text, field)


def _flag(value: object, name: str) -> bool:
    """A template's true/false argument; anything else (``|mat('gather')``, which meant
    rows='gather') is a mistake to report, not a truthy value."""
    if not isinstance(value, bool):
        raise FormatError(f"{name} must be true or false, got {value!r}")
    return value
