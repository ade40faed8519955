"""Notation: how the plain names of SymPy symbols print. Results hold plain names (``W1``,
``yhat``, ``eps``: what ``solve --json`` shows); this is the one place they become LaTeX.

Each problem kind has its own map (the assignments write their networks differently: ``W1`` is
``\\mathbf{W}^{(1)}`` in sine_mlp_theory and ``\\mathbf{W}_1`` in smoothed_ce_derivation), with
separate maps for scalar symbols, ``IndexedBase``s (the vector whose entries are ``x_i``) and
``MatrixSymbol``s (in smoothed_ce_derivation the matrix ``x`` is bold, its entries ``x_m`` are
not). The plain names are what ``solve --json`` prints (``y_hat``, ``delta^(2)``). A name without
an entry prints as SymPy prints it. The maps of the derivation notation classes
(reportgen.maths.notation) hold for every kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# reportgen.maths.notation: one-argument functions by class name, derivative signs by class name
FUNCTIONS: Mapping[str, str] = MappingProxyType({
    "sigma": r"\sigma", "softplus": r"\operatorname{softplus}", "rect": r"\operatorname{rect}"})
DERIVATIVE_SIGNS: Mapping[str, str] = MappingProxyType({"Partial": r"\partial", "Diff": r"\mathrm{d}"})


@dataclass(frozen=True)
class Notation:
    symbols: Mapping[str, str] = field(default_factory=dict)  # Symbols (and a SoftmaxEntry's head)
    indexed: Mapping[str, str] = field(default_factory=dict)  # IndexedBases: the vector of entries x_i
    matrices: Mapping[str, str] = field(default_factory=dict)  # MatrixSymbols

    def merged(self, other: Notation) -> Notation:
        """This notation, with ``other``'s entries for the names this one lacks."""
        return Notation({**other.symbols, **self.symbols}, {**other.indexed, **self.indexed},
                        {**other.matrices, **self.matrices})


PLAIN = Notation()

_SINE_MLP = Notation(
    symbols={"o^s": r"\mathbf{o}^{s}"},
    indexed={"x": r"\mathbf{x}", "W^(1)": r"\mathbf{W}^{(1)}", "b^(1)": r"\mathbf{b}^{(1)}",
             "W^(2)": r"\mathbf{W}^{(2)}", "b^(2)": r"\mathbf{b}^{(2)}", "h^a": r"\mathbf{h}^{a}",
             "h^s": r"\mathbf{h}^{s}", "o^a": r"\mathbf{o}^{a}", "onehot_m(y)": r"\operatorname{onehot}_m(y)"})

_SMOOTHED_CE = Notation(
    symbols={"epsilon": r"\epsilon"},
    indexed={"y_s": "y^{s}", "y_hat": r"\hat{y}", "W_1": r"\mathbf{W}_1", "b_1": r"\mathbf{b}_1",
             "W_2": r"\mathbf{W}_2", "b_2": r"\mathbf{b}_2", "delta^(1)": r"\delta^{(1)}",
             "delta^(2)": r"\delta^{(2)}"},
    matrices={"x": r"\mathbf{x}", "W_1": r"\mathbf{W}_1", "b_1": r"\mathbf{b}_1", "h": r"\mathbf{h}",
              "a": r"\mathbf{a}", "W_2": r"\mathbf{W}_2", "b_2": r"\mathbf{b}_2", "z": r"\mathbf{z}",
              "y_hat": r"\hat{\mathbf{y}}", "y_s": r"\mathbf{y}^{s}", "I[h>0]": r"\mathbb{I}[\mathbf{h} > 0]",
              "delta^(2)": r"\boldsymbol{\delta}^{(2)}", "delta^(1)": r"\boldsymbol{\delta}^{(1)}"})

KINDS: Mapping[str, Notation] = MappingProxyType({
    "activation_calculus": Notation(indexed={"x": r"\mathbf{x}"}),
    "sine_mlp_theory": _SINE_MLP,
    "smoothed_ce_derivation": _SMOOTHED_CE,
})


def for_kind(kind: str | None) -> Notation:
    return KINDS.get(kind or "", PLAIN)


def for_kinds(kinds: Iterable[str]) -> Notation:
    """One notation for a whole report (used where a template gives no problem): the kinds'
    maps in the report's order, the first kind's entry winning where two differ."""
    out = PLAIN
    for kind in kinds:
        out = out.merged(for_kind(kind))
    return out
