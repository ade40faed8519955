"""A one-hidden-layer network with sine activation and softmax output, in the assignment's
column-vector layout:

    h^a = W1 x + b1,  h^s = sin(h^a),  o^a = W2 h^s + b2,  o^s = softmax(o^a),  L = -log o^s_y

with W1 in R^{d_h x d} and W2 in R^{m x d_h}. Everything asked is symbolic. The element-wise
derivatives are SymPy chains checked at every index of small instances; the matrix forms are
checked against central finite differences of an independent element-wise loss on random
networks of several sizes. The numbers come from reportgen.solvers.mlp (activation "sin",
head "softmax", one-hot targets) in its row-batch layout (Z1 = X W1^T + b1): this module only
transposes, it does not backpropagate a second time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy
from sympy import Eq, Sum, exp, log, sin

from ..latexfmt import Tex as tex
from ..solvers import mlp
from ..solvers.derivation import Chain, NumericStep, Step
from ..solvers.notation import Defined, Diff, Group, Indicator, Partial, add, frac, plain, softmax_entry
from ..spec import Table
from ..verify import Check, central_diff
from ..verify.derivation import check_chain, check_numeric

name = "sine_mlp_theory"
description = "A one-hidden-layer sine network with softmax output: forms, risk, every gradient"


@dataclass(frozen=True)
class Params:
    example: tuple[int, int, int]  # (d, d_h, m) for the numeric example of n_theta
    index_sizes: tuple[int, int, int]  # (d, d_h, m) at which the index chains are checked
    check_sizes: tuple[tuple[int, int, int], ...]  # (d, d_h, m) of the random networks
    batch: int  # samples in the empirical-risk / gradient-descent check
    eta: float  # learning rate of that check
    seed: int


def _triples(t: Table, name: str, hi: int) -> tuple[tuple[int, int, int], ...]:
    arr = t.array(name, (None, 3))
    if any(v != int(v) or not 1 <= v <= hi for v in arr.ravel()) or arr.shape[0] > 4:
        raise t.error(name, f"expected at most 4 rows [d, d_h, m] of integers between 1 and {hi}")
    return tuple((int(a), int(b), int(c)) for a, b, c in arr)


def parse(t: Table) -> Params:
    example = t.array("example", (3,))
    if any(v != int(v) or not 1 <= v <= 10**6 for v in example):
        raise t.error("example", "expected [d, d_h, m], integers between 1 and 1000000")
    index = t.array("index_sizes", (3,))
    if any(v != int(v) or not 1 <= v <= 4 for v in index):
        raise t.error("index_sizes", "expected [d, d_h, m], integers between 1 and 4 (every index is checked)")
    check_sizes = _triples(t, "check_sizes", 8)
    if any(m < 2 for _, _, m in check_sizes):
        raise t.error("check_sizes", "softmax needs at least m = 2 classes")
    return Params(
        example=tuple(int(v) for v in example),  # type: ignore[arg-type]
        index_sizes=tuple(int(v) for v in index),  # type: ignore[arg-type]
        check_sizes=check_sizes,
        batch=t.integer("batch", lo=1, hi=20),
        eta=t.real("eta", positive=True),
        seed=t.integer("seed", 0, lo=0, hi=2**32 - 1),
    )


# --- symbols: the assignment's names --------------------------------------------------------------

d, d_h, m = sympy.symbols("d d_h m", integer=True, positive=True)
i, j, k, l_, y = sympy.symbols("i j k l y", integer=True, positive=True)
L = sympy.Symbol("L", real=True)
z = sympy.Symbol("z", real=True)


def _vec(name: str) -> sympy.IndexedBase:
    return sympy.IndexedBase(name, real=True)


x = _vec(r"\mathbf{x}")
W1, b1 = _vec(r"\mathbf{W}^{(1)}"), _vec(r"\mathbf{b}^{(1)}")
W2, b2 = _vec(r"\mathbf{W}^{(2)}"), _vec(r"\mathbf{b}^{(2)}")
ha, hs, oa = _vec(r"\mathbf{h}^{a}"), _vec(r"\mathbf{h}^{s}"), _vec(r"\mathbf{o}^{a}")
onehot = _vec(r"\operatorname{onehot}_m(y)")
Os = softmax_entry(r"\mathbf{o}^{s}")


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


# --- the chains ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chains:
    softmax_sum: Chain  # (c)
    loss: Chain  # (d)
    n_theta: Chain  # (e)
    dL_doa: Chain  # (g)
    doa_dW2: Chain  # (h)
    doa_db2: Chain
    doa_dhs: Chain  # (j)
    phi_prime: Chain  # (l)
    dhs_dha: Chain
    dha_dW1: Chain  # (n)
    dha_db1: Chain
    dha_dx: Chain  # (p)

    def all(self) -> tuple[Chain, ...]:
        return tuple(getattr(self, f) for f in self.__dataclass_fields__)


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
            Step(loss_oa, tex(r"$\log(e^u / w) = u - \log w$")),
        ), instances=_grid({m: sizes[2]}, (y, m))),
        n_theta=Chain("(e) the number of parameters", add(plain(d_h, d), d_h, plain(m, d_h), m), (
            Step(add(plain(d_h, Group(add(d, 1))), plain(m, Group(add(d_h, 1)))),
                 "group each layer's weights with its biases"),
        )),
        dL_doa=Chain("(g) dL/do^a_k", Partial(Defined(L, loss_oa), oa[k]), (
            Step(Partial(loss_oa, oa[k]), "by (d)"),
            Step(add(-Indicator(Eq(k, y)), frac(exp(oa[k]), z_sum)),
                 tex(r"$\partial \mathbf{o}^a_y / \partial \mathbf{o}^a_k = \mathbf{1}_{k = y}$; $(\log w)' = w'/w$")),
            Step(add(Os(oa, k, m), -Indicator(Eq(k, y))), tex(r"definition of $\mathbf{o}^s_k$")),
            Step(add(Os(oa, k, m), -Defined(onehot[k], Indicator(Eq(k, y)))), tex(r"one-hot vector of class $y$")),
        ), instances=_grid({m: sizes[2]}, (k, m), (y, m))),
        doa_dW2=Chain("(h) do^a_k/dW2_kj", Partial(oa_k, W2[k, j]), (
            Step(Partial(oa_def(k), W2[k, j]), "by (b)"),
            Step(hs[j], tex(r"only the term $\mathbf{W}^{(2)}_{kj}\mathbf{h}^s_j$ contains $\mathbf{W}^{(2)}_{kj}$")),
        ), instances=_grid({d_h: sizes[1], m: sizes[2]}, (k, m), (j, d_h))),
        doa_db2=Chain("(h) do^a_k/db2_k", Partial(oa_k, b2[k]), (
            Step(Partial(oa_def(k), b2[k]), "by (b)"),
            Step(sympy.S.One, "the bias enters with coefficient 1"),
        ), instances=_grid({d_h: sizes[1], m: sizes[2]}, (k, m))),
        doa_dhs=Chain("(j) do^a_k/dh^s_j", Partial(oa_k, hs[j]), (
            Step(Partial(oa_def(k), hs[j]), "by (b)"),
            Step(W2[k, j], tex(r"only the term $l = j$ contains $\mathbf{h}^s_j$")),
        ), instances=_grid({d_h: sizes[1], m: sizes[2]}, (k, m), (j, d_h))),
        phi_prime=Chain("(l) phi'(z)", Diff(sin(z), z), (Step(sympy.cos(z), "derivative of the sine"),)),
        dhs_dha=Chain("(l) dh^s_j/dh^a_j", Partial(Defined(hs[j], sin(ha[j])), ha[j]), (
            Step(Partial(sin(ha[j]), ha[j]), "by (a), element-wise"),
            Step(sympy.cos(ha[j]), tex(r"$\phi' = \cos$")),
        ), instances=_grid({d_h: sizes[1]}, (j, d_h))),
        dha_dW1=Chain("(n) dh^a_j/dW1_ji", Partial(ha_j, W1[j, i]), (
            Step(Partial(ha_def(j), W1[j, i]), "by (a)"),
            Step(x[i], tex(r"only the term $\mathbf{W}^{(1)}_{ji}\mathbf{x}_i$ contains $\mathbf{W}^{(1)}_{ji}$")),
        ), instances=_grid({d: sizes[0], d_h: sizes[1]}, (j, d_h), (i, d))),
        dha_db1=Chain("(n) dh^a_j/db1_j", Partial(ha_j, b1[j]), (
            Step(Partial(ha_def(j), b1[j]), "by (a)"),
            Step(sympy.S.One, "the bias enters with coefficient 1"),
        ), instances=_grid({d: sizes[0], d_h: sizes[1]}, (j, d_h))),
        dha_dx=Chain("(p) dh^a_j/dx_i", Partial(ha_j, x[i]), (
            Step(Partial(ha_def(j), x[i]), "by (a)"),
            Step(W1[j, i], tex(r"only the term $l = i$ contains $\mathbf{x}_i$")),
        ), instances=_grid({d: sizes[0], d_h: sizes[1]}, (j, d_h), (i, d))),
    )


# --- numbers: the network of mlp.py in the assignment's layout -----------------------------------

NET = mlp.Net(activation="sin", head="softmax", reduction="sum")


@dataclass(frozen=True)
class Network:
    """Column layout: W1 (d_h, d), b1 (d_h,), W2 (m, d_h), b2 (m,)."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    def canonical(self) -> mlp.Params:
        """mlp.py's row-batch form: Z1 = X W1^T + b1, so its weight matrices are the transposes."""
        return mlp.Params(self.W1.T, self.b1, self.W2.T, self.b2)

    @staticmethod
    def random(rng: np.random.Generator, d: int, dh: int, m: int) -> Network:
        return Network(rng.standard_normal((dh, d)), rng.standard_normal(dh), rng.standard_normal((m, dh)),
                       rng.standard_normal(m))


@dataclass(frozen=True)
class Backprop:
    """Every quantity of (a)-(p) for one sample (x, y), as column vectors / assignment-shaped matrices."""

    ha: np.ndarray
    hs: np.ndarray
    oa: np.ndarray
    os: np.ndarray
    loss: float
    dL_doa: np.ndarray  # (m,)
    dL_dW2: np.ndarray  # (m, d_h)
    dL_db2: np.ndarray  # (m,)
    dL_dhs: np.ndarray  # (d_h,)
    dL_dha: np.ndarray  # (d_h,)
    dL_dW1: np.ndarray  # (d_h, d)
    dL_db1: np.ndarray  # (d_h,)
    dL_dx: np.ndarray  # (d,)


def onehot_of(label: int, classes: int) -> np.ndarray:
    return np.eye(classes)[label]


def backprop(net: Network, xv: np.ndarray, label: int) -> Backprop:
    """mlp.forward / mlp.backward on the one-row batch X = x^T, T = onehot(y)^T, transposed back."""
    X, T = xv.reshape(1, -1), onehot_of(label, net.b2.size).reshape(1, -1)
    p = net.canonical()
    fw = mlp.forward(NET, p, X, T)
    g = mlp.backward(NET, p, X, T, fw)
    return Backprop(
        ha=fw.Z1[0], hs=fw.A1[0], oa=fw.Z2[0], os=fw.Y[0], loss=fw.loss,
        dL_doa=g.dL_dZ2[0], dL_dW2=g.dL_dW2.T, dL_db2=g.dL_db2, dL_dhs=g.dL_dA1[0], dL_dha=g.dL_dZ1[0],
        dL_dW1=g.dL_dW1.T, dL_db1=g.dL_db1, dL_dx=g.dL_dX[0],
    )


@dataclass(frozen=True)
class ReversedNetwork:
    """(p): the backward pass to x as the forward pass of a network of the same shape, run from
    the output side: input u = dL/do^a in R^m, first layer W~1 = diag(phi'(h^a)) W2^T, b~1 = 0,
    identity activation, second layer W~2 = W1^T, b~2 = 0, identity output."""

    W1: np.ndarray  # (d_h, m)
    b1: np.ndarray
    W2: np.ndarray  # (d, d_h)
    b2: np.ndarray

    @staticmethod
    def of(net: Network, bp: Backprop) -> ReversedNetwork:
        dh, d_in = net.W1.shape
        return ReversedNetwork(np.diag(np.cos(bp.ha)) @ net.W2.T, np.zeros(dh), net.W1.T, np.zeros(d_in))

    def forward(self, u: np.ndarray) -> np.ndarray:
        """mlp.forward with activation and head 'identity' (its loss against 0 is ignored)."""
        p = mlp.Params(self.W1.T, self.b1, self.W2.T, self.b2)
        out = mlp.forward(mlp.Net("identity", "identity"), p, u.reshape(1, -1), np.zeros((1, self.b2.size)))
        return out.Y[0]


@dataclass(frozen=True)
class Result:
    chains: Chains
    example: tuple[int, int, int]
    n_theta_example: int
    check_sizes: tuple[tuple[int, int, int], ...]
    batch: int
    eta: float

    @property
    def n_checks_sizes(self) -> int:
        return len(self.check_sizes)


def n_theta(d_in: int, dh: int, classes: int) -> int:
    """d_h (d + 1) + m (d_h + 1)."""
    return dh * (d_in + 1) + classes * (dh + 1)


def solve(p: Params) -> Result:
    return Result(make_chains(p.index_sizes), p.example, n_theta(*p.example), p.check_sizes, p.batch, p.eta)


# --- independent checks --------------------------------------------------------------------------


def loss_by_elements(net: Network, xv: np.ndarray, label: int) -> float:
    """L = -o^a_y + log sum_k e^{o^a_k}, from the element-wise forms (a), (b), (d); no matrices."""
    dh, d_in = net.W1.shape
    hs_ = [math.sin(sum(net.W1[jj, ii] * xv[ii] for ii in range(d_in)) + net.b1[jj]) for jj in range(dh)]
    oa_ = [sum(net.W2[kk, jj] * hs_[jj] for jj in range(dh)) + net.b2[kk] for kk in range(net.b2.size)]
    top = max(oa_)
    return -oa_[label] + top + math.log(sum(math.exp(o - top) for o in oa_))


def _fd(f: Callable[[np.ndarray], float], at: np.ndarray) -> np.ndarray:
    return central_diff(f, at, h=1e-6)


def _instance(sizes: tuple[tuple[int, int, int], ...]):
    """A random network, input and label; the size cycles through ``sizes``."""
    count = {"n": 0}

    def make(rng: np.random.Generator):
        d_in, dh, classes = sizes[count["n"] % len(sizes)]
        count["n"] += 1
        net = Network.random(rng, d_in, dh, classes)
        xv, label = rng.standard_normal(d_in), int(rng.integers(classes))
        return net, xv, label, backprop(net, xv, label)

    return make


def _replace(net: Network, **arrays: np.ndarray) -> Network:
    return Network(**{f: arrays.get(f, getattr(net, f)) for f in ("W1", "b1", "W2", "b2")})


def numeric_steps(sizes: tuple[tuple[int, int, int], ...]) -> list[NumericStep]:
    """Each matrix formula as printed, evaluated from the upstream gradient, against finite
    differences of the element-wise loss (or of the loss as a function of an inner vector)."""
    make = _instance(sizes)

    def loss_of_oa(oa_: np.ndarray, label: int) -> float:
        top = oa_.max()
        return float(-oa_[label] + top + np.log(np.exp(oa_ - top).sum()))

    def loss_of_hs(net: Network, hs_: np.ndarray, label: int) -> float:
        return loss_of_oa(net.W2 @ hs_ + net.b2, label)

    return [
        NumericStep("forward pass: mlp.py (transposed) = element-wise forms (a), (b), (d)",
                    lambda n, xv, lab, bp: bp.loss, lambda n, xv, lab, bp: loss_by_elements(n, xv, lab), make,
                    why="loss from scalar loops over the element-wise formulas"),
        NumericStep("(g) dL/do^a = o^s - onehot(y)", lambda n, xv, lab, bp: bp.os - onehot_of(lab, bp.os.size),
                    lambda n, xv, lab, bp: _fd(lambda o: loss_of_oa(o, lab), bp.oa), make),
        NumericStep("(i) dL/dW(2) = dL/do^a (h^s)^T", lambda n, xv, lab, bp: np.outer(bp.dL_doa, bp.hs),
                    lambda n, xv, lab, bp: _fd(lambda w: loss_by_elements(_replace(n, W2=w), xv, lab), n.W2), make),
        NumericStep("(i) dL/db(2) = dL/do^a", lambda n, xv, lab, bp: bp.dL_doa,
                    lambda n, xv, lab, bp: _fd(lambda b: loss_by_elements(_replace(n, b2=b), xv, lab), n.b2), make),
        NumericStep("(k) dL/dh^s = W(2)^T dL/do^a", lambda n, xv, lab, bp: n.W2.T @ bp.dL_doa,
                    lambda n, xv, lab, bp: _fd(lambda h: loss_of_hs(n, h, lab), bp.hs), make),
        NumericStep("(m) dL/dh^a = dL/dh^s * cos(h^a)", lambda n, xv, lab, bp: bp.dL_dhs * np.cos(bp.ha),
                    lambda n, xv, lab, bp: _fd(lambda h: loss_of_hs(n, np.sin(h), lab), bp.ha), make),
        NumericStep("(o) dL/dW(1) = dL/dh^a x^T", lambda n, xv, lab, bp: np.outer(bp.dL_dha, xv),
                    lambda n, xv, lab, bp: _fd(lambda w: loss_by_elements(_replace(n, W1=w), xv, lab), n.W1), make),
        NumericStep("(o) dL/db(1) = dL/dh^a", lambda n, xv, lab, bp: bp.dL_dha,
                    lambda n, xv, lab, bp: _fd(lambda b: loss_by_elements(_replace(n, b1=b), xv, lab), n.b1), make),
        NumericStep("(p) dL/dx = W(1)^T dL/dh^a", lambda n, xv, lab, bp: n.W1.T @ bp.dL_dha,
                    lambda n, xv, lab, bp: _fd(lambda u: loss_by_elements(n, u, lab), xv), make),
        NumericStep("(p) reversed network's forward pass = dL/dx",
                    lambda n, xv, lab, bp: ReversedNetwork.of(n, bp).forward(bp.os - onehot_of(lab, bp.os.size)),
                    lambda n, xv, lab, bp: _fd(lambda u: loss_by_elements(n, u, lab), xv), make),
        NumericStep("mlp.py backward, all parameters (transposed) = finite differences",
                    lambda n, xv, lab, bp: np.concatenate([bp.dL_dW1.ravel(), bp.dL_db1, bp.dL_dW2.ravel(), bp.dL_db2]),
                    lambda n, xv, lab, bp: np.concatenate([
                        _fd(lambda w: loss_by_elements(_replace(n, W1=w), xv, lab), n.W1).ravel(),
                        _fd(lambda b: loss_by_elements(_replace(n, b1=b), xv, lab), n.b1),
                        _fd(lambda w: loss_by_elements(_replace(n, W2=w), xv, lab), n.W2).ravel(),
                        _fd(lambda b: loss_by_elements(_replace(n, b2=b), xv, lab), n.b2)]), make),
    ]


def gd_step_check(p: Params, rng: np.random.Generator) -> float:
    """(e), (f): one batch step theta - eta * (1/n) sum_i grad L_i, by mlp (reduction 'mean',
    Params.step) and by finite differences of the element-wise loss, sample by sample."""
    d_in, dh, classes = p.check_sizes[0]
    net = Network.random(rng, d_in, dh, classes)
    X = rng.standard_normal((p.batch, d_in))
    labels = rng.integers(classes, size=p.batch)
    T = np.eye(classes)[labels]
    mean_net = mlp.Net("sin", "softmax", "mean")
    cp = net.canonical()
    step = cp.step(mlp.backward(mean_net, cp, X, T, mlp.forward(mean_net, cp, X, T)), p.eta)
    theta = np.concatenate([net.W1.ravel(), net.b1, net.W2.ravel(), net.b2])

    def unflat(th: np.ndarray) -> Network:
        sizes = [net.W1.size, dh, net.W2.size, classes]
        a, b, c, e = np.split(th, np.cumsum(sizes)[:-1])
        return Network(a.reshape(dh, d_in), b, c.reshape(classes, dh), e)

    grads = [_fd(lambda th, xi=xi, yi=yi: loss_by_elements(unflat(th), xi, int(yi)), theta)
             for xi, yi in zip(X, labels, strict=True)]
    want = theta - p.eta * np.mean(grads, axis=0)
    got = np.concatenate([step.W1.T.ravel(), step.b1, step.W2.T.ravel(), step.b2])
    return float(np.max(np.abs(got - want)))


def verify(p: Params, r: Result) -> list[Check]:
    checks = [c for chain in r.chains.all() for c in check_chain(chain)]
    trials = 3 * len(p.check_sizes)
    shapes = ", ".join(f"({a},{b},{c})" for a, b, c in p.check_sizes)
    for step in numeric_steps(p.check_sizes):
        c = check_numeric(step, trials=trials, seed=p.seed, tol=1e-7)
        how = step.why or "central differences (h = 1e-6)"
        checks.append(Check(c.name, f"{how}, {trials} random networks, (d, d_h, m) in {shapes}", c.deviation,
                            c.tolerance))
    rng = np.random.default_rng(p.seed)
    checks.append(Check("(f) one gradient-descent step on the empirical risk",
                        f"mlp.py step (mean over {p.batch} samples) vs theta - eta * mean of per-sample differences",
                        gd_step_check(p, rng), 1e-7))
    d_in, dh, classes = p.example  # read-only views of one zero: the sizes without allocating 10^12 entries
    shapes = ((d_in, dh), (dh,), (dh, classes), (classes,))
    counted = sum(np.broadcast_to(0.0, shape).size for shape in shapes)
    checks.append(Check("(e) n_theta for the example", "entries of the four weight arrays (views, nothing allocated)",
                        0.0 if counted == r.n_theta_example else 1.0, 0.0, exact=True))
    return checks
