"""A one-hidden-layer regression network: forward pass, loss, the four gradients, and why
reverse order is cheaper. The assignment's layout is kept in everything reported.

Layouts (the kind converts; reportgen.maths.mlp holds the one backprop):

* ``column``: z_k = W1 x_k + b1 with W1 in R^{h x d}, y_k = w2^T f(z_k) + b2 (nn-assignment2-2024)
* ``row``:    z_k = x_k W1 + b1 with W1 in R^{d x h}, y_k = W2 f(z_k)^T + b2 (nn-assignment2-2023)

The kind's modules::

    data.py       its parameters and results (frozen dataclasses)
    layout.py     the column and row layouts: conversions, and the orientation the template shows
    params.py     parse: read and check its keys
    solver.py     solve: every reported quantity
    reference.py  an independent re-computation its checks use
    checks.py     verify: the independent checks (never imports solver.py)
"""

from __future__ import annotations

from .checks import verify
from .params import parse
from .solver import solve

name = "mlp_gradients"
description = "Gradients of a one-hidden-layer regression network, computed and explained"

__all__ = ["name", "description", "parse", "solve", "verify"]
