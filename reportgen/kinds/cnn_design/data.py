"""cnn_design: its parameters and results (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass

from ...maths import conv

MAX_STACKS = 200  # every valid stack is a row of the printed table
MAX_WORDS = 60_000  # words the brute-force check enumerates (about half a second)


@dataclass(frozen=True)
class Params:
    in_size: int
    in_channels: int
    target_size: int
    target_channels: int
    kernels: tuple[int, ...]
    pool: int
    start: str = "conv"  # the first layer of the stacks searched: "conv", "pool" or "either"


@dataclass(frozen=True)
class Result:
    search: conv.StackSearch

    @property
    def n_valid(self) -> int:
        return len(self.search.candidates)
