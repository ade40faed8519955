"""printer.sym (reportgen/printer/latex.py, the ReportPrinter): SymPy expressions in the house notation,
pinned as exact strings."""

import pytest
import sympy as sp

from reportgen import printer as lf
from reportgen.printer import FormatError

n, q, i, k, j = sp.symbols("n q i k j", integer=True, positive=True)
h = sp.Symbol("h", real=True)
a = sp.MatrixSymbol(r"\mathbf{a}", n, 1)
W = sp.MatrixSymbol(r"\mathbf{W}_2", n, q)
y = sp.MatrixSymbol(r"\hat{\mathbf{y}}", q, 1)
ys, yh, W2 = sp.IndexedBase("y^{s}"), sp.IndexedBase(r"\hat{y}"), sp.IndexedBase(r"\mathbf{W}_2")


def written(*f):
    return sp.UnevaluatedExpr(sp.Mul(*f, evaluate=False))


SYM_CASES = [
    (a * sp.Transpose(y), r"\mathbf{a} \hat{\mathbf{y}}^{\top}"),
    (sp.Transpose(y - y * 2), r"\left(- \hat{\mathbf{y}}\right)^{\top}"),
    (sp.HadamardProduct(W * y, a), r"\left(\mathbf{W}_2 \hat{\mathbf{y}}\right) \odot \mathbf{a}"),
    (sp.DiagMatrix(y) - y * y.T,
     r"\operatorname{diag}\mathopen{}\left(\hat{\mathbf{y}}\right) - \hat{\mathbf{y}} \hat{\mathbf{y}}^{\top}"),
    (sp.Heaviside(h), r"\mathbb{I}[h > 0]"),
    (ys[i], r"{y^{s}_{i}}"),  # a superscripted base takes the index below
    (W2[j, k], r"{(\mathbf{W}_2)_{jk}}"),  # a subscripted base is parenthesised
    (W2[j, 12], r"{(\mathbf{W}_2)_{j,12}}"),  # indices longer than one character keep the comma
    (yh[k] - ys[k], r"{\hat{y}_{k}} - {y^{s}_{k}}"),
    # products and sums built with evaluate=False print as written
    (sp.Sum(written(ys[i], sp.log(yh[i])), (i, 1, q)),
     r"\sum_{i=1}^{q} {y^{s}_{i}} \log\mathopen{}{\left({\hat{y}_{i}} \right)}"),
    (written(-ys[i] / yh[i], written(yh[i], sp.KroneckerDelta(i, k) - yh[k])),
     r"\left(- \frac{{y^{s}_{i}}}{{\hat{y}_{i}}}\right) \cdot {\hat{y}_{i}} \left(\delta_{i k} - {\hat{y}_{k}}\right)"),
    (sp.Sum(sp.UnevaluatedExpr(sp.Add(written(1 - h, ys[i]), h / q, evaluate=False)), (i, 1, q)),
     r"\sum_{i=1}^{q} \left(\left(1 - h\right) {y^{s}_{i}} + \frac{h}{q}\right)"),
    # an operator name keeps its argument against it: "sign(x)", "max(0, h)", never "sign (x)"
    (sp.sign(h), r"\operatorname{sign}\mathopen{}{\left(h \right)}"),
    (sp.Max(0, h), r"\max\mathopen{}\left(0, h\right)"),
    (sp.cos(h), r"\cos\mathopen{}{\left(h \right)}"),
    # an entry squared: the superscript over the subscript, x_i^2, not {x_i}^2
    (yh[i] ** 2, r"\hat{y}_{i}^{2}"),
    (ys[i] ** 2, r"{y^{s}_{i}}^{2}"),  # already superscripted: braced, no double superscript
]


@pytest.mark.parametrize(("expr", "expected"), SYM_CASES)
def test_sym(expr, expected):
    assert lf.sym(expr) == expected


def test_sym_power_of_a_superscripted_entry_is_valid_tex():
    assert lf.sym(ys[i] ** 2) == r"{y^{s}_{i}}^{2}"  # not y^{s}_{i}^{2}, a double superscript


def test_sym_ln_option():
    assert lf.sym(sp.log(h), ln=True) == r"\ln\mathopen{}{\left(h \right)}"
    assert lf.sym(sp.log(h)) == r"\log\mathopen{}{\left(h \right)}"


def test_written_product_still_evaluates():
    e = written(-ys[i] / yh[i], yh[i])
    assert e.doit() == -ys[i]


def test_sym_refuses_non_sympy():
    with pytest.raises(FormatError):
        lf.sym(1.5)


def test_shape_with_symbolic_sizes():
    assert lf.shape((n, q)) == r"\mathbb{R}^{n \times q}"
    assert lf.shape((sp.Integer(3), 2)) == r"\mathbb{R}^{3 \times 2}"
    assert lf.shape((n,)) == r"\mathbb{R}^{n}"


def test_sym_refuses_undefined_values_as_num_does():
    """nan and complex infinity (1/0 in SymPy) are bugs, as nan and inf are for |num."""
    x = sp.Symbol("x")
    for bad in (sp.nan, sp.zoo, x + sp.zoo, sp.Integer(1) / 0):
        with pytest.raises(FormatError, match="undefined value"):
            lf.sym(bad)
    assert lf.sym(x + sp.oo) == r"\infty + x" or lf.sym(x + sp.oo) == r"x + \infty"  # a limit's infinity is a value
