from fractions import Fraction

import numpy as np
import pytest
import sympy

from reportgen.kinds.cnn_design.reference import brute_force_stacks
from reportgen.maths import conv, descent


@pytest.mark.parametrize("A", [[[5, 2], [2, 2]], [[5]], [[3, 1], [1, 3]], [[2, 0.5, 0], [0.5, 1, 0], [0, 0, 4]],
                               [[1, 1], [1, 2]]])
def test_bound_against_sympy(A):
    A = np.array(A, dtype=float)
    r = descent.step_size_range(A)
    H = sympy.Matrix(A.shape[0], A.shape[1], lambda i, j: sympy.nsimplify(A[i, j] + A[j, i]))
    lam_max = max(H.eigenvals(), key=lambda e: float(e))
    exact = 2 / lam_max
    assert r.eta_max == pytest.approx(float(exact), rel=1e-12)
    if lam_max.is_rational:
        assert r.eta_max_exact == Fraction(int(exact.p), int(exact.q))
    else:  # e.g. [[1, 1], [1, 2]]: irrational eigenvalues, no fraction claimed
        assert r.eta_max_exact is None


def test_not_strictly_convex_is_refused():
    with pytest.raises(ValueError, match="strictly convex"):
        descent.step_size_range(np.array([[1.0, 1.0], [1.0, 1.0]]))


def test_trajectory_behaviour_around_the_bound():
    A = np.array([[5.0, 2.0], [2.0, 2.0]])
    r = descent.step_size_range(A)
    inside, at, beyond = descent.trajectories(r, np.array([1.0, 1.0]), (0.5, 1.0, 1.1), 40)
    assert inside.distance[-1] < 1e-3
    assert at.contraction == pytest.approx(1.0)
    assert 0.1 < at.distance[-1] < 10  # oscillates, neither converges nor explodes
    assert beyond.distance[-1] > 100


def test_level_set_lies_on_the_level():
    A = np.array([[5.0, 2.0], [2.0, 2.0]])
    pts = descent.level_set(A, 3.0)
    np.testing.assert_allclose(np.einsum("ni,ij,nj->n", pts, A, pts), 3.0)


@pytest.mark.parametrize(("n", "k", "s", "p", "d", "out"), [
    (32, 5, 1, 0, 1, 28), (28, 2, 2, 0, 1, 14), (64, 5, 2, 1, 2, 29), (7, 3, 2, 0, 1, 3), (3, 5, 1, 0, 1, 0),
])
def test_out_size(n, k, s, p, d, out):
    assert conv.out_size(n, k, s, p, d) == out


@pytest.mark.parametrize(("size", "target", "kernels"), [(32, 4, (3, 5, 7)), (64, 6, (3, 5)), (28, 1, (3,)),
                                                         (100, 4, (3, 5, 7, 9))])
def test_search_matches_brute_force(size, target, kernels):
    brute = brute_force_stacks(size, target, kernels, 2)
    try:
        found = {a.signature for a in conv.search_stacks(size, 1, target, 8, kernels).candidates}
    except ValueError:
        found = set()
    assert found == set(brute.signatures)


def test_params_of_a_layer():
    layer = conv.Layer("conv", 5, 1, 32, 28, 3, 16)
    assert (layer.weights, layer.biases, layer.params) == (1200, 16, 1216)
    assert conv.Layer("pool", 2, 2, 28, 14, 16, 16).params == 0


@pytest.mark.parametrize(("n", "k", "s", "p", "d"),
                         [(32, 5, 1, 0, 1), (32, 3, 2, 1, 1), (200, 5, 3, 1, 2), (7, 3, 4, 0, 1)])
def test_window_span_steps_and_overlap_agree_with_the_output_size(n, k, s, p, d):
    c = conv.Config(k, s, p, d)
    starts = range(0, n + 2 * p - c.extent() + 1, s)  # every window start in the padded input
    assert c.steps(n) + 1 == len(starts) == c.out(n)
    assert c.span(n) == (n + 2 * p) - c.extent() and c.overlap() == c.extent() - s


def test_filter_counts_double_only_when_each_convolution_doubles():
    def arch(*channels):
        return conv.Architecture(tuple(conv.Layer("conv", 3, 1, 8, 6, a, b)
                                       for a, b in zip((3, *channels), channels, strict=False)))
    assert arch(16, 32, 64).filters_double and arch(16, 32, 64).filter_counts == (16, 32, 64)
    assert not arch(16, 32, 48).filters_double and arch(16).filters_double
