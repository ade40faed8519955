"""Compare two expressions of a derivation: notation written out, then SymPy, then random points.

Notation is expanded before comparing: ``doit()`` evaluates derivatives and sums and expands
named functions (reportgen.maths.notation), ``rewrite(exp)`` writes tanh, sinh, ... in
exponentials. The cheap decisions (expand, cancel) are tried before ``simplify``, which is
slow; a difference none of them reduces to 0 is evaluated at random points of ``domain``
(reportgen.verify.numeric, lambdify for what it does not cover). Index notation is written
out at one instance (``instantiate``): sizes and indices put in, sums written out, entries
x[2] made plain symbols. reportgen.verify.derivation applies this to chains.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy

from ..maths.notation import Diff, Partial
from . import numeric

_NUMPY = ["numpy", {"Heaviside": lambda x, h=0.5: np.heaviside(x, h)}]


def explicit(e: sympy.Expr) -> sympy.Expr:
    """Notation expanded to definitions: derivatives, sums, named functions, in exponentials."""
    e = e.doit()
    return e.rewrite(sympy.exp).doit() if _rewritable(e) else e


def _rewritable(e: sympy.Expr) -> bool:
    """Whether ``rewrite(exp)`` can change ``e``: a node with a rewrite to exp (tanh, sin, ...),
    other than a power with a number exponent (rewritten to exp(n log b), which evaluates back)."""
    return any(hasattr(type(node), "_eval_rewrite_as_exp") and not (isinstance(node, sympy.Pow) and node.exp.is_Number)
               for node in sympy.preorder_traversal(e))


def instantiate(e: sympy.Expr, sub: Mapping, domain: Mapping | None = None) -> tuple[sympy.Expr, dict]:
    """One instance of an index-notation expression, and the sampling domain of its symbols.

    Sizes and indices in ``sub`` are substituted and sums written out; an IndexedBase mapped to
    a Lambda gives its entries (``{s: Lambda(t, t**2)}``); the remaining entries ``x[2]`` become
    plain symbols, sampled from ``domain[x]`` when the IndexedBase has a domain."""
    return entries(written_out(e, sub), domain or {})


def written_out(e: sympy.Expr, sub: Mapping) -> sympy.Expr:
    """``e`` at ``sub`` with sums written out and notation expanded (``prewritten`` and
    ``finished``). An index that ``sub`` leaves symbolic stays symbolic (x[i], KroneckerDelta(1, i))."""
    plain = _Writer(sub, symbols=True)(e)  # entries as symbols at once, if that turns out safe
    return _finish(plain, sub) if _plain(plain) else finished(prewritten(e, sub), sub)


def at_indices(pre: sympy.Expr, idx: Mapping, sub: Mapping) -> sympy.Expr:
    """``finished(pre.xreplace(idx), sub)`` for a ``prewritten`` expression ``pre`` and index
    values ``idx``, in one rebuild where the entries can be plain symbols at once."""
    mapping = dict(idx)
    for a in pre.atoms(sympy.Indexed):
        b = a.xreplace(idx)
        if all(i.is_Integer for i in b.indices):
            mapping[a] = _entry(b)
    plain = pre.xreplace(mapping)
    return _finish(plain, sub) if _plain(plain) else finished(pre.xreplace(idx), sub)


def prewritten(e: sympy.Expr, sub: Mapping) -> sympy.Expr:
    """``e`` with the sizes and indices of ``sub`` put in, the entries of data (an IndexedBase
    mapped to a Lambda) put in, and every sum written out, also those that notation such as
    SoftmaxEntry(x, i, n) stands for; derivatives not taken yet. One pass, leaves first."""
    return _Writer(sub)(e)


class _Writer:
    """The pass of ``prewritten``: rebuilds a node only where something below it changed.
    ``symbols``: each entry with number indices becomes its plain symbol (``entries``); safe
    only if ``_plain`` holds for the result (no entry can be made later)."""

    def __init__(self, sub: Mapping, symbols: bool = False) -> None:
        self.data = {k: v for k, v in sub.items() if isinstance(k, sympy.IndexedBase)}
        # sizes and indices are replaced structurally (subs would turn d/dW[j,k] into a Subs object)
        self.sizes = {k: v for k, v in sub.items() if k not in self.data and getattr(k, "is_integer", False)}
        self.symbols = symbols
        self.memo: dict = {}

    def __call__(self, x: sympy.Basic) -> sympy.Basic:
        done = self.memo.get(x)
        if done is None:
            done = self.memo[x] = self._write(x)
        return done

    def _write(self, x: sympy.Basic) -> sympy.Basic:
        if not x.args or isinstance(x, sympy.IndexedBase):
            return self.sizes.get(x, x)
        args = tuple(self(a) for a in x.args)
        y = x if args == x.args else x.func(*args)
        if isinstance(y, sympy.Indexed):
            if y.base in self.data:
                return self(self.data[y.base](*y.indices))
            return _entry(y) if self.symbols and all(i.is_Integer for i in y.indices) else y
        if isinstance(y, sympy.Sum):
            z = _written_sum(y)
        elif any(isinstance(a, sympy.IndexedBase) for a in y.args):  # notation that makes entries on doit()
            z = y.doit(deep=False)
        else:
            return y
        return y if z == y else self(z)


def finished(e: sympy.Expr, sub: Mapping) -> sympy.Expr:
    """A ``prewritten`` expression explicit: derivatives taken, notation expanded, then the values
    of real variables in ``sub`` (such as x = 0) put in. When every index is a number, the
    entries are plain symbols (``entries``) before derivatives are taken, which is cheaper."""
    return _finish(_entries_first(e), sub)


def _finish(e: sympy.Expr, sub: Mapping) -> sympy.Expr:
    if e.has(sympy.log) and e.has(sympy.Derivative, Partial, Diff):  # log(e^a / s) = a - log s (for e^a, s
        e = sympy.expand_log(e)  # that SymPy sees positive): simpler derivatives, decided by expand
    e = explicit(e)
    points = {k: v for k, v in sub.items() if not isinstance(k, sympy.IndexedBase)
              and not getattr(k, "is_integer", False)}
    return explicit(e.subs(points)) if points else e


def _write_sums(e: sympy.Expr) -> sympy.Expr:
    """Every sum over a range of numbers written out term by term (innermost first), the
    others as Sum.doit(deep=False) leaves them."""
    return e.replace(lambda x: isinstance(x, sympy.Sum), _written_sum) if e.has(sympy.Sum) else e


def _written_sum(s: sympy.Sum) -> sympy.Expr:
    """sum_{k=a}^{b} f = f(a) + ... + f(b) for numbers a <= b + 1 (empty: 0), the summation
    variable put in structurally like the sizes; SymPy's own doit otherwise (symbolic
    bounds, several limits, b < a - 1, which SymPy reads as a negative sum)."""
    if len(s.limits) == 1 and not s.function.has(sympy.Sum):
        k, a, b = s.limits[0]
        if a.is_Integer and b.is_Integer and b >= a - 1:
            return sympy.Add(*(s.function.xreplace({k: v}) for v in range(int(a), int(b) + 1)))
    return s.doit(deep=False)


def _entries_first(e: sympy.Expr) -> sympy.Expr:
    """``e`` with its entries as plain symbols, if every entry it has or can make is there now:
    all indices numbers, no sum left and no IndexedBase outside an entry (``prewritten`` wrote
    out the notation that makes entries). Otherwise ``e`` unchanged: a derivative by a symbol
    x[1] of an entry x[1] made later would be 0."""
    found = _walk(e, entries_ok=True)
    return e.xreplace({a: _entry(a) for a in found}) if found else e


def _plain(e: sympy.Expr) -> bool:
    """No entry in ``e`` and none to come: no Indexed, no sum, no IndexedBase, no integer symbol."""
    return _walk(e, entries_ok=False) == set()


def _walk(e: sympy.Expr, entries_ok: bool) -> set | None:
    """The entries of ``e`` (Indexed with number indices), or None if ``e`` has an entry with a
    symbolic index, a sum, an IndexedBase outside an entry or an integer symbol (or, unless
    ``entries_ok``, any entry at all)."""
    found: set = set()
    seen: set = set()
    todo = [e]
    while todo:  # one walk over the distinct subexpressions
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, sympy.Indexed):
            if not entries_ok or not all(i.is_Integer for i in node.indices):
                return None
            found.add(node)
        elif isinstance(node, (sympy.Sum, sympy.IndexedBase)) or (node.is_Symbol and node.is_integer):
            return None
        else:
            todo.extend(node.args)
    return found


_ENTRIES: dict = {}  # Indexed -> its Symbol
_BASES: dict = {}  # Symbol -> the IndexedBase of the entry it stands for


def forget_entries(most: int = 100_000) -> None:
    """Empty the memo of entry symbols once it holds more than ``most`` (called between chains,
    so no chain loses the bases of its symbols halfway)."""
    if len(_ENTRIES) > most:
        _ENTRIES.clear()
        _BASES.clear()


def _entry(a: sympy.Indexed) -> sympy.Symbol:
    s = _ENTRIES.get(a)
    if s is None:
        name = f"{a.base.label}[{','.join(map(str, a.indices))}]"
        assumptions = {k: v for k, v in a.base.assumptions0.items() if v is not None} or {"real": bool(a.is_real)}
        s = _ENTRIES[a] = sympy.Symbol(name, **assumptions)
        _BASES[s] = a.base
    return s


def _as_symbols(e: sympy.Expr) -> sympy.Expr:
    found = e.atoms(sympy.Indexed)
    return e.xreplace({a: _entry(a) for a in found}) if found else e


def entries(e: sympy.Expr, domain: Mapping) -> tuple[sympy.Expr, dict]:
    """``e`` with each entry ``x[2]`` (``Indexed``) a plain symbol named so, with its base's
    assumptions; the sampling domain of the symbols (``domain`` maps Symbols, or an IndexedBase
    for all its entries)."""
    e = _as_symbols(e)
    dom = {k: v for k, v in domain.items() if not isinstance(k, sympy.IndexedBase)}
    for s in e.free_symbols:
        base = _BASES.get(s)
        if base is not None and base in domain:
            dom[s] = domain[base]
    return e, dom


def _in_exponentials(e: sympy.Expr) -> sympy.Expr:
    """``e`` with every real symbol x written as log(u), u > 0 (a bijection, so ``e`` is 0 for
    all real x exactly when the result is 0 for all u > 0): exp(x) becomes u and exp(-x) 1/u,
    the argument of each log a cancelled rational function, and logs of products expanded
    where SymPy can prove the factors positive. Cheap, and it decides identities between
    exponentials and their logarithms (log(1 + e^x) - log(1 + e^-x) = x) that otherwise need
    ``simplify``."""
    syms = e.free_symbols
    if not e.has(sympy.exp) or not syms or not all(s.is_real for s in syms):
        return e
    e = e.subs({s: sympy.log(sympy.Dummy("u", positive=True)) for s in syms})
    e = e.replace(lambda x: isinstance(x, sympy.log), lambda x: sympy.log(sympy.cancel(x.args[0])))
    return sympy.cancel(sympy.expand_log(e))


def _over_common_denominator(e: sympy.Expr) -> sympy.Expr:
    """The numerator of ``e`` over a common denominator (``together``), expanded: 0 exactly
    when ``e`` is 0 wherever it is defined. Cheaper than ``cancel``, which also divides out
    common factors."""
    return sympy.expand(sympy.together(e).as_numer_denom()[0])


def _symbolic_zero(d: sympy.Expr) -> str:
    """The name of the first SymPy method that reduces ``d`` to 0, or ''. Cheap methods first:
    ``simplify`` costs more than all the others together."""
    tries = [
        ("expand", sympy.expand),
        ("together", _over_common_denominator),
        ("cancel", sympy.cancel),  # often far cheaper than after expand: the denominators stay factored
        ("cancel", lambda e: sympy.cancel(sympy.expand(e))),
        ("expand_log + cancel", lambda e: sympy.cancel(sympy.expand_log(sympy.expand(e)))),
        ("cancel in u = exp(x)", _in_exponentials),
    ]
    if not d.has(sympy.Piecewise, sympy.Heaviside):  # simplify spends seconds on those and rarely decides
        tries.append(("simplify", sympy.simplify))
    for name, f in tries:
        try:
            if f(d) == 0:
                return name
        except (sympy.PolynomialError, TypeError, ValueError):  # Piecewise and friends
            continue
    return ""


def _numeric_deviation(a: sympy.Expr, b: sympy.Expr, domain: dict, samples: int, seed: int) -> float:
    syms = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)  # a may hold symbols a - b lacks
    rng = np.random.default_rng(seed)
    bounds = np.array([domain.get(s, (-3.0, 3.0)) for s in syms], dtype=float).reshape(-1, 2)
    # row k is the k-th sample, the same numbers as drawing one argument at a time
    points = rng.uniform(bounds[:, 0], bounds[:, 1], size=(samples, len(syms)))
    try:  # all points at once, without lambdify (costly on first use)
        with np.errstate(all="ignore"):
            values = dict(zip(syms, points.T, strict=True))
            diff = np.broadcast_to(np.asarray(numeric.evaluate(a - b, values), dtype=complex), (samples,))
            ref = np.broadcast_to(np.asarray(numeric.evaluate(a, values), dtype=complex), (samples,))
    except numeric.Unsupported:
        found = _lambdified(a, b, syms, points)
        if found is None:
            return float("inf")
        diff, ref = found
    dev = np.abs(diff) / (1.0 + np.abs(ref))  # where a overflows, any finite difference would be 0: no decision
    return float(np.max(np.where(np.isfinite(dev) & np.isfinite(ref), dev, np.inf))) if samples else 0.0


def _lambdified(a: sympy.Expr, b: sympy.Expr, syms: list, points: np.ndarray) -> tuple | None:
    """(a - b, a) at ``points`` by lambdify, for what numeric.evaluate does not cover; None if
    they cannot be evaluated."""
    samples = len(points)
    try:
        f = sympy.lambdify(syms, a - b, modules=_NUMPY)
        g = sympy.lambdify(syms, a, modules=_NUMPY)
    except (NameError, TypeError, SyntaxError):
        return None
    try:  # all points in one call (numpy broadcasts); scalar calls where an expression does not broadcast
        with np.errstate(all="ignore"):
            return (np.broadcast_to(np.asarray(f(*points.T), dtype=complex), (samples,)),
                    np.broadcast_to(np.asarray(g(*points.T), dtype=complex), (samples,)))
    except (NameError, TypeError, ValueError, ZeroDivisionError):
        try:
            return np.array([complex(f(*p)) for p in points]), np.array([complex(g(*p)) for p in points])
        except (NameError, TypeError, ValueError, ZeroDivisionError):
            return None


def step_equal(a: sympy.Expr, b: sympy.Expr, domain: dict, samples: int = 40, seed: int = 0,
               expanded: bool = False) -> tuple[float, str]:
    """(deviation, method) for a == b; ``expanded`` when both are already explicit()."""
    if not expanded:
        a, b = explicit(a), explicit(b)
    how = _symbolic_zero(a - b)
    if not how:  # exponentials as positive symbols: the difference becomes a rational function
        exps = {e: sympy.Dummy("u", positive=True) for e in (a - b).atoms(sympy.exp)}
        if exps and sympy.cancel(sympy.together(sympy.expand(a - b).subs(exps))) == 0:
            how = "cancel in exponentials"
    if how:
        return 0.0, f"SymPy ({how})"
    return _numeric_deviation(a, b, domain, samples, seed), f"evaluation at {samples} random points"


def cheap_zero(d: sympy.Expr) -> str:
    """The cheap methods of _symbolic_zero only: a difference with symbolic indices that needs
    more is decided at each instance instead."""
    for name, f in (("expand", sympy.expand), ("together", _over_common_denominator), ("cancel", sympy.cancel)):
        try:
            if f(d) == 0:
                return name
        except (sympy.PolynomialError, TypeError, ValueError):
            continue
    return ""


__all__ = ["explicit", "instantiate", "written_out", "prewritten", "finished", "at_indices", "entries", "step_equal",
           "cheap_zero"]
