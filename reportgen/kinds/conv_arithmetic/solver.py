"""conv_arithmetic: solve: every reported quantity."""

from __future__ import annotations

from .data import Params, Result
from .model import run_stack, search_design


def solve(p: Params) -> Result:
    designs = tuple(search_design(p.design_in_size, p.design_out_size, c.item, c.padding, c.dilation)
                    for c in p.constraints)
    return Result(run_stack(p), designs, p.design_in_size, p.design_in_channels, p.design_out_size,
                  p.design_out_channels)
