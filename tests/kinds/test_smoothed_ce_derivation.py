"""Problem 1 of ml-hw3-2024spring: the derivation is data, every step is checked, and a step or
formula that does not hold fails the checks and stops the build."""

from dataclasses import replace

import numpy as np
import pytest
import sympy as sp

from reportgen import pipeline, printer
from reportgen.errors import VerificationError
from reportgen.kinds import smoothed_ce_derivation as D
from reportgen.kinds.smoothed_ce_derivation import checks as D_checks
from reportgen.kinds.smoothed_ce_derivation import data as D_data
from reportgen.kinds.smoothed_ce_derivation import symbols as D_symbols
from reportgen.maths.derivation import Chain, NumericStep, Step
from reportgen.settings import Settings
from reportgen.verify import smoothed_ce as loops
from reportgen.verify.derivation import check_chain, check_numeric, instantiate


@pytest.fixture(scope="module")
def result():
    return D.solve(D_data.Params(trials=8))


def with_step(der, index, expr):
    """A copy of ``der`` whose step ``index`` claims ``expr`` instead."""
    steps = list(der.chain.steps)
    steps[index] = Step(expr, steps[index].why)
    return replace(der, chain=replace(der.chain, steps=tuple(steps)))


# --- the instance mechanism ----------------------------------------------------------------------


def test_instantiate_expands_sums_and_substitutes_entries():
    q, i = sp.symbols("q i", integer=True, positive=True)
    s = sp.IndexedBase("s")
    t = sp.Dummy("t")
    e, dom = instantiate(sp.Sum(s[i], (i, 1, q)), {q: 3, s: sp.Lambda(t, t**2)}, {})
    assert e == 14  # 1 + 4 + 9
    e, dom = instantiate(sp.Sum(s[i], (i, 1, q)), {q: 2}, {s: (0.0, 1.0)})
    assert {str(v) for v in e.free_symbols} == {"s[1]", "s[2]"}
    assert all(dom[v] == (0.0, 1.0) for v in e.free_symbols)


def test_index_chain_checked_at_every_instance():
    """sum_{i<=q} i = q(q+1)/2 holds; q(q+1)/2 + [q = 3] holds at q = 2 but not at q = 3."""
    q, i = sp.symbols("q i", integer=True, positive=True)
    good = Chain("gauss", sp.Sum(i, (i, 1, q)), (Step(q * (q + 1) / 2),), {}, ({q: 2}, {q: 3}, {q: 7}))
    assert all(c.passed and c.exact for c in check_chain(good))
    bad = replace(good, steps=(Step(q * (q + 1) / 2 + sp.KroneckerDelta(q, 3)),))
    [c] = check_chain(bad)
    assert not c.passed


# --- the derivation holds ------------------------------------------------------------------------


def test_every_step_is_proved_by_sympy(result):
    checks = [c for der in result.all for c in check_chain(der.chain)]
    assert len(checks) == 22
    assert all(c.passed and c.exact for c in checks), [c for c in checks if not c.passed]


def test_shown_expressions_are_the_checked_ones(result):
    """What the report prints is |sym of the checked expressions (pinned here), the plain names
    in the kind's notation."""

    def sym(expr):
        return printer.sym(expr, kind="smoothed_ce_derivation")

    assert sym(result.dloss_dyhat.chain.result) == r"- \frac{{y^{s}_{k}}}{{\hat{y}_{k}}}"
    assert sym(result.softmax_jacobian.chain.result) == r"{\hat{y}_{i}} \left(\delta_{i k} - {\hat{y}_{k}}\right)"
    assert sym(result.softmax_jacobian.formula) == \
        r"\operatorname{diag}\mathopen{}\left(\hat{\mathbf{y}}\right) - \hat{\mathbf{y}} \hat{\mathbf{y}}^{\top}"
    assert sym(result.dloss_dz.chain.steps[1].expr) == r"- {y^{s}_{k}} + {\hat{y}_{k}} \sum_{i=1}^{q} {y^{s}_{i}}"
    assert sym(result.dloss_dz.chain.result) == r"{\hat{y}_{k}} - {y^{s}_{k}}"
    assert sym(result.dloss_dz.formula) == r"\hat{\mathbf{y}} - \mathbf{y}^{s}"
    assert sym(result.W2.formula) == r"\mathbf{a} \left(\boldsymbol{\delta}^{(2)}\right)^{\top}"
    assert sym(result.a.formula) == r"\mathbf{W}_2 \boldsymbol{\delta}^{(2)}"
    assert sym(result.h.formula) == \
        r"\left(\mathbf{W}_2 \boldsymbol{\delta}^{(2)}\right) \odot \mathbb{I}[\mathbf{h} > 0]"
    assert sym(result.W1.formula) == r"\mathbf{x} \left(\boldsymbol{\delta}^{(1)}\right)^{\top}"
    assert sym(result.h.chain.result) == \
        r"\mathbb{I}[{h_{j}} > 0] \sum_{i=1}^{q} {(\mathbf{W}_2)_{ji}} {\delta^{(2)}_{i}}"


def test_shapes_follow_the_assignment(result):
    d, n, q = D_symbols.d, D_symbols.n, D_symbols.q
    assert result.W1.shape == (d, n) and result.W2.shape == (n, q)
    assert result.b1.shape == (n,) and result.b2.shape == (q,)
    assert result.h.shape == (n,) and result.a.shape == (n,) and result.dloss_dz.shape == (q,)
    assert result.softmax_jacobian.shape == (q, q)


@pytest.mark.parametrize(("sizes", "eps"), [((1, 4, 2), 0.0), ((5, 2, 6), 0.55), ((3, 3, 3), 1.0), ((2, 1, 4), 0.3)])
def test_matrix_formulas_against_finite_differences(result, sizes, eps):
    """The formulas evaluated as printed, on networks of other sizes and other eps."""
    d, n, q = sizes
    rng = np.random.default_rng(d * 100 + n * 10 + q)
    y = np.eye(q)[q - 1]
    while True:
        inst = loops.Instance(rng.standard_normal(d), y, rng.standard_normal((d, n)), rng.standard_normal(n),
                              rng.standard_normal((n, q)), rng.standard_normal(q), eps)
        if min(abs(loops.hidden(inst))) > 1e-3:
            break
    ev = D_checks.Evaluator(result)
    for wrt in ("z", "W2", "b2", "a", "h", "W1", "b1"):
        fd = loops.gradient_fd(inst, wrt)
        np.testing.assert_allclose(ev(wrt, inst).reshape(fd.shape), fd, atol=1e-8, err_msg=wrt)
    np.testing.assert_allclose(ev("jacobian", inst), loops.softmax_jacobian_fd(loops.forward(inst).z), atol=1e-8)


# --- a step that does not hold fails -------------------------------------------------------------

k, i, j = D_symbols.k, D_symbols.i, D_symbols.j


@pytest.mark.parametrize(
    ("field", "index", "wrong"),
    [
        ("dloss_dz", 2, D_symbols.yh[k] - D_symbols.y[k]),  # forgets the smoothing in the collapse
        ("softmax_jacobian", 2, D_symbols.yh[i] * (sp.KroneckerDelta(i, k) + D_symbols.yh[k])),  # sign error
        ("W2", 1, D_symbols.a[k] * D_symbols.delta2[j]),  # swapped indices
        ("h", 1, sp.Sum(D_symbols.W2[j, i] * D_symbols.delta2[i], (i, 1, D_symbols.q))),  # drops the ReLU derivative
        ("soft_labels", 2, sp.Integer(1) - D_symbols.eps / D_symbols.q),
    ],
)
def test_a_wrong_step_fails_its_check(result, field, index, wrong):
    der = with_step(getattr(result, field), index, wrong)
    failed = [c for c in check_chain(der.chain) if not c.passed]
    assert failed, field
    assert any(f"step {index + 1}" in c.name for c in failed)


def test_a_wrong_step_stops_the_build(tmp_path, monkeypatch):
    good = D.solve

    def broken(p):
        r = good(p)
        return replace(r, dloss_dz=with_step(r.dloss_dz, 2, D_symbols.yh[k] - D_symbols.y[k]))

    monkeypatch.setattr(D, "solve", broken)
    with pytest.raises(VerificationError, match=r"dLoss/dz_k, step 3"):
        pipeline.build_report("ml-hw3-2024spring", Settings(out_dir=tmp_path))
    assert not list(tmp_path.glob("*.pdf"))


@pytest.mark.parametrize(
    ("field", "wrong"),
    [
        ("h", D_symbols.MX["W2"] * D_symbols.MX["delta2"]),  # forgets the ReLU mask
        ("dloss_dz", D_symbols.MX["ys"] - D_symbols.MX["yhat"]),  # sign
        ("a", D_symbols.MX["W2"] * D_symbols.MX["yhat"]),  # the prediction instead of the error
    ],
)
def test_a_wrong_matrix_formula_fails_against_finite_differences(result, field, wrong):
    r = replace(result, **{field: replace(getattr(result, field), formula=wrong)})
    failed = [c for c in D_checks.formula_checks(D_data.Params(trials=8), r) if not c.passed]
    assert any("(matrix form)" in c.name for c in failed), failed


def test_transposed_formula_is_caught_by_shape_and_other_sizes(result):
    """delta2 a^T has the entries of dLoss/dW2 transposed: right for nothing but its transpose.
    Its shape is (q, n), not (n, q); on random sizes with n != q the comparison fails."""
    wrong = D_symbols.MX["delta2"] * sp.Transpose(D_symbols.MX["a"])
    r = replace(result, W2=replace(result.W2, formula=wrong))
    failed = {c.name for c in D_checks.formula_checks(D_data.Params(trials=8), r) if not c.passed}
    assert "shape of dLoss/dW2" in failed
    assert "dLoss/dW2 = a delta2^T (matrix form)" in failed


def test_numeric_step_reports_shape_mismatch():
    step = NumericStep("bad", lambda rng_arg: np.zeros((2, 3)), lambda rng_arg: np.zeros((3, 2)),
                       lambda rng: (None,))
    c = check_numeric(step, trials=1)
    assert not c.passed and "shapes differ" in c.method
