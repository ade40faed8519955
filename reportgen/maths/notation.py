"""SymPy building blocks for derivations, printed in textbook notation.

Each class prints the way an assignment writes it (sigma(x), softplus(x), 1_{x>0},
dS(x)_i / dx_j, S(x)_i; the printing itself is in reportgen.printer.latex, found by class name)
and expands to its definition on ``doit()``, SymPy's own convention
for unevaluated objects (Derivative, Sum). A derivation step can therefore be written in
notation and still be checked: ``reportgen.verify.derivation`` calls ``doit()`` (and
``rewrite(exp)``) before comparing two steps.

    sigma(x).doit()              -> 1/(1 + exp(-x))
    Partial(f, x[j]).doit()      -> diff(f.doit(), x[j])
    Indicator(Eq(i, j))          -> 1 or 0 as soon as i and j are numbers

SymPy is imported here; only problem kinds with derivations import this module.
"""

from __future__ import annotations

import sympy

__all__ = ["sigma", "softplus", "rect", "Indicator", "Defined", "Partial", "Diff", "SoftmaxEntry", "softmax_entry",
           "Group", "Paren", "plain", "frac", "add"]


class _Named(sympy.Function):
    """A one-argument function with a name (printed by its class name) and a definition."""

    nargs = 1

    @classmethod
    def definition(cls, arg: sympy.Expr) -> sympy.Expr:
        raise NotImplementedError

    def doit(self, **hints):  # noqa: D102 - SymPy protocol
        arg = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        return self.definition(arg)



class sigma(_Named):  # noqa: N801 - the assignment's name
    """The logistic sigmoid 1 / (1 + e^{-x})."""

    @classmethod
    def definition(cls, arg):
        return 1 / (1 + sympy.exp(-arg))


class softplus(_Named):  # noqa: N801
    """ln(1 + e^x)."""

    @classmethod
    def definition(cls, arg):
        return sympy.log(1 + sympy.exp(arg))


class rect(_Named):  # noqa: N801
    """The rectifier max(0, x)."""

    @classmethod
    def definition(cls, arg):
        return sympy.Max(0, arg)


class Indicator(sympy.Function):
    """1 when the condition holds, else 0; evaluates as soon as the condition is decided."""

    nargs = 1

    @classmethod
    def eval(cls, cond):
        if cond is sympy.true:
            return sympy.S.One
        if cond is sympy.false:
            return sympy.S.Zero
        return None

    def doit(self, **hints):
        cond = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        return sympy.Piecewise((1, cond), (0, True))



class Defined(sympy.Function):
    """A quantity shown by its name and checked by its definition: ``Defined(oa[k], expr)``
    prints as ``oa[k]`` and ``doit()`` gives ``expr`` (after the same substitutions)."""

    nargs = 2

    def doit(self, **hints):
        return self.args[1].doit(**hints)



class _Derivative(sympy.Function):
    """An unevaluated derivative df/dv; ``doit`` differentiates the expanded f."""

    nargs = 2

    def doit(self, **hints):
        f, v = self.args
        return sympy.diff(f.doit(**hints), v)



class Partial(_Derivative):
    """Partial derivative, printed with the curly d."""


class Diff(_Derivative):
    """Derivative of a function of one variable, printed d/dx."""


class SoftmaxEntry(sympy.Function):
    """S(c v + t)_i = e^{c v_i + t} / sum_{k=1}^{n} e^{c v_k + t}; arguments (v, i, n) or
    (v, i, n, c, t) with v an IndexedBase, c a scale and t a shift (defaults 1 and 0).

    ``head``, a plain name, replaces the printed S(...) (see :func:`softmax_entry`, e.g. o^s_k)."""

    nargs = (3, 5)
    head = ""
    size_args = (2,)  # n bounds the sum doit() writes out (reportgen.verify.derivation.index_symbols)

    def _parts(self) -> tuple:
        v, i, n, *rest = self.args
        scale, shift = rest if rest else (sympy.S.One, sympy.S.Zero)
        return v, i, n, scale, shift

    def doit(self, **hints):
        v, i, n, scale, shift = self._parts()
        if hints.get("deep", True):
            scale, shift = scale.doit(**hints), shift.doit(**hints)
        if n.is_Integer and n >= 0:  # the sum written out
            total = sympy.Add(*(sympy.exp(scale * v[k] + shift) for k in range(1, int(n) + 1)))
        else:
            k = sympy.Dummy("k", integer=True)
            total = sympy.Sum(sympy.exp(scale * v[k] + shift), (k, 1, n)).doit(**hints)
        return sympy.exp(scale * v[i] + shift) / total



def softmax_entry(head: str) -> type[SoftmaxEntry]:
    """A SoftmaxEntry printed as ``head_i``: ``head`` is a plain name (``os``), which the printer's
    notation sets (``\\mathbf{o}^{s}``)."""
    name = "".join(c if c.isalnum() else "_" for c in head)  # deterministic: names order SymPy terms
    return type(f"SoftmaxEntry_{name}", (SoftmaxEntry,), {"head": head})


class Group(sympy.UnevaluatedExpr):
    """Keep ``expr`` as written (no merging with neighbours) until ``doit()``."""

    is_commutative = True


class Paren(Group):
    """Like :class:`Group`, printed inside parentheses: (e^{x})^c rather than e^{x}^c."""



def plain(*factors: sympy.Expr) -> sympy.Expr:
    """A product printed in the given order, unevaluated."""
    return sympy.Mul(*factors, evaluate=False)


def frac(numerator: sympy.Expr, denominator: sympy.Expr) -> sympy.Expr:
    """numerator / denominator, unevaluated: nothing cancels until ``doit()``."""
    return sympy.Mul(numerator, sympy.Pow(denominator, -1, evaluate=False), evaluate=False)


def add(*terms: sympy.Expr) -> sympy.Expr:
    """A sum printed in the given order (with ``order="none"``), unevaluated."""
    return sympy.Add(*terms, evaluate=False)
