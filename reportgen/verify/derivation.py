"""Check derivation chains: SymPy first, then random-point evaluation where SymPy cannot decide.

Notation is expanded before comparing: ``doit()`` evaluates derivatives and sums and expands
named functions (reportgen.maths.notation), ``rewrite(exp)`` writes tanh, sinh, ... in
exponentials. The cheap decisions (expand, cancel) are tried before ``simplify``, which is
slow; a difference none of them reduces to 0 is evaluated at random points of ``domain``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy

from ..maths.derivation import Chain, NumericStep
from . import Check

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
    """``e`` at ``sub`` with sums written out and notation expanded, entries still ``Indexed``
    (an index that ``sub`` leaves symbolic stays symbolic: x[i], KroneckerDelta(1, i))."""
    data = {k: v for k, v in sub.items() if isinstance(k, sympy.IndexedBase)}
    rest = {k: v for k, v in sub.items() if not isinstance(k, sympy.IndexedBase)}
    # sizes and indices are replaced structurally (subs would turn d/dW[j,k] into a Subs object);
    # values of real variables, such as x = 0, are put in after derivatives are taken
    sizes = {k: v for k, v in rest.items() if getattr(k, "is_integer", False)}
    points = {k: v for k, v in rest.items() if k not in sizes}
    if sizes:
        e = e.xreplace(sizes)
    e = e.replace(lambda x: isinstance(x, sympy.Sum), lambda x: x.doit(deep=False))
    if data:
        e = e.replace(lambda x: isinstance(x, sympy.Indexed) and x.base in data, lambda x: data[x.base](*x.indices))
    e = explicit(e)
    if points:
        e = explicit(e.subs(points))
    return e


def entries(e: sympy.Expr, domain: Mapping) -> tuple[sympy.Expr, dict]:
    """``e`` with each entry ``x[2]`` (``Indexed``) a plain symbol named so, with its base's
    assumptions; the sampling domain of the symbols (``domain`` maps Symbols, or an IndexedBase
    for all its entries)."""
    dom = {k: v for k, v in domain.items() if not isinstance(k, sympy.IndexedBase)}
    names = {}
    for a in sorted(e.atoms(sympy.Indexed), key=sympy.default_sort_key):
        name = f"{a.base.label}[{','.join(map(str, a.indices))}]"
        assumptions = {k: v for k, v in a.base.assumptions0.items() if v is not None} or {"real": bool(a.is_real)}
        names[a] = sympy.Symbol(name, **assumptions)
        if a.base in domain:
            dom[names[a]] = domain[a.base]
    return e.xreplace(names), dom


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


def _symbolic_zero(d: sympy.Expr) -> str:
    """The name of the first SymPy method that reduces ``d`` to 0, or ''. Cheap methods first:
    ``simplify`` costs more than all the others together."""
    tries = [
        ("expand", sympy.expand),
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
    try:
        f = sympy.lambdify(syms, a - b, modules=_NUMPY)
        g = sympy.lambdify(syms, a, modules=_NUMPY)
    except (NameError, TypeError, SyntaxError):
        return float("inf")
    bounds = np.array([domain.get(s, (-3.0, 3.0)) for s in syms], dtype=float).reshape(-1, 2)
    # row k is the k-th sample, the same numbers as drawing one argument at a time
    points = rng.uniform(bounds[:, 0], bounds[:, 1], size=(samples, len(syms)))
    try:  # all points in one call (numpy broadcasts); scalar calls where an expression does not broadcast
        with np.errstate(all="ignore"):
            diff = np.broadcast_to(np.asarray(f(*points.T), dtype=complex), (samples,))
            ref = np.broadcast_to(np.asarray(g(*points.T), dtype=complex), (samples,))
    except (NameError, TypeError, ValueError, ZeroDivisionError):
        try:
            diff = np.array([complex(f(*p)) for p in points])
            ref = np.array([complex(g(*p)) for p in points])
        except (NameError, TypeError, ValueError, ZeroDivisionError):
            return float("inf")
    dev = np.abs(diff) / (1.0 + np.abs(ref))
    return float(np.max(np.where(np.isfinite(dev), dev, np.inf))) if samples else 0.0


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


def describe(instances: tuple[Mapping, ...]) -> str:
    """'n = 3; i, j = 1..3 (9 cases)' for a list of substitutions (entries given as Lambdas are
    not spelled out: they are the definitions the chain works with)."""
    values: dict[str, set] = {}
    for sub in instances:
        for k, v in sub.items():
            if not isinstance(k, sympy.IndexedBase):
                values.setdefault(str(k), set()).add(v)
    parts = []
    for k, vs in values.items():
        ints = sorted(vs) if all(isinstance(v, int) or getattr(v, "is_Integer", False) for v in vs) else None
        if ints and len(ints) > 2 and ints == list(range(ints[0], ints[-1] + 1)):
            parts.append(f"{k} = {ints[0]}..{ints[-1]}")
        else:
            parts.append(f"{k} = " + ", ".join(str(v) for v in (ints or sorted(vs, key=str))))
    general = any(not sub for sub in instances)
    text = "; ".join(parts)
    if general:
        text = f"in general and at {text}" if text else "in general"
    return f"{text} ({len(instances)} cases)"


def index_symbols(exprs: list[sympy.Expr], instances: tuple[Mapping, ...]) -> frozenset:
    """The integer Symbols of ``instances`` that occur in ``exprs`` but bound no sum there
    (indices such as i, j in x_i, 1_{i = j}, as opposed to sizes such as n in sum_{k=1}^{n}):
    the chain can be written out with these left symbolic."""
    keys = {k for sub in instances for k in sub if isinstance(k, sympy.Symbol) and k.is_integer}
    keys &= set().union(*(e.free_symbols for e in exprs))
    bounds: set = set()
    for e in exprs:
        for node in sympy.preorder_traversal(e):
            if isinstance(node, sympy.Sum):
                bounds.update(*(b.free_symbols for lim in node.limits for b in lim[1:]))
            for pos in getattr(type(node), "size_args", ()):  # notation that writes out a sum on doit()
                bounds.update(node.args[pos].free_symbols)
    return frozenset(keys - bounds)


class _Forms:
    """The chain's expressions written out once per group of instances that differ only in
    index values (``general``, indices symbolic), and at each instance on demand (``at``):
    the general form with the index values put in, or, where something was left unevaluated
    there, written out from scratch."""

    def __init__(self, exprs: list[sympy.Expr], instances: tuple[Mapping, ...], domain: Mapping) -> None:
        self.exprs, self.domain = exprs, domain
        self.indices = index_symbols(exprs, instances)
        self.groups: list[tuple[dict, list[dict]]] = []  # (substitution without indices, the instances' indices)
        for sub in instances:
            rest = {k: v for k, v in sub.items() if k not in self.indices}
            idx = {k: v for k, v in sub.items() if k in self.indices}
            group = next((g for g in self.groups if g[0] == rest), None)
            if group is None:
                self.groups.append((rest, [idx]))
            else:
                group[1].append(idx)
        self._general: dict = {}
        self._at: dict = {}

    def general(self, g: int, e: int) -> sympy.Expr:
        if (g, e) not in self._general:
            self._general[g, e] = written_out(self.exprs[e], self.groups[g][0])
        return self._general[g, e]

    def at(self, g: int, n: int, e: int) -> tuple[sympy.Expr, dict]:
        if (g, n, e) not in self._at:
            rest, idx = self.groups[g][0], self.groups[g][1][n]
            form = self.general(g, e)
            form = form.xreplace(idx) if idx else form
            if idx and form.has(sympy.Sum, sympy.Derivative, sympy.Subs):
                form = written_out(self.exprs[e], {**rest, **idx})
            self._at[g, n, e] = entries(form, self.domain)
        return self._at[g, n, e]


def _general_zero(d: sympy.Expr) -> str:
    """The cheap methods of _symbolic_zero only: a difference with symbolic indices that needs
    more is decided at each instance instead."""
    for name, f in (("expand", sympy.expand), ("cancel", sympy.cancel)):
        try:
            if f(d) == 0:
                return name
        except (sympy.PolynomialError, TypeError, ValueError):
            continue
    return ""


def _check_step(forms: _Forms, i: int) -> tuple[float, list[str], bool]:
    """(worst deviation, methods, every group decided with its indices symbolic) for step i."""
    worst, methods, general = 0.0, [], True
    for g, (_, indices) in enumerate(forms.groups):
        if len(indices) > 1:  # the indices symbolic: one comparison for the whole group, when SymPy decides it
            (a, _), (b, _) = entries(forms.general(g, i - 1), {}), entries(forms.general(g, i), {})
            how = _general_zero(a - b)
            if how:
                methods.append(f"SymPy ({how})")
                continue
        general = False
        for n in range(len(indices)):
            (a, dom), (b, dom_b) = forms.at(g, n, i - 1), forms.at(g, n, i)
            dev, method = step_equal(a, b, {**dom, **dom_b}, expanded=True)
            worst = max(worst, dev)
            methods.append(method)
    return worst, methods, general and bool(forms.indices)


def check_chain(chain: Chain, tol: float = 1e-9) -> list[Check]:
    """One Check per step: previous expression == this step's expression (at every instance).

    Instances that differ only in index values are compared once with the indices symbolic
    (sizes and data put in, sums written out) when the cheap SymPy methods decide that; a step
    they do not decide is compared at every instance (SymPy, then random points)."""
    exprs = [chain.start] + [s.expr for s in chain.steps]
    forms = _Forms(exprs, chain.instances or ({},), chain.domain)
    out = []
    for i in range(1, len(exprs)):
        worst, methods, general = _check_step(forms, i)
        exact = all(m.startswith("SymPy") for m in methods)
        method = next((m for m in methods if not m.startswith("SymPy")), None) or _merge(methods)
        if general:
            method += ", " + describe_symbolic(chain.instances, forms.indices)
        elif chain.instances:
            method += ", " + describe(chain.instances)
        out.append(Check(f"{chain.name}, step {i}", method, worst, 0.0 if exact else tol, exact=exact,
                         group=chain.name, step=i))
    return out


def describe_symbolic(instances: tuple[Mapping, ...], indices: frozenset) -> str:
    """'i, j symbolic at n = 3 (covers i = 1..3; j = 1..3, 9 cases)'."""
    names = ", ".join(sorted(str(k) for k in indices))
    rest = [{k: v for k, v in sub.items() if k not in indices} for sub in instances]
    only = [{k: v for k, v in sub.items() if k in indices} for sub in instances]
    at = describe(tuple(rest)).rsplit(" (", 1)[0]
    covered = describe(tuple(only)).rsplit(" (", 1)[0]
    where = f" at {at}" if at and at != "in general" else ""
    return f"{names} symbolic{where} (covers {covered}, {len(instances)} cases)"


def _merge(methods: list[str]) -> str:
    """'SymPy (expand, cancel)' from one method per instance."""
    hows = list(dict.fromkeys(m[len("SymPy ("):-1] for m in methods))
    return f"SymPy ({', '.join(hows)})"


def check_numeric(step: NumericStep, trials: int = 20, seed: int = 0, tol: float = 1e-9) -> Check:
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(trials):
        args = step.make_inputs(rng)
        lhs, rhs = np.asarray(step.lhs(*args), dtype=float), np.asarray(step.rhs(*args), dtype=float)
        if lhs.shape != rhs.shape:
            return Check(step.name, f"shapes differ: {lhs.shape} vs {rhs.shape}", float("inf"), tol)
        worst = max(worst, float(np.max(np.abs(lhs - rhs))) / (1.0 + float(np.max(np.abs(lhs)))))
    return Check(step.name, f"numpy at {trials} random inputs", worst, tol)


__all__ = ["check_chain", "check_numeric", "step_equal", "explicit", "instantiate"]
