"""reportgen/printer/matrices.py: matrices, row vectors, shapes, wide matrices in column blocks, and
the coordinates and tables for pgfplots, pinned as exact strings."""

import numpy as np
import pytest

from reportgen import printer as lf
from reportgen.printer import FormatError

MAT_CASES = [
    ([[1, 2], [3, 4]], "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"),
    (np.array([0.2, -0.45]), "\\begin{bmatrix} 0.2000 \\\\ -0.4500 \\end{bmatrix}"),  # one decimal count
    (np.array([[0.0, -0.318], [-0.0, 1e-17]]), "\\begin{bmatrix} 0 & -0.3180 \\\\ 0 & 0 \\end{bmatrix}"),
    (np.array([[5.0, 2.0]]), "\\begin{bmatrix} 5 & 2 \\end{bmatrix}"),
    (np.array([[-5.0, 1.96534], [-5.0, -1.0]]), "\\begin{bmatrix} -5 & 1.9653 \\\\ -5 & -1 \\end{bmatrix}"),
    (np.array(3.5), "\\begin{bmatrix} 3.5000 \\end{bmatrix}"),
]

GIVEN_MAT_CASES = [
    (np.array([0.2, -0.45]), "\\begin{bmatrix} 0.2 \\\\ -0.45 \\end{bmatrix}"),  # each entry as given
    (np.array([[0.6, -1.0], [0.2, 0.0]]), "\\begin{bmatrix} 0.6 & -1.0 \\\\ 0.2 & 0.0 \\end{bmatrix}"),
    (np.array([[0.1234567]]), "\\begin{bmatrix} 0.1234567 \\end{bmatrix}"),
    (np.array([[-5.0, 2.0], [0.0, 3.0]]), "\\begin{bmatrix} -5 & 2 \\\\ 0 & 3 \\end{bmatrix}"),
    (np.array([0.00012, 0.5]), "\\begin{bmatrix} 0.00012 \\\\ 0.5 \\end{bmatrix}"),
]


@pytest.mark.parametrize(("value", "expected"), GIVEN_MAT_CASES)
def test_given_matrix_prints_its_data(value, expected):
    assert lf.mat(value, given=True) == expected


@pytest.mark.parametrize(("value", "expected"), MAT_CASES)
def test_mat(value, expected):
    assert lf.mat(value) == expected


def test_rowvec_and_shape():
    assert lf.rowvec([1.5, -2.0]) == "\\begin{bmatrix} 1.5000 & -2 \\end{bmatrix}"
    assert lf.rowvec([1.5, -2.0], given=True) == "\\begin{bmatrix} 1.5 & -2.0 \\end{bmatrix}"
    assert lf.shape((2, 4)) == "\\mathbb{R}^{2 \\times 4}"
    assert lf.shape((3,)) == "\\mathbb{R}^{3}"


WIDE = np.arange(1, 21, dtype=float).reshape(2, 10) / 8  # 10 columns of 0.1250 ...: two blocks of 5
BLOCK_1 = ("\\left[\\begin{smallmatrix} 0.1250 & 0.2500 & 0.3750 & 0.5000 & 0.6250 \\\\ "
           "1.3750 & 1.5000 & 1.6250 & 1.7500 & 1.8750 \\end{smallmatrix}\\right.\\cdots")
BLOCK_2 = ("\\cdots\\left.\\begin{smallmatrix} 0.7500 & 0.8750 & 1 & 1.1250 & 1.2500 \\\\ "
           "2 & 2.1250 & 2.2500 & 2.3750 & 2.5000 \\end{smallmatrix}\\right]")


def test_a_wide_matrix_is_set_in_column_blocks():
    """One unbreakable gathered by default; with rows=, each block is a row of the enclosing
    gather* or align* (continued after the alignment point), so a long display can break there."""
    assert lf.mat(WIDE) == f"\\begin{{gathered}} {BLOCK_1} \\\\[3pt] {BLOCK_2} \\end{{gathered}}"
    assert lf.mat(WIDE, rows="gather") == f"{BLOCK_1} \\\\[3pt] {BLOCK_2}"
    assert lf.mat(WIDE, rows="align") == f"{BLOCK_1} \\\\[3pt] &\\quad {BLOCK_2}"
    assert lf.mat([[1, 2]], rows="align") == "\\begin{bmatrix} 1 & 2 \\end{bmatrix}"  # narrow: one piece
    with pytest.raises(FormatError, match="rows must be"):
        lf.mat(WIDE, rows="table")


@pytest.mark.parametrize("bad", [np.array([[np.nan]]), np.array([True, False]), np.array([]), "abc"])
def test_mat_refuses(bad):
    with pytest.raises(FormatError):
        lf.mat(bad)


def test_coords_for_pgfplots():
    assert lf.coords([[0, 1.5], [2, -1e-7]]) == "(0,1.5) (2,-1e-07)"
    with pytest.raises(FormatError):
        lf.coords([[0, float("nan")]])


def test_pgftable_holds_the_same_numbers_as_coords():
    points = [[0, 1.5], [2, -1e-7], [1e-301, 123456789.0]]
    assert lf.pgftable(points) == r"table[row sep=\\] {x y \\ 0 1.5 \\ 2 -1e-07 \\ 0 1.23457e+08 \\}"
    assert lf.coords(points) == "(0,1.5) (2,-1e-07) (0,1.23457e+08)"
    with pytest.raises(FormatError):
        lf.pgftable([[0, float("inf")]])
    with pytest.raises(FormatError, match="shape"):
        lf.pgftable([1, 2, 3])


def test_a_matrix_taller_than_a_band_is_set_in_bands_of_rows_when_rows_are_allowed():
    """With ``rows``, a matrix of more than TALL_ROWS rows is set in bands, each its own display
    row: the first opens the bracket, the last closes it, the ones after the first start with
    \\vdots; every cell appears once, in order. Without ``rows`` it stays one matrix."""
    import re

    from reportgen.printer.matrices import TALL_ROWS, mat

    n = 2 * TALL_ROWS + 3
    a = np.arange(2 * n).reshape(n, 2)
    tex = mat(a, rows="align")
    bands = tex.split(r" \\[3pt] &\quad ")
    assert len(bands) == 3
    assert bands[0].startswith(r"\left[") and bands[0].endswith(r"\right.")
    assert bands[1].startswith(r"\vdots\ \left.") and bands[1].endswith(r"\right.")
    assert bands[2].startswith(r"\vdots\ \left.") and bands[2].endswith(r"\right]")
    assert [int(x) for x in re.findall(r"-?\d+", tex.replace("3pt", ""))] == list(range(2 * n))
    assert mat(a).startswith(r"\begin{bmatrix}") and r"\vdots" not in mat(a)
    assert len(mat(a[:TALL_ROWS], rows="gather").split(r"\\[3pt]")) == 1  # exactly a band: one piece


def test_given_must_be_a_boolean_in_templates():
    """``|mat('gather')`` (meant: rows='gather') must not pass as given=True."""
    from reportgen import render

    env = render.environment()
    for template in ("(((a|mat('gather'))))", "(((a|vec(1))))", "(((x|num(none, 'yes'))))"):
        with pytest.raises(FormatError, match="given must be true or false"):
            env.from_string(template).render(a=[1.0, 2.0], x=0.5)
    assert "1.0" in env.from_string("(((a|mat(given=true))))").render(a=[1.0, 2.5])
