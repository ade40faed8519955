"""Derivation building blocks: notation that prints like the assignment and expands on doit(),
the |sym printer options, instance checks of index-notation chains, and JSON of SymPy steps."""

import json

import pytest
import sympy
from sympy import Eq, IndexedBase, Sum, exp, log

from reportgen.jsonout import dumps
from reportgen.maths.derivation import Chain, Step
from reportgen.maths.notation import (
    Defined,
    Diff,
    Group,
    Indicator,
    Paren,
    Partial,
    SoftmaxEntry,
    add,
    frac,
    plain,
    sigma,
    softmax_entry,
    softplus,
)
from reportgen.printer import FormatError, sym
from reportgen.verify.derivation import check_chain, describe, instantiate, step_equal

x = sympy.Symbol("x", real=True)
n, i, j = sympy.symbols("n i j", integer=True, positive=True)
v = IndexedBase(r"\mathbf{x}", real=True)


@pytest.mark.parametrize(("expr", "tex"), [
    (sigma(x), r"\sigma(x)"),
    (softplus(-x), r"\operatorname{softplus}(- x)"),
    (sigma(1 / (1 + x)), r"\sigma\left(\frac{1}{1 + x}\right)"),
    (Indicator(x > 0), r"\mathbf{1}_{x > 0}"),
    (Diff(sigma(x), x), r"\frac{\mathrm{d} \sigma(x)}{\mathrm{d} x}"),
    (Partial(v[i] ** 2, v[j]), r"\frac{\partial}{\partial {\mathbf{x}_{j}}}(\mathbf{x}_{i}^{2})"),
    (SoftmaxEntry(v, i, n), r"S(\mathbf{x})_{i}"),
    (SoftmaxEntry(v, i, n, 2, 0), r"S(2 \mathbf{x})_{i}"),
    (softmax_entry(r"\mathbf{o}^{s}")(v, j, n), r"\mathbf{o}^{s}_{j}"),
    (Defined(sympy.Symbol("L"), -log(x)), "L"),
    (Paren(exp(x)) ** 2, r"(e^{x})^{2}"),
])
def test_notation_prints_like_the_assignment(expr, tex):
    assert sym(expr, as_written=True) == tex


def test_doit_expands_to_the_definition():
    assert sigma(x).doit() == 1 / (1 + exp(-x))
    assert softplus(x).doit() == log(1 + exp(x))
    assert Indicator(Eq(2, 3)) == 0 and Indicator(Eq(3, 3)) == 1
    assert Indicator(x > 0).doit() == sympy.Piecewise((1, x > 0), (0, True))
    assert Diff(x ** 3, x).doit() == 3 * x ** 2
    assert Defined(sympy.Symbol("L"), x ** 2).doit() == x ** 2
    assert sympy.simplify(SoftmaxEntry(v, 1, 2).doit() - exp(v[1]) / (exp(v[1]) + exp(v[2]))) == 0


def test_as_written_keeps_order_and_fractions():
    e = add(sigma(x), x)
    assert sym(e, as_written=True) == r"\sigma(x) + x"
    assert sym(e) == r"x + \sigma(x)"  # SymPy's own order
    assert sym(add(1, -sigma(x)), as_written=True) == r"1 - \sigma(x)"
    long = frac(add(x, x ** 2, x ** 3, x ** 4, x ** 5), 2)
    assert sym(long, as_written=True).startswith(r"\frac{x + ")
    assert sym(log(x), ln=True) == r"\ln\mathopen{}{\left(x \right)}"
    half_of = plain(Group(sympy.Rational(1, 2)), Group(add(x, 1)))
    assert sym(half_of, as_written=True) == r"\frac{1}{2} \left(x + 1\right)"


def test_sym_prints_matrix_entries_with_run_together_indices():
    W = IndexedBase(r"\mathbf{W}^{(2)}")
    k = sympy.Symbol("k")
    assert sym(W[k, j]) == r"{\mathbf{W}^{(2)}_{kj}}"
    assert sym(W[k, j] ** 2) == r"{\mathbf{W}^{(2)}_{kj}}^{2}"
    assert sym(W[k, 10]) == r"{\mathbf{W}^{(2)}_{k,10}}"
    with pytest.raises(FormatError):
        sym(1.5)


def test_instantiate_writes_out_sums_and_names_entries():
    e, _ = instantiate(Sum(v[i] ** 2, (i, 1, n)), {n: 3})
    assert len(e.free_symbols) == 3 and all(s.is_real for s in e.free_symbols)
    assert sympy.expand(e - sum(s ** 2 for s in e.free_symbols)) == 0


def test_step_equal_prefers_cheap_symbolic_methods():
    assert step_equal(sigma(x), 1 / (1 + exp(-x)), {}) == (0.0, "SymPy (expand)")
    dev, how = step_equal(sympy.Heaviside(x), Indicator(x > 0), {})
    assert how == "evaluation at 40 random points" and dev == 0.0
    dev, how = step_equal(sigma(x), sigma(x) + 1e-3, {})
    assert dev > 1e-4


def test_describe_instances():
    assert describe(({n: 3, i: 1}, {n: 3, i: 2}, {n: 3, i: 3})) == "n = 3; i = 1..3 (3 cases)"
    assert describe(({}, {x: 0})) == "in general and at x = 0 (2 cases)"


def test_chain_with_instances_checks_every_index():
    good = Chain("sum", Sum(v[i], (i, 1, n)), (Step(add(Sum(v[i], (i, 1, n - 1)), v[n])),),
                 instances=({n: 2}, {n: 3}))
    [c] = check_chain(good)
    assert c.passed and c.exact and "n = 2, 3" in c.method
    bad = Chain("sum", Sum(v[i], (i, 1, n)), (Step(add(Sum(v[i], (i, 1, n - 1)), v[1])),),
                instances=({n: 1}, {n: 3}))
    [c] = check_chain(bad)  # true for n = 1, false for n = 3
    assert not c.passed


def test_json_of_a_chain():
    chain = Chain("d", sigma(x), (Step(1 / (1 + exp(-x)), "definition"),), instances=({x: 0},))
    data = json.loads(dumps(chain))
    assert data["start"] == "sigma(x)"
    assert data["steps"] == [{"expr": "1/(1 + exp(-x))", "why": "definition"}]
    assert data["instances"] == [{"x": 0}]


# --- notation: plain names in the results, LaTeX only in reportgen.printer.notation ---------------


@pytest.mark.parametrize(("kind", "expr", "tex"), [
    ("smoothed_ce_derivation", IndexedBase("W_2")[i, j], r"{(\mathbf{W}_2)_{ij}}"),
    ("sine_mlp_theory", IndexedBase("W^(2)")[i, j], r"{\mathbf{W}^{(2)}_{ij}}"),
    ("smoothed_ce_derivation", IndexedBase("y_s")[i], r"{y^{s}_{i}}"),
    ("smoothed_ce_derivation", sympy.MatrixSymbol("y_s", n, 1), r"\mathbf{y}^{s}"),  # the vector: bold
    ("smoothed_ce_derivation", sympy.Symbol("epsilon") / n, r"\frac{\epsilon}{n}"),
    ("activation_calculus", IndexedBase("x", real=True)[i] + x, r"x + {\mathbf{x}_{i}}"),  # vector and scalar
    ("sine_mlp_theory", softmax_entry("o^s")(IndexedBase("o^a"), i, n), r"\mathbf{o}^{s}_{i}"),
    (None, IndexedBase("W_2")[i, j], r"{(W_{2})_{ij}}"),  # no kind: as SymPy prints the name
])
def test_plain_names_print_in_the_kinds_notation(kind, expr, tex):
    assert sym(expr, kind=kind) == tex


def _names(obj, seen=None):
    """Every symbol name (Symbol, IndexedBase, MatrixSymbol, a SoftmaxEntry's head) in a result."""
    import dataclasses

    if isinstance(obj, sympy.Basic):
        names = {a.name for a in obj.atoms(sympy.Symbol, sympy.MatrixSymbol)}
        names |= {b.label.name for b in obj.atoms(sympy.IndexedBase)}
        names |= {f.head for f in obj.atoms(sympy.Function) if getattr(f, "head", "")}
        return names
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return set().union(*(_names(getattr(obj, f.name)) for f in dataclasses.fields(obj)))
    if isinstance(obj, (tuple, list)):
        return set().union(*(_names(v) for v in obj))
    if isinstance(obj, dict):
        return set().union(*(_names(k) | _names(v) for k, v in obj.items()))
    return set()


@pytest.mark.parametrize("report_id", ["hw3-theory", "ml-hw3-2024spring", "nn-assignment2-2023"])
def test_results_hold_plain_symbol_names(report_id):
    """No LaTeX in a SymPy name: the printer's notation sets them (reportgen/printer/notation.py)."""
    from reportgen import pipeline

    report = pipeline.load(report_id)
    names = set().union(*(_names(s.result) for s in pipeline.solve(report)))
    assert names and not {n for n in names if set(n) & set("\\{}")}, sorted(names)
