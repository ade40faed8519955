"""When checking one instance per pattern of equal indices is as good as checking them all.

A chain in index notation is checked at instances such as every (i, j) in 1..3 x 1..3. Write
its expressions out at the sizes with the indices symbolic: x_1 + x_2 + x_3, x_i, 1_{i = j},
KroneckerDelta(2, j). Permuting the index values 1..3 (x_1 -> x_pi(1), KroneckerDelta(2, j)
-> KroneckerDelta(pi(2), j), and so on) is only a renaming of the entries, so it turns a true
(or false) identity into a true (or false) one. If every written-out form is unchanged by each
such renaming, the instance (i, j) = (pi(a), pi(b)) is the renaming of the instance (a, b): two
instances whose indices have the same pattern of equalities (i = j, or i != j) are both true or
both false, and checking one per pattern decides them all.

``symmetric`` checks the premise on the written-out form itself, so it fails safe: an index
used as a number (x_{i+1}, i * x_i, i < j), data that singles out a value (one-hot targets at
class 2: KroneckerDelta(i, 2)), sums over part of the range, or anything SymPy does not put
back into the same order all make it return False, and then every instance is checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sympy

_INDEX_NODES = (sympy.Indexed, sympy.KroneckerDelta, sympy.Eq, sympy.Ne)


def _index_nodes(form: sympy.Expr, indices: frozenset) -> list[sympy.Basic] | None:
    """The nodes of ``form`` whose arguments are index values (entries, Kronecker deltas, index
    equalities), or None when an index symbol also occurs anywhere else."""
    index_like = lambda a: a.is_Integer or a in indices  # noqa: E731
    nodes = []
    for node in sympy.preorder_traversal(form):
        if isinstance(node, sympy.Indexed):
            if not all(index_like(i) for i in node.indices):
                return None  # x[i + 1]: an index used in arithmetic
            nodes.append(node)
        elif isinstance(node, _INDEX_NODES) and all(index_like(a) for a in node.args):
            nodes.append(node)
    rest = form.xreplace({n: sympy.Dummy() for n in nodes})
    return None if rest.free_symbols & indices else nodes


def _renamed(node: sympy.Basic, perm: Mapping[int, int]) -> sympy.Basic:
    move = lambda a: sympy.Integer(perm.get(int(a), int(a))) if a.is_Integer else a  # noqa: E731
    if isinstance(node, sympy.Indexed):
        return node.base[tuple(move(i) for i in node.indices)]
    return type(node)(*(move(a) for a in node.args))


def symmetric(form: sympy.Expr, indices: frozenset, values: Iterable[int]) -> bool:
    """Whether ``form`` is unchanged by every permutation of ``values`` together with the
    index values it holds itself (checked on the two permutations that generate them all:
    a swap of two values and a cycle through all of them)."""
    if form.has(sympy.Sum, sympy.Product, sympy.Integral, sympy.Subs, sympy.Lambda):
        return False  # bound variables: the renaming would not reach inside
    nodes = _index_nodes(form, indices)
    if nodes is None:
        return False
    held = {int(a) for n in nodes for a in (n.indices if isinstance(n, sympy.Indexed) else n.args) if a.is_Integer}
    vals = sorted(held | set(values))
    if len(vals) < 2:
        return True
    swap = {vals[0]: vals[1], vals[1]: vals[0]}
    cycle = dict(zip(vals, vals[1:] + vals[:1], strict=True))
    return all(form.xreplace({n: _renamed(n, perm) for n in nodes}) == form for perm in (swap, cycle))


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
