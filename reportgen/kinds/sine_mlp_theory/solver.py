"""sine_mlp_theory: solve: every reported quantity."""

from __future__ import annotations

import math

import sympy
from sympy import Eq, Sum, exp, log, sin

from ...maths.derivation import Chain, Step
from ...maths.notation import Defined, Diff, Group, Indicator, Partial, add, frac, plain, softmax_entry
from .data import Chains, Params, Result
from .model import n_theta

d, d_h, m = sympy.symbols("d d_h m", integer=True, positive=True)
i, j, k, l_, y = sympy.symbols("i j k l y", integer=True, positive=True)
L = sympy.Symbol("L", real=True)
z = sympy.Symbol("z", real=True)


def _vec(name: str) -> sympy.IndexedBase:
    return sympy.IndexedBase(name, real=True)


x = _vec("x")  # plain names; reportgen.printer.notation sets them (W^(1) -> bold W, superscript (1))
W1, b1 = _vec("W^(1)"), _vec("b^(1)")
W2, b2 = _vec("W^(2)"), _vec("b^(2)")
ha, hs, oa = _vec("h^a"), _vec("h^s"), _vec("o^a")
onehot = _vec("onehot_m(y)")
Os = softmax_entry("o^s")


def ha_def(row: sympy.Expr) -> sympy.Expr:
    """h^a_j = sum_i W1_ji x_i + b1_j."""
    return add(Sum(plain(W1[row, l_], x[l_]), (l_, 1, d)), b1[row])


def oa_def(row: sympy.Expr) -> sympy.Expr:
    """o^a_k = sum_j W2_kj h^s_j + b2_k."""
    return add(Sum(plain(W2[row, l_], hs[l_]), (l_, 1, d_h)), b2[row])


def _grid(sizes: dict, *ranges: tuple[sympy.Symbol, sympy.Symbol]) -> tuple[dict, ...]:
    """Every value of the index symbols, each (index, size symbol) running over 1..size."""
    spans = [int(sizes[size]) for _, size in ranges]
    out = []
    for flat in range(math.prod(spans)):
        sub, rest = dict(sizes), flat
        for (index, _), span in zip(ranges, spans, strict=True):
            sub[index] = rest % span + 1
            rest //= span
        out.append(sub)
    return tuple(out)


def make_chains(sizes: tuple[int, int, int]) -> Chains:
    z_sum = Sum(exp(oa[j]), (j, 1, m))
    oa_k = Defined(oa[k], oa_def(k))
    ha_j = Defined(ha[j], ha_def(j))
    loss_oa = add(-oa[y], log(z_sum))
    return Chains(
        softmax_sum=Chain("(c) the outputs sum to 1", Sum(Os(oa, k, m), (k, 1, m)), (
            Step(Sum(frac(exp(oa[k]), z_sum), (k, 1, m)), "definition"),
            Step(frac(Sum(exp(oa[k]), (k, 1, m)), z_sum), "common denominator"),
            Step(sympy.S.One, "same sum above and below"),
        ), instances=tuple({m: size} for size in sorted({2, sizes[2], sizes[2] + 1}))),
        loss=Chain("(d) the loss in terms of o^a", Defined(L, -log(Os(oa, y, m))), (
            Step(-log(Os(oa, y, m)), "definition"),
            Step(-log(frac(exp(oa[y]), z_sum)), "definition of the softmax"),
            Step(loss_oa, "log(e^u / w) = u - log w"),
        ), instances=_grid({m: sizes[2]}, (y, m))),
        n_theta=Chain("(e) the number of parameters", add(plain(d_h, d), d_h, plain(m, d_h), m), (
            Step(add(plain(d_h, Group(add(d, 1))), plain(m, Group(add(d_h, 1)))),
                 "group each layer's weights with its biases"),
        )),
        dL_doa=Chain("(g) dL/do^a_k", Partial(Defined(L, loss_oa), oa[k]), (
            Step(Partial(loss_oa, oa[k]), "by (d)"),
            Step(add(-Indicator(Eq(k, y)), frac(exp(oa[k]), z_sum)),
                 "do^a_y/do^a_k = 1_(k = y); (log w)' = w'/w"),
            Step(add(Os(oa, k, m), -Indicator(Eq(k, y))), "definition of o^s_k"),
            Step(add(Os(oa, k, m), -Defined(onehot[k], Indicator(Eq(k, y)))), "one-hot vector of class y"),
        ), instances=_grid({m: sizes[2]}, (k, m), (y, m))),
        doa_dW2=Chain("(h) do^a_k/dW2_kj", Partial(oa_k, W2[k, j]), (
            Step(Partial(oa_def(k), W2[k, j]), "by (b)"),
            Step(hs[j], "only the term W^(2)_kj h^s_j contains W^(2)_kj"),
        ), instances=_grid({d_h: sizes[1], m: sizes[2]}, (k, m), (j, d_h))),
        doa_db2=Chain("(h) do^a_k/db2_k", Partial(oa_k, b2[k]), (
            Step(Partial(oa_def(k), b2[k]), "by (b)"),
            Step(sympy.S.One, "the bias enters with coefficient 1"),
        ), instances=_grid({d_h: sizes[1], m: sizes[2]}, (k, m))),
        doa_dhs=Chain("(j) do^a_k/dh^s_j", Partial(oa_k, hs[j]), (
            Step(Partial(oa_def(k), hs[j]), "by (b)"),
            Step(W2[k, j], "only the term l = j contains h^s_j"),
        ), instances=_grid({d_h: sizes[1], m: sizes[2]}, (k, m), (j, d_h))),
        phi_prime=Chain("(l) phi'(z)", Diff(sin(z), z), (Step(sympy.cos(z), "derivative of the sine"),)),
        dhs_dha=Chain("(l) dh^s_j/dh^a_j", Partial(Defined(hs[j], sin(ha[j])), ha[j]), (
            Step(Partial(sin(ha[j]), ha[j]), "by (a), element-wise"),
            Step(sympy.cos(ha[j]), "phi' = cos"),
        ), instances=_grid({d_h: sizes[1]}, (j, d_h))),
        dha_dW1=Chain("(n) dh^a_j/dW1_ji", Partial(ha_j, W1[j, i]), (
            Step(Partial(ha_def(j), W1[j, i]), "by (a)"),
            Step(x[i], "only the term W^(1)_ji x_i contains W^(1)_ji"),
        ), instances=_grid({d: sizes[0], d_h: sizes[1]}, (j, d_h), (i, d))),
        dha_db1=Chain("(n) dh^a_j/db1_j", Partial(ha_j, b1[j]), (
            Step(Partial(ha_def(j), b1[j]), "by (a)"),
            Step(sympy.S.One, "the bias enters with coefficient 1"),
        ), instances=_grid({d: sizes[0], d_h: sizes[1]}, (j, d_h))),
        dha_dx=Chain("(p) dh^a_j/dx_i", Partial(ha_j, x[i]), (
            Step(Partial(ha_def(j), x[i]), "by (a)"),
            Step(W1[j, i], "only the term l = i contains x_i"),
        ), instances=_grid({d: sizes[0], d_h: sizes[1]}, (j, d_h), (i, d))),
    )


def solve(p: Params) -> Result:
    return Result(make_chains(p.index_sizes), p.example, n_theta(*p.example), p.check_sizes, p.batch, p.eta)
