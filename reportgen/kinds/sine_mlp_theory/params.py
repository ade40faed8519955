"""sine_mlp_theory: parse: read and check its keys."""

from __future__ import annotations

from ...spec import Table
from .data import Params


def _triples(t: Table, name: str, hi: int) -> tuple[tuple[int, int, int], ...]:
    arr = t.array(name, (None, 3))
    if any(v != int(v) or not 1 <= v <= hi for v in arr.ravel()) or arr.shape[0] > 4:
        raise t.error(name, f"expected at most 4 rows [d, d_h, m] of integers between 1 and {hi}")
    return tuple((int(a), int(b), int(c)) for a, b, c in arr)


def parse(t: Table) -> Params:
    example = t.array("example", (3,))
    if any(v != int(v) or not 1 <= v <= 10**6 for v in example):
        raise t.error("example", "expected [d, d_h, m], integers between 1 and 1000000")
    index = t.array("index_sizes", (3,))
    if any(v != int(v) or not 1 <= v <= 4 for v in index):
        raise t.error("index_sizes", "expected [d, d_h, m], integers between 1 and 4 (every index is checked)")
    check_sizes = _triples(t, "check_sizes", 8)
    if any(m < 2 for _, _, m in check_sizes):
        raise t.error("check_sizes", "softmax needs at least m = 2 classes")
    return Params(
        example=tuple(int(v) for v in example),  # type: ignore[arg-type]
        index_sizes=tuple(int(v) for v in index),  # type: ignore[arg-type]
        check_sizes=check_sizes,
        batch=t.integer("batch", lo=1, hi=20),
        eta=t.real("eta", positive=True),
        seed=t.integer("seed", 0, lo=0, hi=2**32 - 1),
    )
