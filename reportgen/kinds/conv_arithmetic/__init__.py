"""Convolution arithmetic: the shapes and weight count of a given conv/pool stack, and square
convolution layers (k, s, p, d) that map an input to a target shape under fixed constraints.

Output size along one axis (reportgen.maths.conv.out_size):
    o = floor((n + 2p - d (k - 1) - 1) / s) + 1.
The search tries every kernel 1 <= k <= n + 2p and stride 1 <= s <= n + 2p (beyond that the
window no longer fits, or one window is all there is) and keeps those giving the target size.
Selection rule among them: (1) the windows tile the padded input exactly (the floor drops
nothing), (2) no input row is skipped (stride at most the dilated window's extent), (3) the
smallest kernel (fewest weights), then the smallest stride.

The kind's modules::

    data.py       its parameters and results (frozen dataclasses)
    params.py     parse: read and check its keys
    model.py      code its solver and its checks share
    windows.py    window positions, walked (used by the Result and the checks)
    solver.py     solve: every reported quantity
    checks.py     verify: the independent checks (never imports solver.py)
"""

from __future__ import annotations

from .checks import verify
from .params import parse
from .solver import solve

name = "conv_arithmetic"
description = "Output sizes and weight counts of conv layers, and (k, s, p, d) found by search"

__all__ = ["name", "description", "parse", "solve", "verify"]
