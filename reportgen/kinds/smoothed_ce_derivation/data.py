"""smoothed_ce_derivation: its parameters and results (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SymPy is imported by solve(), not when the assignment is parsed
    import sympy as sp

    from ...maths.derivation import Chain


@dataclass(frozen=True)
class Params:
    trials: int  # random instances per matrix formula (finite-difference checks)


@dataclass(frozen=True)
class Derived:
    """One result: the index-notation chain for ``lhs`` and, where there is one, the matrix
    formula ``matrix_lhs = formula`` it amounts to (the gradient with respect to ``wrt``).
    ``lhs``, ``start_why`` and ``matrix_lhs`` are plain text (``dLoss/dz_k``); the section
    template typesets them."""

    lhs: str  # empty: the chain starts from the quantity itself
    start_why: str
    chain: Chain
    matrix_lhs: str = ""
    formula: sp.MatrixExpr | None = None
    wrt: str = ""

    @property
    def shape(self) -> tuple:
        """The formula's shape as the report states it: (rows,) for a column vector."""
        if self.formula is None:
            return ()
        rows, cols = self.formula.shape
        return (rows,) if cols == 1 else (rows, cols)


@dataclass(frozen=True)
class Result:
    soft_labels: Derived
    dloss_dyhat: Derived
    softmax_jacobian: Derived
    dloss_dz: Derived
    W2: Derived
    b2: Derived
    a: Derived
    h: Derived
    W1: Derived
    b1: Derived

    @property
    def all(self) -> tuple[Derived, ...]:
        return (self.soft_labels, self.dloss_dyhat, self.softmax_jacobian, self.dloss_dz,
                self.W2, self.b2, self.a, self.h, self.W1, self.b1)
