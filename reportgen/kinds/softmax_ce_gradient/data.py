"""softmax_ce_gradient: its parameters and results (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Params:
    sizes: tuple[int, ...]  # output sizes m at which each step is proved symbolically


@dataclass(frozen=True)
class Result:
    general: object  # Chain: dE/dy_i for any target vector t
    one_hot: object  # Chain: the general result for a one-hot t
