from fractions import Fraction

import numpy as np
import pytest

from reportgen import latexfmt as lf
from reportgen.latexfmt import FormatError, FormatSettings

NUM_CASES = [
    (0.0, "0"),
    (-0.0, "0"),  # negative zero
    (-5.551115123125783e-17, "0"),  # float noise
    (1e-13, "0"),
    (0.1 + 0.2, "0.3"),  # 0.30000000000000004
    (1.0185, "1.0185"),
    (-2.04, "-2.04"),
    (0.123456, "0.1235"),
    (-0.00004, "-4.00 \\times 10^{-5}"),  # below the shown decimals: scientific, not -0
    (0.00005, "0.0001"),
    (2.0, "2"),
    (-0.7, "-0.7"),
    (1234.5, "1234.5"),
    (12345.25, "12\\,345.25"),
    (2.5e6, "2.50 \\times 10^{6}"),
    (1e301, "1.00 \\times 10^{301}"),  # never a 300-digit number
    (np.float64(0.5), "0.5"),
    (np.float32(0.25), "0.25"),
    (7, "7"),
    (-7, "-7"),
    (102848, "102\\,848"),
    (np.int64(1216), "1216"),
    (10**20, "100\\,000\\,000\\,000\\,000\\,000\\,000"),
]


@pytest.mark.parametrize(("value", "expected"), NUM_CASES)
def test_num(value, expected):
    assert lf.num(value) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), True, np.bool_(False), "1.0", None])
def test_num_refuses(bad):
    with pytest.raises(FormatError):
        lf.num(bad)


def test_digits_setting():
    s = FormatSettings(digits=2)
    assert lf.num(0.123456, s) == "0.12"
    assert lf.num(0.004, s) == "4.00 \\times 10^{-3}"
    assert lf.mat([[0.5, 0.123]], s) == "\\begin{bmatrix} 0.50 & 0.12 \\end{bmatrix}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(1, 6), "\\frac{1}{6}"),
        (Fraction(-1, 6), "-\\frac{1}{6}"),
        (Fraction(12, 2), "6"),
        (Fraction(-3, 1), "-3"),
        (Fraction(10000, 3), "\\frac{10\\,000}{3}"),
        (4, "4"),
    ],
)
def test_frac(value, expected):
    assert lf.frac(value) == expected


def test_frac_refuses_float():
    with pytest.raises(FormatError):
        lf.frac(0.5)


MAT_CASES = [
    ([[1, 2], [3, 4]], "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"),
    (np.array([0.2, -0.45]), "\\begin{bmatrix} 0.20 \\\\ -0.45 \\end{bmatrix}"),  # one decimal count per matrix
    (np.array([[0.0, -0.318], [-0.0, 1e-17]]), "\\begin{bmatrix} 0 & -0.318 \\\\ 0 & 0 \\end{bmatrix}"),
    (np.array([[5.0, 2.0]]), "\\begin{bmatrix} 5 & 2 \\end{bmatrix}"),
    (np.array(3.5), "\\begin{bmatrix} 3.5 \\end{bmatrix}"),
]


@pytest.mark.parametrize(("value", "expected"), MAT_CASES)
def test_mat(value, expected):
    assert lf.mat(value) == expected


def test_rowvec_and_shape():
    assert lf.rowvec([1.5, -2.0]) == "\\begin{bmatrix} 1.5 & -2.0 \\end{bmatrix}"
    assert lf.shape((2, 4)) == "\\mathbb{R}^{2 \\times 4}"
    assert lf.shape((3,)) == "\\mathbb{R}^{3}"


@pytest.mark.parametrize("bad", [np.array([[np.nan]]), np.array([True, False]), np.array([]), "abc"])
def test_mat_refuses(bad):
    with pytest.raises(FormatError):
        lf.mat(bad)


def test_eq_sign_tells_exact_from_rounded():
    assert lf.eq(1.0185) == "="
    assert lf.eq(0.123456) == "\\approx"
    assert lf.eq(-5.55e-17) == "="
    assert lf.eq(3) == "="


def test_coords_for_pgfplots():
    assert lf.coords([[0, 1.5], [2, -1e-7]]) == "(0,1.5) (2,-1e-07)"
    with pytest.raises(FormatError):
        lf.coords([[0, float("nan")]])


ESCAPE_CASES = [
    ("plain Text", "plain Text"),
    ("$x$ & 50% #1 a_b ~", "\\$x\\$ \\& 50\\% \\#1 a\\_b \\textasciitilde{}"),
    ("\\input{/etc/passwd}", "\\textbackslash{}input\\{/etc/passwd\\}"),
    ("^^5c", "\\textasciicircum{}\\textasciicircum{}5c"),
    ("a--b << c >> !` ?`",
     "a-{}-{}b \\textless{}\\textless{} c \\textgreater{}\\textgreater{} !{}\\textasciigrave{} ?{}\\textasciigrave{}"),
    ("line\n[opt]", "line {[}opt{]}"),
    ("Müller, José", "Müller,{} José"),  # Latin-1 letters kept exactly
    ("a\x00b\u202ec\x7f", "abc"),  # NUL, bidi override, DEL stripped
]


@pytest.mark.parametrize(("text", "expected"), ESCAPE_CASES)
def test_escape(text, expected):
    assert lf.escape(text) == expected


def test_escape_rejects_what_pdflatex_cannot_typeset_naming_the_field():
    with pytest.raises(FormatError, match="author: pdflatex cannot typeset '😀'"):
        lf.escape("Ada 😀", field="author")
    with pytest.raises(FormatError, match="limit is 2000"):
        lf.escape("x" * 2001)
