"""Problem kind ``smoothed_ce_derivation``: the gradients of the label-smoothed cross-entropy of a
one-hidden-layer ReLU network with a softmax output, derived step by step.

The assignment's notation (one sample, column vectors)::

    h = W1^T x + b1  (W1 in R^{d x n}),   a = ReLU(h),   z = W2^T a + b2  (W2 in R^{n x q}),
    yhat = Softmax(z),   y^s = (1 - eps) y + eps / q,   Loss = -sum_i y^s_i ln yhat_i.

``solve`` builds the derivation as data. Each gradient is an index-notation ``Chain`` (every
step a SymPy expression, checked at several sizes and indices, with the soft labels and the
softmax substituted where a step needs them) and the matrix formula it adds up to (a SymPy
matrix expression, evaluated with numpy and checked against central differences of an
independent loop implementation on random instances of other sizes and other eps). The report
prints exactly these expressions.

The kind's modules::

    data.py       its parameters and results (frozen dataclasses)
    params.py     parse: read and check its keys
    symbols.py    the symbols its derivations and their checks share
    solver.py     solve: every reported quantity
    checks.py     verify: the independent checks (never imports solver.py)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .params import parse

if TYPE_CHECKING:
    from ...verify import Check
    from .data import Params, Result

name = "smoothed_ce_derivation"
description = "Gradients of the label-smoothed cross-entropy through a ReLU/softmax network, derived"

__all__ = ["name", "description", "parse", "solve", "verify"]


def solve(p: Params) -> Result:
    """The solver, imported on first use: it needs SymPy, which parsing the assignment does not."""
    from .solver import solve as run

    return run(p)


def verify(p: Params, r: Result) -> list[Check]:
    from .checks import verify as run

    return run(p, r)
