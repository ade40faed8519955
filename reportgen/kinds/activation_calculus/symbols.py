"""activation_calculus: the symbols its derivations and their checks share."""

from __future__ import annotations

import numpy as np
import sympy

x = sympy.Symbol("x", real=True)
c = sympy.Symbol("c", real=True)
n = sympy.Symbol("n", integer=True, positive=True)
i, j, k = sympy.symbols("i j k", integer=True, positive=True)
v = sympy.IndexedBase("x", real=True)  # the vector x (printed bold: reportgen.printer.notation)


def _index_instances(sizes: tuple[int, ...], *indices: sympy.Symbol) -> tuple[dict, ...]:
    out = []
    for size in sizes:
        grids = np.indices((size,) * len(indices)).reshape(len(indices), -1).T + 1
        out += [{n: size, **{s: int(val) for s, val in zip(indices, row, strict=True)}} for row in grids]
    return tuple(out)
