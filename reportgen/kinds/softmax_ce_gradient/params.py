"""softmax_ce_gradient: parse: read and check its keys."""

from __future__ import annotations

import numpy as np

from ...spec import Table
from .data import Params


def parse(t: Table) -> Params:
    sizes = t.array("check_sizes", (None,), np.array([2.0, 3.0]))
    if any(m != int(m) or not 2 <= m <= 6 for m in sizes):
        raise t.error("check_sizes", "expected integers from 2 to 6 (m = 1 class is degenerate: softmax is "
                                     "constant 1; symbolic checks grow fast beyond 6)")
    return Params(tuple(int(m) for m in sizes))
