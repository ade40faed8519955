"""Problem kind ``smoothed_ce_step``: one sample through a one-hidden-layer ReLU network with a
softmax output, the label-smoothed cross-entropy, every gradient, and one gradient-descent step.

The assignment's layout, h = W1^T x + b1 with W1 in R^{d x n} and z = W2^T a + b2 with
W2 in R^{n x q}, is the canonical row form of reportgen.maths.mlp for the 1 x d row x^T:
x^T W1 + b1^T = h^T. So the weights pass through unchanged and the one backprop there computes
everything (softmax head with soft labels, sum reduction); ``Params.step`` makes the update.

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

name = "smoothed_ce_step"
description = "Forward pass, backpropagation and one gradient-descent step with label smoothing"

__all__ = ["name", "description", "parse", "solve", "verify"]
