"""The one backprop, against central finite differences and hand-checked numbers."""

import numpy as np
import pytest

from reportgen.maths import mlp
from reportgen.verify import central_diff


def random_problem(rng, N, d, h, q, head):
    X = rng.standard_normal((N, d))
    if head == "softmax":
        T = rng.dirichlet(np.ones(q), size=N)  # soft labels: rows sum to 1
    else:
        T = rng.standard_normal((N, q))
    p = mlp.Params(rng.standard_normal((d, h)), rng.standard_normal(h), rng.standard_normal((h, q)),
                   rng.standard_normal(q))
    return X, T, p


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "sin"])
@pytest.mark.parametrize("head", ["identity", "softmax"])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize(("N", "d", "h", "q"), [(1, 1, 1, 1), (3, 4, 2, 1), (5, 2, 7, 3), (8, 6, 5, 4)])
def test_gradients_match_finite_differences(activation, head, reduction, N, d, h, q):
    rng = np.random.default_rng(N * 100 + d * 10 + h)
    X, T, p = random_problem(rng, N, d, h, q, head)
    net = mlp.Net(activation, head, reduction)
    fw = mlp.forward(net, p, X, T)
    g = mlp.backward(net, p, X, T, fw)
    fd = central_diff(lambda th: mlp.loss_at(net, p.with_flat(th), X, T), p.flat())
    ours = np.concatenate([g.dL_dW1.ravel(), g.dL_db1, g.dL_dW2.ravel(), g.dL_db2])
    np.testing.assert_allclose(ours, fd, atol=1e-6, rtol=1e-5)
    fd_x = central_diff(lambda x: mlp.loss_at(net, p, x, T), X)
    np.testing.assert_allclose(g.dL_dX, fd_x, atol=1e-6, rtol=1e-5)


def test_softmax_is_stable_and_sums_to_one():
    Y = mlp.softmax(np.array([[1000.0, 1001.0, 999.0], [-1000.0, 0.0, 1000.0]]))
    assert np.all(np.isfinite(Y))
    np.testing.assert_allclose(Y.sum(axis=1), 1.0)


def test_sigmoid_does_not_overflow():
    assert np.all(np.isfinite(mlp.sigmoid(np.array([-1000.0, 0.0, 1000.0]))))


def test_gradient_step_moves_against_the_gradient():
    rng = np.random.default_rng(0)
    X, T, p = random_problem(rng, 4, 3, 3, 2, "softmax")
    net = mlp.Net("relu", "softmax")
    g = mlp.backward(net, p, X, T, mlp.forward(net, p, X, T))
    p2 = p.step(g, 1e-3)
    assert mlp.loss_at(net, p2, X, T) < mlp.loss_at(net, p, X, T)


def test_mode_costs_for_the_2024_network():
    """Hand count for N=3, d=4, h=2: reverse 9 + 18 + 36 + 60, forward 360 + 180 + 30 + 9."""
    c = mlp.mode_costs(3, 4, 2)
    assert [p.cost for p in c.reverse] == [9, 18, 36, 60]
    assert [p.cost for p in c.forward] == [360, 180, 30, 9]
    assert (c.reverse_total, c.forward_total, c.n_params) == (123, 579, 13)


@pytest.mark.parametrize(("N", "d", "h"), [(1, 1, 1), (10, 100, 50), (64, 784, 128)])
def test_forward_order_is_never_cheaper(N, d, h):
    c = mlp.mode_costs(N, d, h)
    assert c.forward_total >= c.reverse_total
