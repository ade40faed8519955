"""dE/dy for softmax + cross-entropy, E = -sum_k t_k log S(y)_k: general target, then one-hot.

Both derivations are index-notation chains over a symbolic size m (reportgen.maths.derivation):
the report prints exactly these expressions, and verify() checks every step with
reportgen.verify.derivation.check_chain at each instance (m and i spelled out; for the one-hot
chain also every class c, the targets given as t_k = [k = c]). The final formula is also
compared with central finite differences at a larger size.

The kind's modules::

    data.py       its parameters and results (frozen dataclasses)
    params.py     parse: read and check its keys
    solver.py     solve: every reported quantity
    checks.py     verify: the independent checks (never imports solver.py)
"""

from __future__ import annotations

from .checks import verify
from .params import parse
from .solver import solve

name = "softmax_ce_gradient"
description = "The derivative of softmax cross-entropy, general and one-hot targets"

__all__ = ["name", "description", "parse", "solve", "verify"]
