"""Cheap exact checks first, and random-point evaluation in one vectorised call
(reportgen.verify.symbolic)."""

import numpy as np
import pytest
import sympy

from reportgen.verify import symbolic

x = sympy.Symbol("x", real=True)
y = sympy.Symbol("y", real=True)


def softplus(t):
    return sympy.log(1 + sympy.exp(t))


@pytest.mark.parametrize("a, b", [
    (softplus(x) - softplus(-x), x),  # needed simplify (about 0.4 s) before
    (sympy.log((sympy.exp(x) + 1) / (1 + sympy.exp(-x))), x),
    (sympy.exp(x + y) / (sympy.exp(x) + sympy.exp(y)), 1 / (sympy.exp(-x) + sympy.exp(-y))),
])
def test_identities_in_exponentials_are_decided_without_simplify(a, b, monkeypatch):
    def no_simplify(e):
        raise AssertionError("simplify was called")

    monkeypatch.setattr(sympy, "simplify", no_simplify)
    dev, method = symbolic.step_equal(a, b, {})
    assert (dev, method) in {(0.0, "SymPy (cancel in u = exp(x))"), (0.0, "SymPy (cancel in exponentials)"),
                             (0.0, "SymPy (cancel)"), (0.0, "SymPy (expand_log + cancel)"), (0.0, "SymPy (together)")}


def test_fractions_are_put_over_a_common_denominator_before_cancel():
    a = 1 / (x + 1) + 1 / (x - 1)
    assert symbolic.step_equal(a, 2 * x / (x**2 - 1), {}) == (0.0, "SymPy (together)")
    dev, method = symbolic.step_equal(a, 2 / (x**2 - 1), {})  # false: the numerators differ
    assert dev > 1e-3 and method.startswith("evaluation")


@pytest.mark.parametrize("a, b", [(softplus(x) - softplus(-x), 2 * x), (sympy.log(1 + sympy.exp(x)), x)])
def test_false_identities_are_not_proved(a, b):
    assert symbolic._in_exponentials(sympy.expand(a - b)) != 0
    dev, method = symbolic.step_equal(a, b, {})
    assert dev > 1e-3 and method.startswith("evaluation")


def test_only_real_symbols_are_written_as_logarithms():
    z = sympy.Symbol("z")  # complex: x = log(u) with u > 0 would not cover it
    e = softplus(z) - softplus(-z) - z
    assert symbolic._in_exponentials(e) == e


def scalar_deviation(a, b, domain, samples, seed):
    """The former one-point-at-a-time loop, as the reference."""
    syms = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    f, g = sympy.lambdify(syms, a - b, modules=symbolic._NUMPY), sympy.lambdify(syms, a, modules=symbolic._NUMPY)
    worst = 0.0
    for _ in range(samples):
        args = [rng.uniform(*domain.get(s, (-3.0, 3.0))) for s in syms]
        worst = max(worst, abs(complex(f(*args))) / (1.0 + abs(complex(g(*args)))))
    return worst


@pytest.mark.parametrize("a, b, domain", [
    (sympy.sin(x) * y, sympy.sin(x) * y + 1e-6 * x, {x: (0.0, 1.0)}),
    (sympy.Piecewise((x, x > 0), (0, True)), x * sympy.Heaviside(x), {}),
    (sympy.Abs(x) + y**2, x + y**2, {y: (1.0, 2.0)}),
    (sympy.Integer(2), sympy.Integer(2) + 1e-9 * y, {}),
])
def test_vectorised_evaluation_matches_one_point_at_a_time(a, b, domain):
    fast = symbolic._numeric_deviation(a, b, domain, 40, 0)
    assert fast == pytest.approx(scalar_deviation(a, b, domain, 40, 0), rel=1e-12, abs=1e-300)


def test_constant_difference_is_broadcast_to_every_point():
    """lambdify returns a plain number for a constant: it still counts at every sample."""
    assert symbolic._numeric_deviation(sympy.Integer(3), sympy.Integer(1), {}, 5, 0) == pytest.approx(0.5)
