"""A one-hidden-layer network with sine activation and softmax output, in the assignment's
column-vector layout:

    h^a = W1 x + b1,  h^s = sin(h^a),  o^a = W2 h^s + b2,  o^s = softmax(o^a),  L = -log o^s_y

with W1 in R^{d_h x d} and W2 in R^{m x d_h}. Everything asked is symbolic. The element-wise
derivatives are SymPy chains checked at every index of small instances; the matrix forms are
checked against central finite differences of an independent element-wise loss on random
networks of several sizes. The numbers come from reportgen.maths.mlp (activation "sin",
head "softmax", one-hot targets) in its row-batch layout (Z1 = X W1^T + b1): this module only
transposes, it does not backpropagate a second time.

The kind's modules::

    data.py       its parameters and results (frozen dataclasses)
    params.py     parse: read and check its keys
    model.py      code its solver and its checks share
    solver.py     solve: every reported quantity
    checks.py     verify: the independent checks (never imports solver.py)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .params import parse

if TYPE_CHECKING:
    from ...verify import Check
    from .data import Params, Result

name = "sine_mlp_theory"
description = "A one-hidden-layer sine network with softmax output: forms, risk, every gradient"

__all__ = ["name", "description", "parse", "solve", "verify"]


def solve(p: Params) -> Result:
    """The solver, imported on first use: it needs SymPy, which parsing the assignment does not."""
    from .solver import solve as run

    return run(p)


def verify(p: Params, r: Result) -> list[Check]:
    from .checks import verify as run

    return run(p, r)
