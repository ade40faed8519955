"""When checking one instance per pattern of equal indices is as good as checking them all.

A chain in index notation is checked at instances such as every (i, j) in 1..3 x 1..3. Write
its expressions out at the sizes with the indices symbolic: x_1 + x_2 + x_3, x_i, 1_{i = j},
KroneckerDelta(2, j). Permuting the index values 1..3 (x_1 -> x_pi(1), KroneckerDelta(2, j)
-> KroneckerDelta(pi(2), j), and so on) is only a renaming of the entries, so it turns a true
(or false) identity into a true (or false) one. If every written-out form is unchanged by each
such renaming, the instance (i, j) = (pi(a), pi(b)) is the renaming of the instance (a, b): two
instances whose indices have the same pattern of equalities (i = j, or i != j) are both true or
both false, and checking one per pattern decides them all.

``symmetric`` checks the premise on the written-out form itself (comparing images of the
form in which sums and products are multisets of their terms), so it fails safe: an index
used as a number (x_{i+1}, i * x_i, i < j), data that singles out a value (one-hot targets at
class 2: KroneckerDelta(i, 2)) and sums over part of the range all make it return False, and
then every instance is checked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import sympy

_INDEX_NODES = (sympy.Indexed, sympy.KroneckerDelta, sympy.Eq, sympy.Ne)
_SYMMETRIC_NODES = (sympy.KroneckerDelta, sympy.Eq, sympy.Ne)  # f(a, b) = f(b, a)


class _Stray(Exception):
    """An index symbol outside an entry, a Kronecker delta or an index equality."""


class _Shape:
    """A hashable image of an expression with the index values renamed by ``perm``: sums and
    products as multisets of their terms (so a renaming that only reorders them leaves the
    image unchanged), everything else in order. No SymPy object is built."""

    def __init__(self, indices: frozenset, perm: Mapping[int, int]) -> None:
        self.indices, self.perm = indices, perm
        self.held: set[int] = set()
        self.memo: dict = {}

    def index(self, a: sympy.Basic) -> object:
        if a.is_Integer:
            self.held.add(int(a))
            return self.perm.get(int(a), int(a))
        return a

    def __call__(self, node: sympy.Basic) -> object:
        done = self.memo.get(node)
        if done is None:
            done = self.memo[node] = self._shape(node)
        return done

    def _shape(self, node: sympy.Basic) -> object:
        index_like = lambda a: a.is_Integer or a in self.indices  # noqa: E731
        if isinstance(node, sympy.Indexed):
            if not all(index_like(i) for i in node.indices):
                raise _Stray  # x[i + 1]: an index used in arithmetic
            return ("entry", node.base, tuple(self.index(i) for i in node.indices))
        if isinstance(node, _INDEX_NODES) and all(index_like(a) for a in node.args):
            values = [self.index(a) for a in node.args]
            symmetric = isinstance(node, _SYMMETRIC_NODES)
            return (type(node), frozenset(Counter(values).items()) if symmetric else tuple(values))
        if node in self.indices:
            raise _Stray
        if not node.args:
            return node
        parts = [self(a) for a in node.args]
        if isinstance(node, (sympy.Add, sympy.Mul)) and node.is_commutative:
            return (type(node), frozenset(Counter(parts).items()))
        return (type(node), tuple(parts))


def symmetric(form: sympy.Expr, indices: frozenset, values: Iterable[int]) -> bool:
    """Whether ``form`` is unchanged by every permutation of ``values`` together with the
    index values it holds itself (checked on the two permutations that generate them all:
    a swap of two values and a cycle through all of them)."""
    if form.has(sympy.Sum, sympy.Product, sympy.Integral, sympy.Subs, sympy.Lambda):
        return False  # bound variables: the renaming would not reach inside
    plain = _Shape(indices, {})
    try:
        image = plain(form)
    except _Stray:
        return False
    vals = sorted(plain.held | set(values))
    if len(vals) < 2:
        return True
    swap = {vals[0]: vals[1], vals[1]: vals[0]}
    cycle = dict(zip(vals, vals[1:] + vals[:1], strict=True))
    return all(_Shape(indices, perm)(form) == image for perm in (swap, cycle))


def pattern(idx: Mapping) -> tuple:
    """The equalities among the index values of one instance: {i: 2, j: 2} and {i: 1, j: 1} both
    give ((i, 0), (j, 0)); {i: 1, j: 3} gives ((i, 0), (j, 1))."""
    first: dict = {}
    return tuple((str(k), first.setdefault(v, len(first))) for k, v in sorted(idx.items(), key=lambda kv: str(kv[0])))


def representatives(instances: list[Mapping]) -> list[int]:
    """The position of the first instance of each pattern of equal indices."""
    seen: dict = {}
    for n, idx in enumerate(instances):
        seen.setdefault(pattern(idx), n)
    return sorted(seen.values())
