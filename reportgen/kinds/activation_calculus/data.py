"""activation_calculus: its parameters and results (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SymPy is imported by solve(), not when the assignment is parsed
    from ...maths.derivation import Chain



@dataclass(frozen=True)
class Params:
    exp_values: tuple[int, ...]  # counterexample for (i): x_i = ln a_i, so e^{x_i} = a_i
    scales: tuple[int, ...]  # the c values tabulated in (i)
    shown_scale: int  # the c used for the counterexample
    index_sizes: tuple[int, ...]  # n at which index-notation chains are checked (every index)
    vjp_sizes: tuple[int, ...]  # n for the numeric Jacobian / vector-Jacobian checks
    count_sizes: tuple[int, ...]  # n for the operation-count table in (m)
    seed: int


@dataclass(frozen=True)
class ScaleRow:
    """S(c x) for the counterexample x = (ln a_1, ..., ln a_n): entries a_i^c / sum_j a_j^c."""

    c: int
    probs: tuple[Fraction, ...]


@dataclass(frozen=True)
class OpCount:
    """Scalar multiplications and additions for nabla_x L, given y = f(x) and g = nabla_y L."""

    n: int

    @property
    def full_mults(self) -> int:  # J^T g as a dense matrix-vector product
        return self.n * self.n

    @property
    def full_adds(self) -> int:
        return self.n * (self.n - 1)

    @property
    def sigmoid_mults(self) -> int:  # s (1 - s) g: two products per entry
        return 2 * self.n

    @property
    def sigmoid_adds(self) -> int:  # 1 - s: one subtraction per entry
        return self.n

    @property
    def softmax_mults(self) -> int:  # s . g (n), then s * (g - a) (n)
        return 2 * self.n

    @property
    def softmax_adds(self) -> int:  # s . g (n - 1), then g - a (n)
        return 2 * self.n - 1


@dataclass(frozen=True)
class Result:
    relu: Chain
    relu_left: int  # one-sided derivatives of rect at 0
    relu_right: int
    sigmoid_prime: Chain
    sigmoid_tanh: Chain
    log_sigmoid: Chain
    softplus_difference: Chain
    sign: Chain
    l2: Chain
    l1: Chain
    scaled: Chain
    scaling: tuple[ScaleRow, ...]
    shown_scale: int
    translation: Chain
    partials: Chain
    counts: tuple[OpCount, ...]

    @property
    def chains(self) -> tuple[Chain, ...]:
        return (self.relu, self.sigmoid_prime, self.sigmoid_tanh, self.log_sigmoid, self.softplus_difference,
                self.sign, self.l2, self.l1, self.scaled, self.translation, self.partials)

    def row(self, scale: int) -> ScaleRow:
        return next(r for r in self.scaling if r.c == scale)
