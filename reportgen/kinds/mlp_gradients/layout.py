"""mlp_gradients: the one place that knows the assignment's layout.

``column`` (z_k = W1 x_k + b1, W1 in R^{h x d}, y_k = w2^T f(z_k) + b2) writes vectors as
columns and a hidden unit's weights as a row of W1; ``row`` (z_k = x_k W1 + b1, W1 in R^{d x h},
y_k = W2 f(z_k)^T + b2) writes vectors as rows and a unit's weights as a column of W1. The
solver works in reportgen.maths.mlp's canonical form (W1 is d x h); this object converts to and
from it and orients what the template shows, so the template writes each formula once. (The
independent checks in reference.py read the layout on their own, by design.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NAMES = ("column", "row")
ROW_VECTORS_PER_LINE = 3  # row vectors of more entries: b1, w2 and b2 one per line in the result


@dataclass(frozen=True)
class Layout:
    name: str  # "column" or "row"

    def __post_init__(self) -> None:
        if self.name not in NAMES:
            raise ValueError(f"layout must be one of {NAMES}, got {self.name!r}")

    @property
    def vectors_are_rows(self) -> bool:
        return self.name == "row"

    @property
    def unit_line(self) -> str:
        """Where one hidden unit's weights sit in W1 (and in dL/dW1): a "row" or a "column"."""
        return "column" if self.vectors_are_rows else "row"

    def w1_shape(self, h: int, d: int) -> tuple[int, int]:
        """W1's shape as the assignment writes it."""
        return (d, h) if self.vectors_are_rows else (h, d)

    def canonical_w1(self, W1: np.ndarray) -> np.ndarray:
        """W1 as the assignment writes it -> canonical (d x h); the same transpose maps back."""
        return W1 if self.vectors_are_rows else W1.T

    assignment_w1 = canonical_w1  # canonical (d x h) -> as the assignment writes it: the same transpose

    def unit_major_w1(self, W1: np.ndarray) -> np.ndarray:
        """W1 (or dL/dW1) as the assignment writes it -> h x d, one hidden unit per row."""
        return W1.T if self.vectors_are_rows else W1

    def vector(self, v: np.ndarray) -> np.ndarray:
        """b1, w2 (and their gradients) as the assignment writes them: a 1 x h row or an h x 1 column."""
        v = np.asarray(v)
        return v.reshape(1, -1) if self.vectors_are_rows else v.reshape(-1, 1)

    def vectors_one_per_line(self, h: int) -> bool:
        """The result's b1, w2 and b2 one per line: row vectors of more than 3 entries and b2 do
        not fit on one line (columns stand side by side)."""
        return self.vectors_are_rows and h > ROW_VECTORS_PER_LINE
