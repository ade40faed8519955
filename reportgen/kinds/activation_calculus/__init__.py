"""Derivatives and identities of the basic activation functions and of softmax.

Every "show that" is a Chain of SymPy expressions (what the PDF prints is what is checked);
vector identities are written entry by entry over a symbolic size n and checked at every
index choice for the sizes in ``index_sizes``; matrix identities (Jacobian, vector-Jacobian
products) are checked numerically at random inputs; the counterexample for scaling and the
operation counts are exact.

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

name = "activation_calculus"
description = "Derivatives and identities of sigmoid, tanh, softplus, ReLU, norms and softmax"

__all__ = ["name", "description", "parse", "solve", "verify"]


def solve(p: Params) -> Result:
    """The solver, imported on first use: it needs SymPy, which parsing the assignment does not."""
    from .solver import solve as run

    return run(p)


def verify(p: Params, r: Result) -> list[Check]:
    from .checks import verify as run

    return run(p, r)
