"""Check derivation chains (reportgen.maths.derivation): every step equal to the one before.

Each step is compared by reportgen.verify.symbolic (SymPy first, then random-point evaluation
where SymPy cannot decide). A chain in index notation is checked at its instances; instances
that differ only in index values share one written-out form with the indices symbolic, and
are compared together where that is as good as comparing each (see ``check_chain``); the
method text of each step says how many comparisons covered its cases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np
import sympy

from ..maths.derivation import Chain, NumericStep
from . import Check, symmetry
from .symbolic import (
    at_indices,
    cheap_zero,
    entries,
    explicit,
    finished,
    forget_entries,
    instantiate,
    prewritten,
    step_equal,
    written_out,
)


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
    # a value against the symbol's assumptions (i positive, i = 0): SymPy would decide with the
    # assumption (KroneckerDelta(i, 0) = 0), so such a symbol is put in at each instance instead
    keys = {k for k in keys if all(_fits(k, sub[k]) for sub in instances if k in sub)}
    bounds: set = set()
    for e in exprs:
        for node in sympy.preorder_traversal(e):
            if isinstance(node, sympy.Sum):
                bounds.update(*(b.free_symbols for lim in node.limits for b in lim[1:]))
            for pos in getattr(type(node), "size_args", ()):  # notation that writes out a sum on doit()
                bounds.update(node.args[pos].free_symbols)
    return frozenset(keys - bounds)


def _fits(symbol: sympy.Symbol, value: object) -> bool:
    """Whether ``value`` has every property ``symbol`` is assumed to have (positive, even, ...)."""
    number = sympy.sympify(value)
    return all(getattr(number, f"is_{fact}") in (truth, None) for fact, truth in symbol.assumptions0.items()
               if truth is not None)


class _Forms:
    """The chain's expressions for each group of instances that differ only in index values:
    written out with the indices symbolic before derivatives (``pre``) and after (``general``),
    and at each instance on demand (``at``: ``pre`` with the index values put in, or, for a
    group of one, written out from scratch). All memoised: each is made once per chain."""

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
        self._pre: dict = {}
        self._general: dict = {}
        self._at: dict = {}
        self._symmetric: dict = {}

    def pre(self, g: int, e: int) -> sympy.Expr:
        """Expression e at group g's sizes and data, sums written out, indices symbolic."""
        if (g, e) not in self._pre:
            self._pre[g, e] = prewritten(self.exprs[e], self.groups[g][0])
        return self._pre[g, e]

    def general(self, g: int, e: int) -> sympy.Expr:
        """``pre`` explicit (derivatives taken), indices still symbolic."""
        if (g, e) not in self._general:
            self._general[g, e] = finished(self.pre(g, e), self.groups[g][0])
        return self._general[g, e]

    def at(self, g: int, n: int, e: int) -> tuple[sympy.Expr, dict]:
        """Expression e at instance n of group g, explicit, entries as symbols; their domain."""
        if (g, n, e) not in self._at:
            rest, idx = self.groups[g][0], self.groups[g][1][n]
            if len(self.groups[g][1]) == 1:  # nothing to share
                form = written_out(self.exprs[e], {**rest, **idx})
            else:
                form = at_indices(self.pre(g, e), idx, rest)
            self._at[g, n, e] = entries(form, self.domain)
        return self._at[g, n, e]

    def compare(self, g: int, n: int, i: int) -> tuple[float, str]:
        """(deviation, method) of step i at instance n of group g."""
        (a, dom), (b, dom_b) = self.at(g, n, i - 1), self.at(g, n, i)
        return step_equal(a, b, {**dom, **dom_b}, expanded=True)

    def representatives(self, g: int, i: int) -> list[int] | None:
        """One instance of group g per pattern of equal indices, if both sides of step i are
        symmetric in the index values (reportgen.verify.symmetry); None otherwise."""
        instances = self.groups[g][1]
        if len(instances) < 2:
            return None
        values = {int(v) for idx in instances for v in idx.values()}
        for e in (i - 1, i):
            if (g, e) not in self._symmetric:
                self._symmetric[g, e] = symmetry.symmetric(self.pre(g, e), self.indices, values)
            if not self._symmetric[g, e]:
                return None
        return symmetry.representatives(instances)


def _check_step(forms: _Forms, i: int) -> tuple[float, list[str], dict[str, int]]:
    """(worst deviation, methods, comparisons of each kind) for step i; each group is covered
    "symbolic" (one comparison with its indices symbolic), "patterns" (one instance per pattern
    of equal indices, see reportgen.verify.symmetry) or "cases" (every instance)."""
    worst, methods, scope = 0.0, [], Counter()
    for g, (_, indices) in enumerate(forms.groups):
        reps = forms.representatives(g, i)
        if reps is None and len(indices) > 2:  # the indices symbolic: one comparison for the group, if SymPy decides
            (a, _), (b, _) = entries(forms.general(g, i - 1), {}), entries(forms.general(g, i), {})
            how = cheap_zero(a - b)
            if how:
                methods.append(f"SymPy ({how})")
                scope["symbolic"] += 1
                continue
        found = [forms.compare(g, n, i) for n in (reps if reps is not None else range(len(indices)))]
        if reps is not None and all(m.startswith("SymPy") for _, m in found):
            scope["patterns"] += len(reps)
        else:  # sampling is not a decision to extend to other instances: check them all
            found += [forms.compare(g, n, i) for n in range(len(indices)) if reps is not None and n not in reps]
            scope["cases"] += len(indices)
        worst = max([worst] + [dev for dev, _ in found])
        methods += [m for _, m in found]
    return worst, methods, scope


def check_chain(chain: Chain, tol: float = 1e-9) -> list[Check]:
    """One Check per step: previous expression == this step's expression (at every instance).

    Instances that differ only in index values are compared once with the indices symbolic
    (sizes and data put in, sums written out) when the cheap SymPy methods decide that. A step
    they do not decide is compared at one instance per pattern of equal indices where the
    written-out expressions are symmetric in the index values (reportgen.verify.symmetry),
    otherwise at every instance (SymPy, then random points)."""
    forget_entries()
    exprs = [chain.start] + [s.expr for s in chain.steps]
    forms = _Forms(exprs, chain.instances or ({},), chain.domain)
    out = []
    for i in range(1, len(exprs)):
        worst, methods, scope = _check_step(forms, i)
        exact = all(m.startswith("SymPy") for m in methods)
        method = next((m for m in methods if not m.startswith("SymPy")), None) or _merge(methods)
        if chain.instances:
            method += ", " + describe_scope(chain.instances, forms.indices, scope)
        out.append(Check(f"{chain.name}, step {i}", method, worst, 0.0 if exact else tol, exact=exact,
                         group=chain.name, step=i))
    return out


def describe_scope(instances: tuple[Mapping, ...], indices: frozenset, scope: Mapping[str, int]) -> str:
    """``describe(instances)``, and how many comparisons covered the cases where that was fewer
    than one per case: 'n = 3; i = 1..3; j = 1..3 (9 cases: 2 compared, one per pattern of equal
    indices, as ...)'. ``scope`` counts the comparisons of each kind (see _check_step)."""
    text = describe(instances)
    if scope.get("cases") or not scope:
        return text
    names = ", ".join(sorted(str(k) for k in indices))
    parts = []
    if scope.get("symbolic"):
        n = scope["symbolic"]
        parts.append(f"{n} comparison{'s' if n > 1 else ''} with {names} symbolic")
    if scope.get("patterns"):
        parts.append(f"{scope['patterns']} compared, one per pattern of equal indices, as the written-out "
                     f"expressions are symmetric in the values of {names}")
    return f"{text[:-1]}: {'; '.join(parts)})"


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
