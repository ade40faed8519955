"""The shortcuts that make derivation checks cheap still check every step: the comparison with
symbolic indices, one instance per pattern of equal indices where the written-out expressions
are symmetric in the index values (reportgen.verify.symmetry), entries as plain symbols before
derivatives, and numpy evaluation without lambdify (reportgen.verify.numeric). A wrong step is
caught through each of them."""

import numpy as np
import pytest
import sympy
from sympy import Eq, IndexedBase, KroneckerDelta, Lambda, Piecewise, Sum, exp

from reportgen.maths.derivation import Chain, Step
from reportgen.maths.notation import Indicator, Partial, SoftmaxEntry, add, plain
from reportgen.verify import numeric, symbolic, symmetry
from reportgen.verify.derivation import check_chain, index_symbols

x, y = sympy.symbols("x y", real=True)
n, i, j, k = sympy.symbols("n i j k", integer=True, positive=True)
v = IndexedBase("v", real=True)
t = IndexedBase("t", real=True)
d = sympy.Dummy("d", integer=True)


def grid(size, *indices):
    """Every value 1..size of each index, at n = size."""
    subs = [{n: size}]
    for s in indices:
        subs = [{**sub, s: val} for sub in subs for val in range(1, size + 1)]
    return tuple(subs)


def softmax_partials(last):
    """d S_i / d x_j = S_i 1[i = j] - S_i S_j, with the last step replaced by ``last``."""
    S_i, S_j = SoftmaxEntry(v, i, n), SoftmaxEntry(v, j, n)
    return Chain("softmax partials", Partial(S_i, v[j]), (
        Step(add(plain(S_i, Indicator(Eq(i, j))), -plain(S_i, S_j))),
        Step(last(S_i, S_j, Indicator(Eq(i, j)))),
    ), instances=grid(3, i, j))


# --- one instance per pattern of equal indices ---------------------------------------------------


def test_a_symmetric_chain_is_compared_once_per_pattern_and_says_so():
    chain = softmax_partials(lambda S_i, S_j, one: plain(S_i, add(one, -S_j)))
    checks = check_chain(chain)
    assert all(c.passed and c.exact for c in checks)
    assert "(9 cases: 2 compared, one per pattern of equal indices" in checks[0].method


@pytest.mark.parametrize("wrong", [
    lambda S_i, S_j, one: add(plain(S_i, one), -plain(S_i, S_i)),  # wrong only where i != j
    lambda S_i, S_j, one: add(plain(2, S_i, one), -plain(S_i, S_j)),  # wrong only where i = j
])
def test_a_step_wrong_for_one_pattern_is_caught(wrong):
    checks = check_chain(softmax_partials(wrong))
    assert checks[0].passed and not checks[1].passed and checks[1].deviation > 1e-3


def test_representatives_one_per_pattern_of_equal_indices():
    subs = [{i: a, j: b} for a in (1, 2, 3) for b in (1, 2, 3)]
    assert symmetry.representatives(subs) == [0, 1]  # (1, 1) and (1, 2)
    assert symmetry.pattern({i: 2, j: 2}) == symmetry.pattern({i: 3, j: 3}) != symmetry.pattern({i: 3, j: 1})


@pytest.mark.parametrize("form, symmetric", [
    (v[1] + v[2] + v[3] + v[i], True),
    (exp(v[i]) * Piecewise((1, Eq(i, j)), (0, True)) / (exp(v[1]) + exp(v[2]) + exp(v[3])), True),
    (KroneckerDelta(1, i) * v[1] + KroneckerDelta(2, i) * v[2] + KroneckerDelta(3, i) * v[3], True),
    (i * v[i] + v[1] + v[2] + v[3], False),  # the index used as a number
    (1 * v[1] + 2 * v[2] + 3 * v[3] + v[i], False),  # a weight tied to the entry's position
    (KroneckerDelta(i, 2) * v[i], False),  # data that singles out the value 2 (a one-hot target)
    (v[1] + v[2] + v[i], False),  # a sum over part of the values
    (Piecewise((1, sympy.StrictLessThan(i, j)), (0, True)) * v[i], False),  # an order between indices
    (v[i + 1] - v[i], False),  # arithmetic on an index
    (Sum(v[k], (k, 1, 3)) + v[i], False),  # not written out
])
def test_symmetry_in_the_index_values(form, symmetric):
    assert symmetry.symmetric(form, frozenset({i, j}), {1, 2, 3}) is symmetric


def test_data_that_singles_out_a_value_is_checked_at_every_instance():
    """t_k = [k = 2]: sum_k t_k = 1, and t_i = [i = 2] (true), then a step wrong only at i = 3."""
    total = Sum(t[k], (k, 1, n))
    chain = Chain("one-hot", add(total, t[i]), (
        Step(add(1, KroneckerDelta(i, 2))),
        Step(add(1, KroneckerDelta(i, 2), KroneckerDelta(i, 3) * v[1])),
    ), instances=tuple({**sub, t: Lambda(d, KroneckerDelta(d, 2))} for sub in grid(3, i)))
    first, second = check_chain(chain)
    assert first.passed and "pattern" not in first.method
    assert not second.passed


def test_a_step_wrong_at_one_index_is_caught_with_the_indices_symbolic():
    """A group of 3+ instances that is not symmetric is compared with the index symbolic first;
    where that does not decide, at every instance."""
    chain = Chain("data at index 2", add(t[i], v[i]), (
        Step(add(KroneckerDelta(2, i), v[i])),  # holds for every i: decided with i symbolic
        Step(add(KroneckerDelta(2, i), v[i], KroneckerDelta(i, 3) * x)),  # wrong at i = 3 only
    ), instances=tuple({**sub, t: Lambda(d, KroneckerDelta(d, 2))} for sub in grid(3, i)))
    first, second = check_chain(chain)
    assert first.passed and "1 comparison with i symbolic" in first.method
    assert not second.passed and "(3 cases)" in second.method


def test_indices_are_the_integer_keys_that_bound_no_sum():
    exprs = [Sum(v[k], (k, 1, n)) + v[i], SoftmaxEntry(v, j, n)]
    assert index_symbols(exprs, ({n: 3, i: 1, j: 2},)) == {i, j}
    assert index_symbols([SoftmaxEntry(v, i, j)], ({i: 1, j: 2},)) == {i}  # j bounds the softmax's sum


# --- entries as plain symbols before derivatives -------------------------------------------------


def test_entries_become_symbols_before_derivatives_only_when_nothing_can_make_new_ones():
    e = symbolic.prewritten(Partial(SoftmaxEntry(v, 1, n), v[2]), {n: 2})
    assert not e.has(SoftmaxEntry)  # written out, so its entries are there to be renamed
    done = symbolic.finished(e, {})
    assert not done.atoms(sympy.Indexed) and done != 0
    want = -exp(v[1]) * exp(v[2]) / (exp(v[1]) + exp(v[2])) ** 2
    assert sympy.simplify(symbolic.entries(want, {})[0] - done) == 0
    general = symbolic.finished(symbolic.prewritten(Partial(v[i] ** 2, v[j]), {}), {})
    assert general.atoms(sympy.Indexed) and general.has(KroneckerDelta)  # symbolic indices stay entries


def test_entries_stay_entries_where_a_sum_is_left():
    """With the size symbolic the sums stay, so no entry may become a symbol: d/dv_1 of a sum
    of squares, or of softmax, must not come out 0."""
    assert symbolic.written_out(Partial(Sum(v[k] ** 2, (k, 1, n)), v[1]), {}) != 0
    assert symbolic.written_out(Partial(SoftmaxEntry(v, 1, n), v[2]), {}) != 0
    at_two = symbolic.written_out(Partial(SoftmaxEntry(v, 1, n), v[2]), {n: 2})
    assert not at_two.atoms(sympy.Indexed) and at_two != 0
    pre = symbolic.prewritten(Partial(SoftmaxEntry(v, i, n), v[j]), {n: 2})
    assert symbolic.at_indices(pre, {i: 1, j: 2}, {}) == at_two


def test_sums_over_number_ranges_are_written_out_like_sympy():
    for lo, hi in ((1, 3), (2, 2), (1, 0)):
        s = Sum(v[k] * k, (k, lo, hi))
        assert symbolic._write_sums(s) == s.doit()


# --- numpy evaluation without lambdify -----------------------------------------------------------


@pytest.mark.parametrize("e", [
    sympy.Piecewise((x, x > 0), (0, True)) - x * sympy.Heaviside(x) + sympy.Max(0, x) * sympy.sign(y),
    sympy.log(1 + exp(x)) / (1 + sympy.Abs(y)) + sympy.tanh(x) ** 2 - sympy.sqrt(2) * sympy.cos(y),
    sympy.Piecewise((1, sympy.And(x > 0, y < 1)), (2, Eq(x, 0)), (-1, True)) + sympy.Min(x, y, 0.5),
    x ** -3 + (x ** 2 + y ** 2) ** sympy.Rational(1, 3),
])
def test_numeric_evaluation_matches_lambdify(e):
    rng = np.random.default_rng(0)
    xs, ys = rng.uniform(-3, 3, 50), rng.uniform(-3, 3, 50)
    want = sympy.lambdify([x, y], e, modules=symbolic._NUMPY)(xs, ys)
    got = numeric.evaluate(e, {x: xs, y: ys})
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_unknown_functions_fall_back_to_lambdify():
    with pytest.raises(numeric.Unsupported):
        numeric.evaluate(sympy.floor(x), {x: np.ones(3)})
    assert symbolic._numeric_deviation(sympy.floor(x), sympy.floor(x) + 1, {x: (0.0, 1.0)}, 5, 0) == 1.0


@pytest.mark.parametrize("e", [
    x + sympy.log(-2),  # log(2) + i pi
    sympy.Piecewise((x + sympy.I, x > 0), (x, True)) * y,
])
def test_numeric_evaluation_of_complex_constants_matches_lambdify(e):
    rng = np.random.default_rng(0)
    xs, ys = rng.uniform(-3, 3, 50), rng.uniform(-3, 3, 50)
    want = sympy.lambdify([x, y], e, modules=symbolic._NUMPY)(xs, ys)
    np.testing.assert_allclose(numeric.evaluate(e, {x: xs, y: ys}), want, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("a, b, domain", [
    (x + sympy.log(-2), x + sympy.log(2), {}),  # they differ by i pi: a failed check, not a crash
    (x + sympy.zoo * y, x, {}),
    (exp(800 * x) + 1, exp(800 * x), {x: (1.0, 2.0)}),  # a overflows: any finite difference looked like 0
])
def test_wrong_steps_that_evaluate_to_complex_or_overflow_fail(a, b, domain):
    deviation, method = symbolic.step_equal(a, b, domain)
    assert method.startswith("evaluation") and not deviation <= 1e-9


def test_matrix_formulas_match_lambdify():
    a, b = sympy.MatrixSymbol("a", 3, 1), sympy.MatrixSymbol("B", 3, 3)
    e = sympy.DiagMatrix(a) - a * sympy.Transpose(a) + sympy.HadamardProduct(b * a, a) * sympy.Transpose(a) - 2 * b
    rng = np.random.default_rng(1)
    av, bv = rng.standard_normal((3, 1)), rng.standard_normal((3, 3))
    want = np.diag(av.ravel()) - av @ av.T + ((bv @ av) * av) @ av.T - 2 * bv
    np.testing.assert_allclose(numeric.evaluate_matrix(e, {a: av, b: bv}), want, rtol=1e-13)


def test_jacobian_by_columns_is_the_gradient_of_each_output():
    from reportgen.verify import central_diff, central_jacobian

    z = np.random.default_rng(2).uniform(-3, 3, 5)
    f = lambda u: np.exp(u) / np.exp(u).sum() + u ** 3  # noqa: E731
    rows = np.stack([central_diff(lambda u, r=r: f(u)[r], z) for r in range(z.size)])
    assert np.array_equal(central_jacobian(f, z), rows)


def test_an_index_value_against_the_index_assumptions_is_not_decided_symbolically():
    """i is positive, yet checked at i = 0: with i symbolic SymPy reads d x_i / d x_0 =
    KroneckerDelta(i, 0) as 0, wrong at i = 0."""
    chain = Chain("positive index at 0", sympy.Derivative(v[i], v[0]), (Step(sympy.Integer(0)),),
                  instances=tuple({n: 3, i: val} for val in range(0, 3)))
    [check] = check_chain(chain)
    assert not check.passed and check.deviation > 0.1
    assert index_symbols([v[i]], ({i: 0},)) == frozenset() and index_symbols([v[i]], ({i: 1},)) == {i}
