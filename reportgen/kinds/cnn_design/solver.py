"""cnn_design: solve: every reported quantity."""

from __future__ import annotations

from ...maths import conv
from .data import Params, Result


def solve(p: Params) -> Result:
    return Result(conv.search_stacks(p.in_size, p.in_channels, p.target_size, p.target_channels, p.kernels, p.pool,
                              p.start))
