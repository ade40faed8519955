"""sine_mlp_theory (reportgen/kinds/sine_mlp_theory, hw3-theory Question 2): n_theta, every derivation
chain, a broken local derivative, finite differences of the gradients on random sizes."""

import numpy as np
import pytest

from reportgen.kinds.sine_mlp_theory import checks as q2_checks
from reportgen.kinds.sine_mlp_theory import data as q2_data
from reportgen.kinds.sine_mlp_theory import model as q2_model
from reportgen.kinds.sine_mlp_theory import solver as q2_solver
from reportgen.maths import mlp
from reportgen.verify import central_diff
from reportgen.verify.derivation import check_chain

from ..conftest import solved_by_kind
from .chains import assert_chains_checked, break_step


@pytest.fixture(scope="module")
def solved():
    return solved_by_kind("hw3-theory")


def test_broken_q2_local_derivative_fails():
    chains = q2_solver.make_chains((2, 3, 3))
    broken = break_step(chains.doa_dW2, 1, q2_solver.hs[q2_solver.k])  # h^s_k instead of h^s_j
    assert not check_chain(broken)[1].passed


def test_q2_n_theta(solved):
    r = solved["sine_mlp_theory"].result
    assert r.example == (784, 100, 10)
    assert r.n_theta_example == 100 * 785 + 10 * 101 == 79_510
    formula = r.chains.n_theta.result.doit()
    for d, dh, m in [(784, 100, 10), (3, 4, 2), (1, 1, 1)]:
        assert formula.subs({q2_solver.d: d, q2_solver.d_h: dh, q2_solver.m: m}) == q2_model.n_theta(d, dh, m)
        arrays = mlp.Params(np.zeros((d, dh)), np.zeros(dh), np.zeros((dh, m)), np.zeros(m))
        assert arrays.flat().size == q2_model.n_theta(d, dh, m)


def test_q2_every_chain_holds(solved):
    chains = solved["sine_mlp_theory"].result.chains.all()
    assert len(chains) == 12
    assert_chains_checked(solved["sine_mlp_theory"], chains)


@pytest.mark.parametrize(("d", "dh", "m"), [(1, 1, 2), (2, 5, 3), (4, 3, 6), (6, 2, 4)])
def test_q2_matrix_gradients_against_finite_differences(d, dh, m):
    rng = np.random.default_rng(100 * d + 10 * dh + m)
    net = q2_data.Network.random(rng, d, dh, m)
    x, y = rng.standard_normal(d), int(rng.integers(m))
    bp = q2_model.backprop(net, x, y)

    def loss(**change):
        return lambda a: q2_checks.loss_by_elements(q2_checks._replace(net, **{change["name"]: a}), x, y)

    fd = {name: central_diff(loss(name=name), getattr(net, name)) for name in ("W1", "b1", "W2", "b2")}
    fd_x = central_diff(lambda u: q2_checks.loss_by_elements(net, u, y), x)
    onehot = np.eye(m)[y]
    # the matrix forms of (g), (i), (k), (m), (o), (p), each from the upstream gradient
    dL_doa = bp.os - onehot
    np.testing.assert_allclose(bp.dL_doa, dL_doa, atol=1e-12)
    np.testing.assert_allclose(np.outer(dL_doa, bp.hs), fd["W2"], atol=1e-7)
    np.testing.assert_allclose(dL_doa, fd["b2"], atol=1e-7)
    dL_dhs = net.W2.T @ dL_doa
    dL_dha = dL_dhs * np.cos(bp.ha)
    np.testing.assert_allclose(np.outer(dL_dha, x), fd["W1"], atol=1e-7)
    np.testing.assert_allclose(dL_dha, fd["b1"], atol=1e-7)
    np.testing.assert_allclose(net.W1.T @ dL_dha, fd_x, atol=1e-7)
    # the solver's gradients, in the assignment's shapes
    assert bp.dL_dW1.shape == (dh, d) and bp.dL_dW2.shape == (m, dh)
    np.testing.assert_allclose(bp.dL_dW1, fd["W1"], atol=1e-7)
    np.testing.assert_allclose(bp.dL_dW2, fd["W2"], atol=1e-7)
    np.testing.assert_allclose(bp.dL_dx, fd_x, atol=1e-7)
    # (p): the reversed network's forward pass is the input gradient
    rev = q2_data.ReversedNetwork.of(net, bp)
    assert rev.W1.shape == (dh, m) and rev.W2.shape == (d, dh)
    np.testing.assert_allclose(rev.forward(dL_doa), fd_x, atol=1e-7)


def test_q2_loss_formula_of_d():
    # L = -o^a_y + log sum_j e^{o^a_j}, by hand for o^a = (0, ln 3), y = 0: L = log 4
    net = q2_data.Network(np.zeros((1, 1)), np.zeros(1), np.zeros((2, 1)), np.array([0.0, np.log(3.0)]))
    assert q2_checks.loss_by_elements(net, np.zeros(1), 0) == pytest.approx(np.log(4.0))
    assert q2_model.backprop(net, np.zeros(1), 0).loss == pytest.approx(np.log(4.0))
