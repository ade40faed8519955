"""Hypothesis strategies for new editions of every problem kind, and one call that runs an
edition through parse -> solve -> verify exactly as the pipeline does.

Numbers are decimals as a course writes them, m * 10^e with a two-digit m and a scale e drawn
from 1e-8 to 1e6; ``kink`` editions set a bias so that a pre-activation is exactly 0 on the
decimals (and typically +-1e-17 in floats).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from reportgen import kinds
from reportgen.spec import Table

from .reference import COUNTS

SCALES = st.integers(-8, 6)


def run(problem: dict[str, Any]) -> tuple[Any, Any, list]:
    """parse, solve, verify one problem table; raises SpecError for input the format refuses."""
    t = Table(dict(problem), "edition.toml", "problems[0]")
    kind = t.text("kind")
    t.text("title")
    if t.has("points"):
        t.integer("points", lo=0, hi=1000)
    params = kinds.parse(kind, t)
    t.done()
    module = kinds.get(kind)
    result = module.solve(params)
    checks = module.verify(params, result)
    COUNTS["editions"] += 1
    return params, result, checks


def failed(checks: list) -> list:
    return [(c.name, c.deviation, c.tolerance, c.method) for c in checks if not c.passed]


@st.composite
def decimals(draw: st.DrawFn, n: int, scale: int, zero_ok: bool = True) -> list[float]:
    """n decimals m * 10^(scale - 1), m in [-99, 99] (exactly what repr prints back)."""
    lo = -99
    vals = []
    for _ in range(n):
        m = draw(st.integers(lo, 99).filter(lambda v: zero_ok or v != 0))
        vals.append(float(f"{m}e{scale - 1}"))
    return vals


def _rows(flat: list[float], cols: int) -> list[list[float]]:
    return [flat[i:i + cols] for i in range(0, len(flat), cols)]


def _exact_bias(X: list[list[float]], W: list[list[float]], layout: str, k: int, j: int) -> float:
    """-sum_i W_ji x_ki as a float whose decimal is exact: then z_kj = 0 exactly."""
    d = len(X[0])
    weight = (lambda i: W[j][i]) if layout == "column" else (lambda i: W[i][j])
    s = -sum((Fraction(repr(weight(i))) * Fraction(repr(X[k][i])) for i in range(d)), Fraction(0))
    return float(s)


@st.composite
def mlp_editions(draw: st.DrawFn) -> dict[str, Any]:
    layout = draw(st.sampled_from(["column", "row"]))
    act = draw(st.sampled_from(["relu", "sigmoid", "tanh"]))
    N, d, h = draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(1, 5))
    sx, sw = draw(SCALES), draw(st.integers(-2, 1))  # data at any scale, weights near 1
    X = _rows(draw(decimals(N * d, sx)), d)
    W1 = _rows(draw(decimals(h * d, sw)), d if layout == "column" else h)  # (h, d) or (d, h)
    b1 = draw(decimals(h, sx + sw))
    if draw(st.booleans()):  # a tie at the kink: z = 0 exactly for one sample and unit
        k, j = draw(st.integers(0, N - 1)), draw(st.integers(0, h - 1))
        bias = _exact_bias(X, W1, layout, k, j)
        if Fraction(repr(bias)) == Fraction(bias):  # representable as written: the tie is exact
            b1[j] = bias
    t = draw(decimals(N, sx + sw))
    return {"kind": "mlp_gradients", "title": "edition", "layout": layout, "activation": act, "X": X, "t": t,
            "W1": W1, "b1": b1, "W2": draw(decimals(h, 0)), "b2": draw(decimals(1, sx + sw))[0]}


@st.composite
def ce_step_editions(draw: st.DrawFn) -> dict[str, Any]:
    """smoothed_ce_step: logits up to 1e6 (probabilities far below 1e-6), exact ReLU ties."""
    d, n, q = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(2, 5))
    sx = draw(st.integers(-8, 1))
    x = draw(decimals(d, sx))
    W1 = _rows(draw(decimals(d * n, 0)), n)
    b1 = draw(decimals(n, sx))
    if draw(st.booleans()):
        j = draw(st.integers(0, n - 1))
        bias = float(-sum((Fraction(repr(W1[p][j])) * Fraction(repr(x[p])) for p in range(d)), Fraction(0)))
        if Fraction(repr(bias)) == Fraction(bias):
            b1[j] = bias
    logit_scale = draw(st.sampled_from([0, 1, 2, 3, 6]))  # b2 entries up to 10^6: underflowing softmax
    y = [0.0] * q
    y[draw(st.integers(0, q - 1))] = 1.0
    eps = draw(st.sampled_from([0.0, 0.0, 0.1, 0.3, 1.0]))
    return {"kind": "smoothed_ce_step", "title": "edition", "x": x, "y": y, "W1": W1, "b1": b1,
            "W2": _rows(draw(decimals(n * q, 0)), q), "b2": draw(decimals(q, logit_scale)),
            "epsilon": eps, "eta": draw(st.sampled_from([0.1, 0.5, 1e-3, 2.0]))}


@st.composite
def gd_editions(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 3))
    s = draw(SCALES)
    A = _rows(draw(decimals(n * n, s)), n)
    if draw(st.booleans()):  # strictly convex by construction: a dominant diagonal
        for i in range(n):
            A[i][i] = float(f"{n * 200 + draw(st.integers(0, 99))}e{s - 1}")
    if draw(st.booleans()) and n == 2:  # ill-conditioned: 1e6 and 1e-8 on the diagonal
        A = [[1e6, 0.0], [0.0, 1e-8]]
    factors = draw(st.lists(st.sampled_from([0.1, 0.4, 0.5, 0.99, 1.0, 1.01, 1.1, 1.4, 1.5]), min_size=1, max_size=4))
    return {"kind": "gd_step_size", "title": "edition", "A": A, "start": draw(decimals(n, draw(SCALES), False)),
            "factors": factors, "steps": draw(st.integers(2, 60))}


@st.composite
def conv_editions(draw: st.DrawFn) -> dict[str, Any]:
    layers = []
    for _ in range(draw(st.integers(1, 13))):
        kind = draw(st.sampled_from(["conv", "conv", "maxpool", "avgpool"]))
        k = draw(st.integers(1, 7))
        layer = {"kind": kind, "kernel": k, "stride": draw(st.integers(1, 3)), "padding": draw(st.integers(0, 4))}
        if kind == "conv":
            layer["filters"] = draw(st.sampled_from([1, 3, 64, 384, 512, 1024]))
        layers.append(layer)
    design = {"in_size": draw(st.integers(4, 64)), "in_channels": 3, "out_size": draw(st.integers(1, 8)),
              "out_channels": 64, "constraints": [{"item": "c", "padding": draw(st.integers(0, 2)),
                                                   "dilation": draw(st.integers(1, 2))}]}
    return {"kind": "conv_arithmetic", "title": "edition", "in_size": draw(st.integers(1, 96)),
            "in_channels": draw(st.sampled_from([1, 3, 16])), "layers": layers, "design": design}


@st.composite
def cnn_editions(draw: st.DrawFn) -> dict[str, Any]:
    in_size = draw(st.integers(2, 96))
    kernels = draw(st.lists(st.sampled_from([1, 3, 5, 7, 9, 11]), min_size=1, max_size=4, unique=True))
    return {"kind": "cnn_design", "title": "edition", "in_size": in_size, "in_channels": 3,
            "target_size": draw(st.integers(1, in_size)), "target_channels": 64, "kernels": kernels,
            "pool": draw(st.integers(2, 3)), "start": draw(st.sampled_from(["conv", "pool", "either"]))}
