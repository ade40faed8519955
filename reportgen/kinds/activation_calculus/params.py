"""activation_calculus: parse: read and check its keys."""

from __future__ import annotations

from ...spec import Table
from .data import Params


def _int_list(t: Table, name: str, lo: int, hi: int, most: int) -> tuple[int, ...]:
    """At most ``most`` integers in [lo, hi]: sizes that keep the report readable and the checks fast."""
    arr = t.array(name, (None,))
    if any(v != int(v) or not lo <= v <= hi for v in arr) or arr.size > most:
        raise t.error(name, f"expected at most {most} integers between {lo} and {hi}, got {arr.tolist()}")
    return tuple(int(v) for v in arr)


def parse(t: Table) -> Params:
    exp_values = _int_list(t, "exp_values", 1, 20, 5)
    if len(set(exp_values)) < 2:
        raise t.error("exp_values", "need at least two different values, or softmax is uniform for every c")
    scales = _int_list(t, "scales", 0, 6, 6)
    shown = t.integer("shown_scale", lo=0, hi=6)
    if shown == 1:
        raise t.error("shown_scale", "c = 1 leaves softmax unchanged; pick another scale for the counterexample")
    return Params(
        exp_values=exp_values,
        scales=tuple(sorted(set(scales) | {1, shown})),
        shown_scale=shown,
        index_sizes=_int_list(t, "index_sizes", 1, 4, 2),
        vjp_sizes=_int_list(t, "vjp_sizes", 1, 20, 5),
        count_sizes=_int_list(t, "count_sizes", 1, 300, 5),
        seed=t.integer("seed", 0, lo=0, hi=2**32 - 1),
    )
