"""activation_calculus (reportgen/kinds/activation_calculus, hw3-theory Question 1): pinned results checked
by hand, every derivation chain, broken steps that must fail, the vector-Jacobian products."""

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
import sympy

from reportgen import pipeline
from reportgen.errors import VerificationError
from reportgen.kinds import activation_calculus as q1
from reportgen.kinds.activation_calculus import checks as q1_checks
from reportgen.kinds.activation_calculus import solver as q1_solver
from reportgen.kinds.activation_calculus import symbols as q1_symbols
from reportgen.maths import mlp, notation
from reportgen.maths.notation import Indicator, SoftmaxEntry, add, plain, sigma
from reportgen.verify.derivation import check_chain

from ..conftest import solved_by_kind
from .chains import assert_chains_checked, break_step


@pytest.fixture(scope="module")
def report():
    return pipeline.load("hw3-theory")


@pytest.fixture(scope="module")
def solved():
    return solved_by_kind("hw3-theory")


def test_q1_chain_results(solved):
    r = solved["activation_calculus"].result
    x = q1_symbols.x
    assert r.sigmoid_prime.result == plain(sigma(x), notation.Group(add(1, -sigma(x))))
    assert sympy.simplify(r.sigmoid_tanh.result.doit() - (sympy.tanh(x / 2) + 1) / 2) == 0
    assert r.softplus_difference.result == x
    assert r.l2.result == 2 * q1_symbols.v[q1_symbols.k]
    assert r.l1.result == sympy.sign(q1_symbols.v[q1_symbols.k])
    assert r.translation.result == SoftmaxEntry(q1_symbols.v, q1_symbols.i, q1_symbols.n)
    v, n = q1_symbols.v, q1_symbols.n
    S_i, S_j = SoftmaxEntry(v, q1_symbols.i, n), SoftmaxEntry(v, q1_symbols.j, n)
    assert sympy.expand(r.partials.result - (S_i * Indicator(sympy.Eq(q1_symbols.i, q1_symbols.j)) - S_i * S_j)) == 0
    assert (r.relu_left, r.relu_right) == (0, 1)


def test_q1_every_chain_holds(solved):
    chains = solved["activation_calculus"].result.chains
    assert len(chains) == 11
    assert_chains_checked(solved["activation_calculus"], chains)


def test_q1_scaling_counterexample_by_hand(solved):
    r = solved["activation_calculus"].result
    # x = (ln 1, ln 2, ln 3): S(cx)_i = a_i^c / sum_j a_j^c
    assert r.row(1).probs == (Fraction(1, 6), Fraction(1, 3), Fraction(1, 2))
    assert r.row(2).probs == (Fraction(1, 14), Fraction(2, 7), Fraction(9, 14))  # 1, 4, 9 over 14
    assert r.row(0).probs == (Fraction(1, 3),) * 3
    assert r.row(3).probs == (Fraction(1, 36), Fraction(2, 9), Fraction(3, 4))  # 1, 8, 27 over 36
    assert r.shown_scale == 2 and r.row(2).probs != r.row(1).probs


def test_q1_operation_counts(solved):
    counts = {oc.n: oc for oc in solved["activation_calculus"].result.counts}
    c10 = counts[10]
    assert (c10.full_mults, c10.full_adds) == (100, 90)
    assert (c10.sigmoid_mults, c10.sigmoid_adds, c10.softmax_mults, c10.softmax_adds) == (20, 10, 20, 19)
    c100 = counts[100]
    assert c100.full_mults + c100.full_adds == 19_900
    assert c100.softmax_mults + c100.softmax_adds == 399


@pytest.mark.parametrize("n", [1, 2, 7, 30])
def test_q1_vjp_formulas_against_full_product(n):
    rng = np.random.default_rng(n)
    z, g = rng.uniform(-4, 4, n), rng.standard_normal(n)
    s = mlp.softmax(z.reshape(1, -1)).ravel()
    J_fd = q1_checks.jacobian_fd(lambda u: mlp.softmax(u.reshape(1, -1)).ravel(), z)
    np.testing.assert_allclose(J_fd, np.diag(s) - np.outer(s, s), atol=1e-9)
    np.testing.assert_allclose(s * (g - s @ g), J_fd.T @ g, atol=1e-9)
    sg = mlp.sigmoid(z)
    np.testing.assert_allclose(sg * (1 - sg) * g, q1_checks.jacobian_fd(mlp.sigmoid, z).T @ g, atol=1e-9)


def test_broken_symbolic_step_fails():
    chain = q1_solver.sigmoid_derivative()
    x = q1_symbols.x
    sig = 1 / (1 + sympy.exp(-x))
    broken = break_step(chain, 3, plain(notation.Group(sig), notation.Group(add(1, sig))))
    checks = check_chain(broken)
    assert [c.passed for c in checks] == [True, True, True, False, False]
    assert checks[3].deviation > 1e-3 and not checks[3].exact


def test_broken_index_step_fails_for_some_index():
    chain = q1_solver.softmax_partials((2,))
    v, n = q1_symbols.v, q1_symbols.n
    S_i, S_j = SoftmaxEntry(v, q1_symbols.i, n), SoftmaxEntry(v, q1_symbols.j, n)
    delta = Indicator(sympy.Eq(q1_symbols.i, q1_symbols.j))
    broken = break_step(chain, 3, add(plain(S_i, delta), plain(S_i, S_j)))  # + instead of -
    assert [c.passed for c in check_chain(broken)] == [True, True, True, False]


def test_broken_step_at_a_single_point_is_caught_by_an_instance():
    chain = q1_solver.sign_indicators()
    x = q1_symbols.x
    # 1[x > 0] - 1[x <= 0] agrees with sign(x) at every random point but not at x = 0
    broken = break_step(chain, 1, add(Indicator(x > 0), -Indicator(x <= 0)))
    assert not check_chain(broken)[1].passed
    no_zero = dataclasses.replace(broken, instances=())
    assert check_chain(no_zero)[1].passed  # without the instance {x: 0} random sampling misses it


def test_broken_chain_stops_the_build(report, solved):
    s = solved["activation_calculus"]
    r = dataclasses.replace(s.result, log_sigmoid=break_step(s.result.log_sigmoid, 2, -notation.softplus(q1_symbols.x)))
    bad = pipeline.Solved(s.spec, r, tuple(q1.verify(s.spec.params, r)))
    with pytest.raises(VerificationError, match=r"\(d\) ln sigma, step 3"):
        pipeline.require_checks_pass(report, [bad])
