"""A stack of convolutions and 2x2 max-pools from an input image to a target shape.

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

name = "cnn_design"
description = "A conv/pool stack that reaches a target shape, with parameter counts"

__all__ = ["name", "description", "parse", "solve", "verify"]
