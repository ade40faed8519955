"""smoothed_ce_derivation: parse: read and check its keys."""

from __future__ import annotations

from ...spec import Table
from .data import Params


def parse(t: Table) -> Params:
    return Params(trials=t.integer("trials", 8, lo=1, hi=100))
