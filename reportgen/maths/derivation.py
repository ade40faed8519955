"""Derivations as data: a chain of equal expressions, each step with its reason.

    chain = Chain("sigma in terms of tanh", start=sigma(x), steps=(
        Step(1 / (1 + exp(-x)), "definition of sigma"),
        Step((tanh(x / 2) + 1) / 2, "multiply by e^{x/2} / e^{x/2}"),
    ))

``reportgen.verify.derivation.check_chain`` proves every consecutive pair equal, symbolically
with SymPy when it can decide, otherwise by evaluation at random points; the report prints the
same expressions (``|sym`` filter), so what is shown is what was checked.

Chains in index notation (a ``Sum`` up to a symbolic size ``q``, free indices, ``IndexedBase``
entries) hold for every size; they are checked at the chain's ``instances``: each instance maps
sizes and free indices (Symbols) to integers and, optionally, an ``IndexedBase`` to a
``Lambda`` giving its entries (e.g. soft labels that sum to one, or the softmax of z). The sums
are expanded there and every step is compared as above. Instances that differ only in index
values may be covered by fewer comparisons (the indices kept symbolic, or one instance per
pattern of equal indices where the expressions are symmetric in the index values); the check's
method text says so. Notation that writes out a sum on ``doit()`` names the argument that bounds
it (``size_args``) and takes its IndexedBase as an argument.

Matrix identities that SymPy cannot hold as scalars (softmax Jacobians, vector-Jacobian
products) are ``NumericStep``s: a numpy function of random inputs for each side.

SymPy is imported here, so import this module only from problem kinds that need it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy


@dataclass(frozen=True)
class Step:
    expr: sympy.Expr  # equal to the previous expression of the chain
    why: str = ""  # plain text reason, shown beside the step


@dataclass(frozen=True)
class Chain:
    """start = steps[0].expr = steps[1].expr = ...; ``domain`` restricts random sampling (keys:
    Symbols, or an IndexedBase for all its entries).

    ``instances`` (optional) are substitutions at which the chain is checked, each on its own:
    a chain in index notation over a symbolic size (sum_{k=1}^{n}, x_i, 1_{i=j}) is checked for
    ``{n: 3, i: 1, j: 2}`` and so on, with the sums written out; ``{}`` is the chain as it stands
    and ``{x: 0}`` adds a point that random sampling would never hit.
    """

    name: str
    start: sympy.Expr
    steps: tuple[Step, ...]
    domain: dict[sympy.Basic, tuple[float, float]] = field(default_factory=dict)
    instances: tuple[Mapping[sympy.Basic, Any], ...] = ()

    @property
    def result(self) -> sympy.Expr:
        return self.steps[-1].expr if self.steps else self.start


@dataclass(frozen=True)
class NumericStep:
    """A matrix identity lhs(inputs) == rhs(inputs), checked at random inputs of given shapes."""

    name: str
    lhs: Callable[..., Any]
    rhs: Callable[..., Any]
    make_inputs: Callable[[Any], tuple[Any, ...]]  # rng -> arguments
    why: str = ""
