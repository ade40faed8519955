"""activation_calculus: solve: every reported quantity."""

from __future__ import annotations

from fractions import Fraction

import sympy
from sympy import Abs, Eq, Max, Rational, Sum, exp, log, sign, tanh

from ...maths.derivation import Chain, Step
from ...maths.notation import (
    Diff,
    Group,
    Indicator,
    Paren,
    Partial,
    SoftmaxEntry,
    add,
    frac,
    plain,
    rect,
    sigma,
    softplus,
)
from .data import OpCount, Params, Result, ScaleRow
from .symbols import _index_instances, c, i, j, k, n, v, x


def relu_derivative() -> Chain:
    return Chain("(a) rect'(x)", Diff(rect(x), x), (
        Step(Diff(Max(0, x), x), "definition"),
        Step(sympy.Piecewise((1, x > 0), (0, x < 0)), "slope of x for x > 0, of 0 for x < 0"),
        Step(Indicator(x > 0), "as an indicator"),
    ))


def sigmoid_derivative() -> Chain:
    e = exp(-x)
    s = 1 / (1 + e)
    return Chain("(b) sigma'(x)", Diff(sigma(x), x), (
        Step(Diff(s, x), "definition"),
        Step(frac(e, (1 + e) ** 2), "chain rule, (u^-1)' = -u^-2 u'"),
        Step(plain(Group(s), Group(frac(e, 1 + e))), "split the fraction"),
        Step(plain(Group(s), Group(add(1, -s))), "e^-x = (1 + e^-x) - 1"),
        Step(plain(sigma(x), Group(add(1, -sigma(x)))), "definition of sigma"),
    ))


def sigmoid_tanh() -> Chain:
    h = x / 2
    p, m = exp(h), exp(-h)
    half = Group(Rational(1, 2))
    return Chain("(c) sigma via tanh", sigma(x), (
        Step(1 / (1 + exp(-x)), "definition"),
        Step(frac(p, add(p, m)), "multiply above and below by e^(x/2)"),
        Step(plain(half, Group(frac(add(Paren(add(p, m)), Paren(add(p, -m))), add(p, m)))),
             "write 2 e^(x/2) as a sum"),
        Step(plain(half, Group(add(1, frac(add(p, -m), add(p, m))))), "split the fraction"),
        Step(plain(half, Group(add(tanh(h), 1))), "definition of tanh at x/2"),
    ))


def log_sigmoid() -> Chain:
    return Chain("(d) ln sigma", log(sigma(x)), (
        Step(log(Group(1 / (1 + exp(-x)))), "definition"),
        Step(-log(1 + exp(-x)), "ln(1/u) = -ln u"),
        Step(-softplus(-x), "definition of softplus at -x"),
    ))


def softplus_difference() -> Chain:
    a, b = add(1, exp(x)), add(1, exp(-x))
    return Chain("(e) softplus(x) - softplus(-x)", add(softplus(x), -softplus(-x)), (
        Step(add(log(a), -log(b)), "definition"),
        Step(log(frac(a, b)), "ln u - ln w = ln(u/w)"),
        Step(log(frac(plain(exp(x), Group(add(exp(-x), 1))), b)), "1 + e^x = e^x (e^-x + 1)"),
        Step(log(Group(exp(x))), "cancel 1 + e^-x > 0"),
        Step(x, "x is real"),
    ))


def sign_indicators() -> Chain:
    return Chain("(f) sign via indicators", sign(x), (
        Step(sympy.Piecewise((1, x > 0), (0, Eq(x, 0)), (-1, True)), "definition"),
        Step(add(Indicator(x > 0), -Indicator(x < 0)), "one indicator is 1 for x != 0, none at 0"),
    ), instances=({}, {x: 0}))


def l2_gradient(sizes: tuple[int, ...]) -> Chain:
    return Chain("(g) gradient of the squared L2 norm", Partial(Sum(v[i] ** 2, (i, 1, n)), v[k]), (
        Step(Sum(Partial(v[i] ** 2, v[k]), (i, 1, n)), "linearity"),
        Step(Sum(plain(2, v[i], Indicator(Eq(i, k))), (i, 1, n)),
             "dx_i/dx_k = 1_(i = k)"),
        Step(2 * v[k], "only i = k remains"),
    ), instances=_index_instances(sizes, k))


def l1_gradient(sizes: tuple[int, ...]) -> Chain:
    return Chain("(h) gradient of the L1 norm", Partial(Sum(Abs(v[i]), (i, 1, n)), v[k]), (
        Step(Sum(Partial(Abs(v[i]), v[k]), (i, 1, n)), "linearity"),
        Step(Partial(Abs(v[k]), v[k]), "only i = k depends on x_k"),
        Step(sign(v[k]), "slope of |u| is +-1 for u >< 0 (x_k != 0)"),
    ), instances=_index_instances(sizes, k))


def softmax_scaled(sizes: tuple[int, ...]) -> Chain:
    return Chain("(i) softmax of a scaled vector", SoftmaxEntry(v, i, n, c, 0), (
        Step(frac(exp(c * v[i]), Sum(exp(c * v[j]), (j, 1, n))), "definition, at c x"),
        Step(frac(Paren(exp(v[i])) ** c, Sum(Paren(exp(v[j])) ** c, (j, 1, n))), "e^(cu) = (e^u)^c"),
    ), instances=_index_instances(sizes, i))


def softmax_translation(sizes: tuple[int, ...]) -> Chain:
    return Chain("(j) softmax is translation invariant", SoftmaxEntry(v, i, n, 1, c), (
        Step(frac(exp(add(v[i], c)), Sum(exp(add(v[j], c)), (j, 1, n))), "definition, at x + c 1"),
        Step(frac(plain(exp(c), exp(v[i])), plain(exp(c), Sum(exp(v[j]), (j, 1, n)))),
             "e^(u + c) = e^c e^u, factor out e^c"),
        Step(frac(exp(v[i]), Sum(exp(v[j]), (j, 1, n))), "cancel e^c > 0"),
        Step(SoftmaxEntry(v, i, n), "definition"),
    ), instances=_index_instances(sizes, i))


def softmax_partials(sizes: tuple[int, ...]) -> Chain:
    Z = Sum(exp(v[k]), (k, 1, n))
    e_i, e_j = exp(v[i]), exp(v[j])
    S_i, S_j = SoftmaxEntry(v, i, n), SoftmaxEntry(v, j, n)
    one = Indicator(Eq(i, j))
    return Chain("(k) partial derivatives of softmax", Partial(S_i, v[j]), (
        Step(Partial(frac(e_i, Z), v[j]), "definition"),
        Step(frac(add(plain(one, e_i, Z), -plain(e_i, e_j)), Z ** 2),
             "quotient rule"),
        Step(add(plain(frac(e_i, Z), one), -plain(frac(e_i, Z), frac(e_j, Z))), "split the fraction"),
        Step(add(plain(S_i, one), -plain(S_i, S_j)), "definition of S"),
    ), instances=_index_instances(sizes, i, j))


def scaled_softmax(a: tuple[int, ...], scale: int) -> tuple[Fraction, ...]:
    powers = [Fraction(ai) ** scale for ai in a]
    total = sum(powers)
    return tuple(p / total for p in powers)


def solve(p: Params) -> Result:
    h = sympy.Symbol("h", real=True)
    quotient = (Max(0, h) - Max(0, 0)) / h
    return Result(
        relu=relu_derivative(),
        relu_left=int(sympy.limit(quotient, h, 0, "-")),
        relu_right=int(sympy.limit(quotient, h, 0, "+")),
        sigmoid_prime=sigmoid_derivative(),
        sigmoid_tanh=sigmoid_tanh(),
        log_sigmoid=log_sigmoid(),
        softplus_difference=softplus_difference(),
        sign=sign_indicators(),
        l2=l2_gradient(p.index_sizes),
        l1=l1_gradient(p.index_sizes),
        scaled=softmax_scaled(p.index_sizes),
        scaling=tuple(ScaleRow(s, scaled_softmax(p.exp_values, s)) for s in p.scales),
        shown_scale=p.shown_scale,
        translation=softmax_translation(p.index_sizes),
        partials=softmax_partials(p.index_sizes),
        counts=tuple(OpCount(size) for size in p.count_sizes),
    )
