"""sine_mlp_theory: verify: the independent checks (never imports solver.py)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ...maths import mlp
from ...maths.derivation import NumericStep
from ...verify import Check, central_diff
from ...verify.derivation import check_chain, check_numeric
from .data import Network, Params, Result, ReversedNetwork
from .model import backprop, onehot_of


def loss_by_elements(net: Network, xv: np.ndarray, label: int) -> float:
    """L = -o^a_y + log sum_k e^{o^a_k}, from the element-wise forms (a), (b), (d); no matrices."""
    dh, d_in = net.W1.shape
    W1, b1, W2, b2, xv = net.W1.tolist(), net.b1.tolist(), net.W2.tolist(), net.b2.tolist(), np.asarray(xv).tolist()
    hs_ = [math.sin(sum(W1[jj][ii] * xv[ii] for ii in range(d_in)) + b1[jj]) for jj in range(dh)]
    oa_ = [sum(W2[kk][jj] * hs_[jj] for jj in range(dh)) + b2[kk] for kk in range(len(b2))]
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
