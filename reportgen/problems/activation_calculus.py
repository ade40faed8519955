"""Derivatives and identities of the basic activation functions and of softmax.

Every "show that" is a Chain of SymPy expressions (what the PDF prints is what is checked);
vector identities are written entry by entry over a symbolic size n and checked at every
index choice for the sizes in ``index_sizes``; matrix identities (Jacobian, vector-Jacobian
products) are checked numerically at random inputs; the counterexample for scaling and the
operation counts are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy
from sympy import Abs, Eq, Max, Rational, Sum, exp, log, sign, tanh

from ..latexfmt import Tex as tex
from ..solvers.derivation import Chain, NumericStep, Step
from ..solvers.mlp import sigmoid, softmax
from ..solvers.notation import (
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
from ..spec import Table
from ..verify import Check, central_diff, close, equal
from ..verify.derivation import check_chain, check_numeric

name = "activation_calculus"
description = "Derivatives and identities of sigmoid, tanh, softplus, ReLU, norms and softmax"


@dataclass(frozen=True)
class Params:
    exp_values: tuple[int, ...]  # counterexample for (i): x_i = ln a_i, so e^{x_i} = a_i
    scales: tuple[int, ...]  # the c values tabulated in (i)
    shown_scale: int  # the c used for the counterexample
    index_sizes: tuple[int, ...]  # n at which index-notation chains are checked (every index)
    vjp_sizes: tuple[int, ...]  # n for the numeric Jacobian / vector-Jacobian checks
    count_sizes: tuple[int, ...]  # n for the operation-count table in (m)
    seed: int


def _int_list(t: Table, name: str, lo: int, hi: int, most: int) -> tuple[int, ...]:
    """At most ``most`` integers in [lo, hi]: sizes that keep the report readable and the checks fast."""
    arr = t.array(name, (None,))
    if any(v != int(v) or not lo <= v <= hi for v in arr) or arr.size > most:
        raise t.error(name, f"expected at most {most} integers between {lo} and {hi}, got {arr.tolist()}")
    return tuple(int(v) for v in arr)


def parse(t: Table) -> Params:
    exp_values = _int_list(t, "exp_values", 1, 20, 5)
    if len(set(exp_values)) < 2:
        raise t.error("exp_values", "need at least two different values, or softmax is uniform for every c")
    scales = _int_list(t, "scales", 0, 6, 6)
    shown = t.integer("shown_scale", lo=0, hi=6)
    if shown == 1:
        raise t.error("shown_scale", "c = 1 leaves softmax unchanged; pick another scale for the counterexample")
    return Params(
        exp_values=exp_values,
        scales=tuple(sorted(set(scales) | {1, shown})),
        shown_scale=shown,
        index_sizes=_int_list(t, "index_sizes", 1, 4, 2),
        vjp_sizes=_int_list(t, "vjp_sizes", 1, 20, 5),
        count_sizes=_int_list(t, "count_sizes", 1, 300, 5),
        seed=t.integer("seed", 0, lo=0, hi=2**32 - 1),
    )


# --- symbols -------------------------------------------------------------------------------------

x = sympy.Symbol("x", real=True)
c = sympy.Symbol("c", real=True)
n = sympy.Symbol("n", integer=True, positive=True)
i, j, k = sympy.symbols("i j k", integer=True, positive=True)
v = sympy.IndexedBase(r"\mathbf{x}", real=True)


def _index_instances(sizes: tuple[int, ...], *indices: sympy.Symbol) -> tuple[dict, ...]:
    out = []
    for size in sizes:
        grids = np.indices((size,) * len(indices)).reshape(len(indices), -1).T + 1
        out += [{n: size, **{s: int(val) for s, val in zip(indices, row, strict=True)}} for row in grids]
    return tuple(out)


# --- the chains ----------------------------------------------------------------------------------


def relu_derivative() -> Chain:
    return Chain("(a) rect'(x)", Diff(rect(x), x), (
        Step(Diff(Max(0, x), x), "definition"),
        Step(sympy.Piecewise((1, x > 0), (0, x < 0)), tex(r"slope of $x$ for $x > 0$, of $0$ for $x < 0$")),
        Step(Indicator(x > 0), "as an indicator"),
    ))


def sigmoid_derivative() -> Chain:
    e = exp(-x)
    s = 1 / (1 + e)
    return Chain("(b) sigma'(x)", Diff(sigma(x), x), (
        Step(Diff(s, x), "definition"),
        Step(frac(e, (1 + e) ** 2), tex(r"chain rule, $(u^{-1})' = -u^{-2}u'$")),
        Step(plain(Group(s), Group(frac(e, 1 + e))), "split the fraction"),
        Step(plain(Group(s), Group(add(1, -s))), tex(r"$e^{-x} = (1 + e^{-x}) - 1$")),
        Step(plain(sigma(x), Group(add(1, -sigma(x)))), tex(r"definition of $\sigma$")),
    ))


def sigmoid_tanh() -> Chain:
    h = x / 2
    p, m = exp(h), exp(-h)
    half = Group(Rational(1, 2))
    return Chain("(c) sigma via tanh", sigma(x), (
        Step(1 / (1 + exp(-x)), "definition"),
        Step(frac(p, add(p, m)), tex(r"multiply above and below by $e^{x/2}$")),
        Step(plain(half, Group(frac(add(Paren(add(p, m)), Paren(add(p, -m))), add(p, m)))),
             tex(r"write $2e^{x/2}$ as a sum")),
        Step(plain(half, Group(add(1, frac(add(p, -m), add(p, m))))), "split the fraction"),
        Step(plain(half, Group(add(tanh(h), 1))), tex(r"definition of $\tanh$ at $x/2$")),
    ))


def log_sigmoid() -> Chain:
    return Chain("(d) ln sigma", log(sigma(x)), (
        Step(log(Group(1 / (1 + exp(-x)))), "definition"),
        Step(-log(1 + exp(-x)), tex(r"$\ln(1/u) = -\ln u$")),
        Step(-softplus(-x), tex(r"definition of softplus at $-x$")),
    ))


def softplus_difference() -> Chain:
    a, b = add(1, exp(x)), add(1, exp(-x))
    return Chain("(e) softplus(x) - softplus(-x)", add(softplus(x), -softplus(-x)), (
        Step(add(log(a), -log(b)), "definition"),
        Step(log(frac(a, b)), tex(r"$\ln u - \ln w = \ln(u/w)$")),
        Step(log(frac(plain(exp(x), Group(add(exp(-x), 1))), b)), tex(r"$1 + e^x = e^x (e^{-x} + 1)$")),
        Step(log(Group(exp(x))), tex(r"cancel $1 + e^{-x} > 0$")),
        Step(x, tex(r"$x$ is real")),
    ))


def sign_indicators() -> Chain:
    return Chain("(f) sign via indicators", sign(x), (
        Step(sympy.Piecewise((1, x > 0), (0, Eq(x, 0)), (-1, True)), "definition"),
        Step(add(Indicator(x > 0), -Indicator(x < 0)), tex(r"one indicator is $1$ for $x \neq 0$, none at $0$")),
    ), instances=({}, {x: 0}))


def l2_gradient(sizes: tuple[int, ...]) -> Chain:
    return Chain("(g) gradient of the squared L2 norm", Partial(Sum(v[i] ** 2, (i, 1, n)), v[k]), (
        Step(Sum(Partial(v[i] ** 2, v[k]), (i, 1, n)), "linearity"),
        Step(Sum(plain(2, v[i], Indicator(Eq(i, k))), (i, 1, n)),
             tex(r"$\partial x_i / \partial x_k = \mathbf{1}_{i = k}$")),
        Step(2 * v[k], tex(r"only $i = k$ remains")),
    ), instances=_index_instances(sizes, k))


def l1_gradient(sizes: tuple[int, ...]) -> Chain:
    return Chain("(h) gradient of the L1 norm", Partial(Sum(Abs(v[i]), (i, 1, n)), v[k]), (
        Step(Sum(Partial(Abs(v[i]), v[k]), (i, 1, n)), "linearity"),
        Step(Partial(Abs(v[k]), v[k]), tex(r"only $i = k$ depends on $x_k$")),
        Step(sign(v[k]), tex(r"slope of $|u|$ is $\pm 1$ for $u \gtrless 0$ ($x_k \neq 0$)")),
    ), instances=_index_instances(sizes, k))


def softmax_scaled(sizes: tuple[int, ...]) -> Chain:
    return Chain("(i) softmax of a scaled vector", SoftmaxEntry(v, i, n, c, 0), (
        Step(frac(exp(c * v[i]), Sum(exp(c * v[j]), (j, 1, n))), tex(r"definition, at $c\mathbf{x}$")),
        Step(frac(Paren(exp(v[i])) ** c, Sum(Paren(exp(v[j])) ** c, (j, 1, n))), tex(r"$e^{cu} = (e^u)^c$")),
    ), instances=_index_instances(sizes, i))


def softmax_translation(sizes: tuple[int, ...]) -> Chain:
    return Chain("(j) softmax is translation invariant", SoftmaxEntry(v, i, n, 1, c), (
        Step(frac(exp(add(v[i], c)), Sum(exp(add(v[j], c)), (j, 1, n))), tex(r"definition, at $\mathbf{x} + c\one$")),
        Step(frac(plain(exp(c), exp(v[i])), plain(exp(c), Sum(exp(v[j]), (j, 1, n)))),
             tex(r"$e^{u + c} = e^c e^u$, factor out $e^c$")),
        Step(frac(exp(v[i]), Sum(exp(v[j]), (j, 1, n))), tex(r"cancel $e^c > 0$")),
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
        Step(add(plain(S_i, one), -plain(S_i, S_j)), tex(r"definition of $S$")),
    ), instances=_index_instances(sizes, i, j))


# --- (i): a counterexample with exact values -----------------------------------------------------


@dataclass(frozen=True)
class ScaleRow:
    """S(c x) for the counterexample x = (ln a_1, ..., ln a_n): entries a_i^c / sum_j a_j^c."""

    c: int
    probs: tuple[Fraction, ...]


def scaled_softmax(a: tuple[int, ...], scale: int) -> tuple[Fraction, ...]:
    powers = [Fraction(ai) ** scale for ai in a]
    total = sum(powers)
    return tuple(p / total for p in powers)


# --- (m): operation counts -----------------------------------------------------------------------


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


# --- independent checks --------------------------------------------------------------------------


class Counter:
    """Scalar arithmetic that counts what it does (for the operation counts of (m))."""

    def __init__(self) -> None:
        self.mults = self.adds = 0

    def mul(self, a: float, b: float) -> float:
        self.mults += 1
        return a * b

    def add(self, a: float, b: float) -> float:
        self.adds += 1
        return a + b


def counted_full(J: np.ndarray, g: np.ndarray, ops: Counter) -> np.ndarray:
    """(J^T g)_j = sum_i J_ij g_i, entry by entry."""
    out = []
    for col in range(J.shape[1]):
        acc = ops.mul(J[0, col], g[0])
        for row in range(1, J.shape[0]):
            acc = ops.add(acc, ops.mul(J[row, col], g[row]))
        out.append(acc)
    return np.array(out)


def counted_sigmoid(s: np.ndarray, g: np.ndarray, ops: Counter) -> np.ndarray:
    return np.array([ops.mul(ops.mul(si, ops.add(1.0, -si)), gi) for si, gi in zip(s, g, strict=True)])


def counted_softmax(s: np.ndarray, g: np.ndarray, ops: Counter) -> np.ndarray:
    dot = ops.mul(s[0], g[0])
    for si, gi in zip(s[1:], g[1:], strict=True):
        dot = ops.add(dot, ops.mul(si, gi))
    return np.array([ops.mul(si, ops.add(gi, -dot)) for si, gi in zip(s, g, strict=True)])


def _softmax(z: np.ndarray) -> np.ndarray:
    return softmax(z.reshape(1, -1)).ravel()


def jacobian_fd(f, z: np.ndarray) -> np.ndarray:
    """J_ij = d f_i / d z_j by central differences, one column per input."""
    return np.stack([central_diff(lambda u, r=r: f(u)[r], z) for r in range(z.size)])


def numeric_identities(sizes: tuple[int, ...]) -> list[NumericStep]:
    def vec(rng):
        size = int(rng.choice(sizes))
        return rng.uniform(-3, 3, size), rng.standard_normal(size)

    def soft_J(z):
        s = _softmax(z)
        return np.diag(s) - np.outer(s, s)

    return [
        NumericStep("(l) Jacobian of softmax = diag(S) - S S^T", lambda z, g: jacobian_fd(_softmax, z),
                    lambda z, g: soft_J(z), vec),
        NumericStep("(m) sigmoid: J^T g = sigma'(x) * g (Jacobian by finite differences)",
                    lambda z, g: jacobian_fd(sigmoid, z).T @ g, lambda z, g: sigmoid(z) * (1 - sigmoid(z)) * g, vec),
        NumericStep("(m) softmax: J^T g = s * (g - (s.g) 1)", lambda z, g: soft_J(z).T @ g,
                    lambda z, g: _softmax(z) * (g - _softmax(z) @ g), vec),
        NumericStep("(m) softmax: J^T g, Jacobian by finite differences", lambda z, g: jacobian_fd(_softmax, z).T @ g,
                    lambda z, g: _softmax(z) * (g - _softmax(z) @ g), vec),
    ]


def verify(p: Params, r: Result) -> list[Check]:
    checks = [c for chain in r.chains for c in check_chain(chain)]
    for step in numeric_identities(p.vjp_sizes):
        check = check_numeric(step, trials=10, seed=p.seed, tol=1e-7)
        sizes = ", ".join(map(str, p.vjp_sizes))
        checks.append(Check(check.name, f"numpy at 10 random inputs, n in {{{sizes}}}", check.deviation,
                            check.tolerance))
    quotients = [(max(0.0, t) - 0.0) / t for t in (-1e-9, 1e-9)]
    checks.append(close("(a) one-sided derivatives of rect at 0", "difference quotients at h = -1e-9 and 1e-9",
                        [r.relu_left, r.relu_right], quotients, 1e-12, 1.0))
    a = np.log(np.array(p.exp_values, dtype=float))
    for row in r.scaling:
        checks.append(close(f"(i) S(c x) for c = {row.c}", "numpy softmax of c ln a",
                            [float(q) for q in row.probs], _softmax(row.c * a), 1e-12, 1.0))
    differs = r.row(r.shown_scale).probs != r.row(1).probs
    checks.append(Check(f"(i) S({r.shown_scale} x) differs from S(x)", "exact fractions compared",
                        0.0 if differs else 1.0, 0.0, exact=True))
    rng = np.random.default_rng(p.seed)
    for oc in r.counts:
        z, g = rng.uniform(-3, 3, oc.n), rng.standard_normal(oc.n)
        s_sig, s_soft = sigmoid(z), _softmax(z)
        J = np.diag(s_soft) - np.outer(s_soft, s_soft)
        full, sig, soft = Counter(), Counter(), Counter()
        agree = max(
            float(np.max(np.abs(counted_full(J, g, full) - J.T @ g))),
            float(np.max(np.abs(counted_sigmoid(s_sig, g, sig) - s_sig * (1 - s_sig) * g))),
            float(np.max(np.abs(counted_softmax(s_soft, g, soft) - J.T @ g))),
        )
        checks.append(close(f"(m) counted loops agree with numpy, n = {oc.n}", "scalar loops vs numpy",
                            agree, 0.0, 1e-9, 1.0))  # entries of size 1: 1e-9 absolute
        checks.append(equal(f"(m) operation counts, n = {oc.n}", "counted in scalar loops",
                            (full.mults, full.adds, sig.mults, sig.adds, soft.mults, soft.adds),
                            (oc.full_mults, oc.full_adds, oc.sigmoid_mults, oc.sigmoid_adds, oc.softmax_mults,
                             oc.softmax_adds)))
    return checks
