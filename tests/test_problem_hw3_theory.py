"""hw3-theory: pinned results checked by hand, every derivation chain, broken steps that must fail,
finite differences of the Q2 gradients on random sizes, the JSON and the built PDF."""

import dataclasses
import json
import re
from fractions import Fraction

import numpy as np
import pytest
import sympy

from reportgen import cli, pipeline
from reportgen.errors import SpecError, VerificationError
from reportgen.kinds import activation_calculus as q1
from reportgen.kinds.activation_calculus import checks as q1_checks
from reportgen.kinds.activation_calculus import solver as q1_solver
from reportgen.kinds.activation_calculus import symbols as q1_symbols
from reportgen.kinds.conv_arithmetic import checks as q3_checks
from reportgen.kinds.conv_arithmetic import windows as q3_windows
from reportgen.kinds.sine_mlp_theory import checks as q2_checks
from reportgen.kinds.sine_mlp_theory import data as q2_data
from reportgen.kinds.sine_mlp_theory import model as q2_model
from reportgen.kinds.sine_mlp_theory import solver as q2_solver
from reportgen.maths import mlp, notation
from reportgen.maths.conv import Config
from reportgen.maths.derivation import Step
from reportgen.maths.notation import Indicator, SoftmaxEntry, add, plain, sigma
from reportgen.verify import central_diff
from reportgen.verify.derivation import check_chain

from .conftest import pdf_text, verified


@pytest.fixture(scope="module")
def report():
    return pipeline.load("hw3-theory")


@pytest.fixture(scope="module")
def solved():
    return {s.spec.kind: s for s in verified("hw3-theory")[1]}


def test_report_metadata(report):
    assert report.id == "hw3-theory" and report.label == "Question"
    assert [p.kind for p in report.problems] == ["activation_calculus", "sine_mlp_theory", "conv_arithmetic"]
    assert [p.points for p in report.problems] == [15, 34, 11]


def test_every_check_passes(solved):
    checks = [c for s in solved.values() for c in s.checks]
    assert len(checks) >= 100
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]
    # every step of every chain is its own check, and almost all are decided symbolically
    chain_checks = [c for c in checks if ", step " in c.name]
    assert sum(c.exact for c in chain_checks) >= len(chain_checks) - 5


# --- Question 1 ----------------------------------------------------------------------------------


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


def _assert_chains_checked(solved_problem, chains):
    """Every step of every chain has its own passing check in the report's verification."""
    by_step = {(c.group, c.step): c for c in solved_problem.checks if c.group}
    for chain in chains:
        # the chain and the step are fields of the check, not parsed out of its name
        assert sorted(i for g, i in by_step if g == chain.name) == list(range(1, len(chain.steps) + 1))
        for i in range(1, len(chain.steps) + 1):
            assert by_step[chain.name, i].passed, by_step[chain.name, i]


def test_q1_every_chain_holds(solved):
    chains = solved["activation_calculus"].result.chains
    assert len(chains) == 11
    _assert_chains_checked(solved["activation_calculus"], chains)


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


# --- broken steps must fail ----------------------------------------------------------------------


def _break(chain, index, expr):
    steps = list(chain.steps)
    steps[index] = Step(expr, "broken on purpose")
    return dataclasses.replace(chain, steps=tuple(steps))


def test_broken_symbolic_step_fails():
    chain = q1_solver.sigmoid_derivative()
    x = q1_symbols.x
    sig = 1 / (1 + sympy.exp(-x))
    broken = _break(chain, 3, plain(notation.Group(sig), notation.Group(add(1, sig))))
    checks = check_chain(broken)
    assert [c.passed for c in checks] == [True, True, True, False, False]
    assert checks[3].deviation > 1e-3 and not checks[3].exact


def test_broken_index_step_fails_for_some_index():
    chain = q1_solver.softmax_partials((2,))
    v, n = q1_symbols.v, q1_symbols.n
    S_i, S_j = SoftmaxEntry(v, q1_symbols.i, n), SoftmaxEntry(v, q1_symbols.j, n)
    delta = Indicator(sympy.Eq(q1_symbols.i, q1_symbols.j))
    broken = _break(chain, 3, add(plain(S_i, delta), plain(S_i, S_j)))  # + instead of -
    assert [c.passed for c in check_chain(broken)] == [True, True, True, False]


def test_broken_step_at_a_single_point_is_caught_by_an_instance():
    chain = q1_solver.sign_indicators()
    x = q1_symbols.x
    # 1[x > 0] - 1[x <= 0] agrees with sign(x) at every random point but not at x = 0
    broken = _break(chain, 1, add(Indicator(x > 0), -Indicator(x <= 0)))
    assert not check_chain(broken)[1].passed
    no_zero = dataclasses.replace(broken, instances=())
    assert check_chain(no_zero)[1].passed  # without the instance {x: 0} random sampling misses it


def test_broken_chain_stops_the_build(report, solved):
    s = solved["activation_calculus"]
    r = dataclasses.replace(s.result, log_sigmoid=_break(s.result.log_sigmoid, 2, -notation.softplus(q1_symbols.x)))
    bad = pipeline.Solved(s.spec, r, tuple(q1.verify(s.spec.params, r)))
    with pytest.raises(VerificationError, match=r"\(d\) ln sigma, step 3"):
        pipeline.require_checks_pass(report, [bad])


def test_broken_q2_local_derivative_fails():
    chains = q2_solver.make_chains((2, 3, 3))
    broken = _break(chains.doa_dW2, 1, q2_solver.hs[q2_solver.k])  # h^s_k instead of h^s_j
    assert not check_chain(broken)[1].passed


# --- Question 2 ----------------------------------------------------------------------------------


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
    _assert_chains_checked(solved["sine_mlp_theory"], chains)


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


# --- Question 3 ----------------------------------------------------------------------------------


def test_q3_shapes_and_weights(solved):
    r = solved["conv_arithmetic"].result
    assert [(s.size, s.channels) for s in r.stages] == [(32, 1), (28, 6), (14, 6), (10, 16)]
    assert r.output_dim == 16 * 10 * 10 == 1600
    assert r.last_weights == 5 * 5 * 6 * 16 == 2400
    assert r.stages[1].weights == 5 * 5 * 1 * 6


def test_q3_configurations(solved):
    r = solved["conv_arithmetic"].result
    assert r.configurations == (Config(14, 10, 0, 1), Config(6, 11, 1, 2), Config(11, 11, 1, 1))
    for c in r.configurations:  # the formula by hand: (64 + 2p - d(k-1) - 1) / s + 1 = 6 exactly
        assert (64 + 2 * c.p - c.d * (c.k - 1) - 1) == 5 * c.s
    c, d, e = r.designs
    # exact fits: k = 64 - 5s (c), 2k = 67 - 5s with s odd (d), k = 66 - 5s (e)
    assert {(x.k, x.s) for x in c.exact} == {(64 - 5 * s, s) for s in range(1, 13)}
    assert {(x.k, x.s) for x in d.exact} == {((67 - 5 * s) // 2, s) for s in range(1, 14, 2)}
    assert {(x.k, x.s) for x in e.exact} == {(66 - 5 * s, s) for s in range(1, 14)}
    assert [len(z.covering) for z in r.designs] == [10, 6, 11]
    assert [z.n_found for z in r.designs] == [68, 40, 73]


def test_q3_direct_convolution_shape():
    x = np.random.default_rng(0).standard_normal((3, 64, 64))
    w = np.zeros((64, 3, 6, 6))
    assert q3_checks.conv2d(x, w, s=11, p=1, d=2).shape == (64, 6, 6)
    assert q3_windows.window_starts(64, 14, 10, 0, 1) == [0, 10, 20, 30, 40, 50]


def test_solve_json_lists_configurations(capsys):
    assert cli.main(["solve", "hw3-theory", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    q = {p["kind"]: p["result"] for p in data["problems"]}
    assert q["conv_arithmetic"]["configurations"] == [
        {"k": 14, "s": 10, "p": 0, "d": 1},
        {"k": 6, "s": 11, "p": 1, "d": 2},
        {"k": 11, "s": 11, "p": 1, "d": 1},
    ]
    assert q["conv_arithmetic"]["output_dim"] == 1600 and q["conv_arithmetic"]["last_weights"] == 2400
    assert q["sine_mlp_theory"]["n_theta_example"] == 79_510
    assert q["activation_calculus"]["partials"]["steps"][-1]["expr"].startswith("-SoftmaxEntry")  # SymPy's plain text


# --- input errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "where"), [
    ("shown_scale = 2", "shown_scale = 1", "shown_scale"),
    ("index_sizes = [3]", "index_sizes = [9]", "index_sizes"),
    ('{ item = "c", padding = 0, dilation = 1 }', '{ item = "c}", padding = 0, dilation = 1 }', "item"),
    ("batch = 4", "batch = true", "batch"),
    ("exp_values = [1, 2, 3]", "exp_values = [1, 2, 3000]", "exp_values"),
    ("out_size = 6", "out_size = 100", "design.constraints[0]"),
    ("kernel = 5, stride = 1, padding = 0, filters = 6", "kernel = 40, stride = 1, padding = 0, filters = 6", "layers"),
])
def test_bad_input_names_the_key(tmp_path, old, new, where):
    text = (pipeline.ASSIGNMENTS / "hw3-theory.toml").read_text()
    assert old in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(old, new))
    with pytest.raises(SpecError, match=re.escape(where)):
        pipeline.load(bad)


# --- the PDF -------------------------------------------------------------------------------------


@pytest.mark.tex
def test_pdf_contains_the_results(built_reports):
    text = re.sub(r"\s+", " ", pdf_text(built_reports["hw3-theory"]))
    for q in ("Question 1", "Question 2", "Question 3"):
        assert q in text
    for item in "abcdefghijklmnop":
        assert f"({item})" in text
    assert "10 · 10 · 16 = 1600" in text
    assert "5 · 5 · 6 · 16 = 2400 weights" in text
    assert "79 510" in text or "79510" in text
    for c in ("k = 14, s = 10, p = 0, d = 1", "k = 6, s = 11, p = 1, d = 2", "k = 11, s = 11, p = 1, d = 1"):
        assert c in text


def test_q3_design_with_65536_channels_verifies_without_huge_arrays(tmp_path):
    """Valid data at the channel limit: the checks convolve at most two channels (the spatial
    size does not depend on them); before, a 65,536 x 254 x 254 input asked for 31 GiB."""
    import resource

    text = (pipeline.ASSIGNMENTS / "hw3-theory.toml").read_text()
    text = text.replace('id = "hw3-theory"', 'id = "wide-channels"')
    text = text.replace("in_size = 64\nin_channels = 3\nout_size = 6\nout_channels = 64",
                        "in_size = 254\nin_channels = 65536\nout_size = 6\nout_channels = 65536")
    assert "in_channels = 65536" in text
    path = tmp_path / "wide-channels.toml"
    path.write_text(text)
    report = pipeline.load(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    solved = pipeline.verify(report, pipeline.solve(report))
    assert all(c.passed for s in solved for c in s.checks)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 1_000_000  # KiB: under 1 GiB more
