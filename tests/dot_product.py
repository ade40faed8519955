"""A toy problem kind that lives in tests/ only: the dot product of two vectors.

It is the worked example of docs/adding-a-kind.md: parameters and parser, solver, independent
check, registered at run time with ``reportgen.kinds.register`` and rendered by
tests/toy_templates/sections/dot_product.tex.j2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reportgen.spec import Table
from reportgen.verify import Check, close

name = "dot_product"
description = "The dot product of two vectors"


@dataclass(frozen=True)
class Params:
    a: np.ndarray  # (n,)
    b: np.ndarray  # (n,)


@dataclass(frozen=True)
class Result:
    products: np.ndarray  # (n,) a_i b_i
    value: float  # sum_i a_i b_i


def parse(t: Table) -> Params:
    a = t.array("a", (None,))
    return Params(a, t.array("b", (a.shape[0],)))  # b must have as many entries as a


def solve(p: Params) -> Result:
    products = p.a * p.b
    return Result(products, float(products.sum()))


def verify(p: Params, r: Result) -> list[Check]:
    total = 0.0
    for i in range(len(p.a)):  # a different method: a plain loop, not numpy
        total += float(p.a[i]) * float(p.b[i])
    return [close("a . b", "loop over the entries", r.value, total, 1e-12)]
