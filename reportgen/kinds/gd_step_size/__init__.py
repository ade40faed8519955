"""Which learning rates make gradient descent converge on f(u) = u^T A u from every start.

The kind's modules::

    data.py       its parameters and results (frozen dataclasses)
    params.py     parse: read and check its keys
    solver.py     solve: every reported quantity
    reference.py  an independent re-computation its checks use
    checks.py     verify: the independent checks (never imports solver.py)
"""

from __future__ import annotations

from .checks import verify
from .params import parse
from .solver import solve

name = "gd_step_size"
description = "Admissible gradient-descent learning rates on a quadratic"

__all__ = ["name", "description", "parse", "solve", "verify"]
