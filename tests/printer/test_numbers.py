"""reportgen/printer/numbers.py: numbers -> LaTeX (computed values, given data, fractions, ratios,
the = or \\approx sign), pinned as exact strings."""

from fractions import Fraction

import numpy as np
import pytest

from reportgen import printer as lf
from reportgen.printer import FormatError, FormatSettings

# Computed values: exactly `digits` decimals, integer values as integers, no -0, no float noise.
NUM_CASES = [
    (0.0, "0"),
    (-0.0, "0"),  # negative zero
    (-5.551115123125783e-17, "0"),  # float noise
    (1e-13, "0"),
    (0.1 + 0.2, "0.3000"),  # 0.30000000000000004
    (1.0185, "1.0185"),
    (-2.04, "-2.0400"),  # the same decimals as -1.2445 beside it
    (-1.6, "-1.6000"),
    (-0.262, "-0.2620"),
    (0.123456, "0.1235"),
    (-0.00004, "-4.00 \\times 10^{-5}"),  # below the shown decimals: scientific, not -0
    (0.00005, "0.0001"),
    (2.0, "2"),
    (-5.0, "-5"),  # an integer value, not -5.0000
    (-5.000000000000001, "-5"),  # float noise around an integer
    (-0.7, "-0.7000"),
    (1234.5, "1234.5000"),
    (12345.25, "12\\,345.2500"),
    (2.5e6, "2\\,500\\,000"),  # an integer value
    (2.5e6 + 0.5, "2.50 \\times 10^{6}"),
    (1e301, "1.00 \\times 10^{301}"),  # never a 300-digit number
    (np.float64(0.5), "0.5000"),
    (np.float32(0.25), "0.2500"),
    (7, "7"),
    (-7, "-7"),
    (102848, "102\\,848"),
    (np.int64(1216), "1216"),
    (10**20, "100\\,000\\,000\\,000\\,000\\,000\\,000"),
]


@pytest.mark.parametrize(("value", "expected"), NUM_CASES)
def test_num(value, expected):
    assert lf.num(value) == expected


# Given data: exactly as given (the shortest decimal that round-trips the float).
GIVEN_CASES = [
    (0.00012, "0.00012"),  # not 0.0001
    (0.1234567, "0.1234567"),  # not 0.1235
    (-0.7, "-0.7"),
    (0.3, "0.3"),
    (5.0, "5"),
    (-5, "-5"),
    (3.14159265358979, "3.14159265358979"),
    (12345.25, "12\\,345.25"),
    (1.5e-07, "1.5 \\times 10^{-7}"),
    (1e-05, "1 \\times 10^{-5}"),
    (-0.0, "0"),
]


@pytest.mark.parametrize(("value", "expected"), GIVEN_CASES)
def test_given_data_prints_exactly_as_given(value, expected):
    assert lf.num(value, given=True) == expected


@pytest.mark.parametrize("value", [0.00012, 0.1234567, -0.7, 3.14159265358979, 12345.25, 1.5e-07, -2.5e-12])
def test_given_data_round_trips(value):
    text = lf.num(value, given=True).replace("\\,", "").replace(" \\times 10^{", "e").rstrip("}")
    assert float(text) == value
    if abs(value) > 1e-4:  # in a matrix too
        assert float(lf.mat([[value, 1.0]], given=True).split()[1].replace("\\,", "")) == value


RATIO_CASES = [
    (1 / 12, False, "\\frac{1}{12}"),
    (1 / 12, True, "1/12"),  # legends and running text
    (1 / 6, True, "1/6"),
    (1.1 / 6, True, "11/60"),
    (-0.25, True, "-1/4"),
    (2.0, True, "2"),
    (0.2, False, "\\frac{1}{5}"),
    (0.123456, True, "0.1235"),  # not a simple fraction
    (0.1428, False, "0.1428"),
    (Fraction(1, 6), False, "\\frac{1}{6}"),
]


@pytest.mark.parametrize(("value", "slash", "expected"), RATIO_CASES)
def test_ratio_prints_simple_fractions_as_fractions(value, slash, expected):
    assert lf.ratio(value, slash=slash) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), True, np.bool_(False), "1.0", None])
def test_num_refuses(bad):
    with pytest.raises(FormatError):
        lf.num(bad)


def test_digits_setting():
    s = FormatSettings(digits=2)
    assert lf.num(0.123456, s) == "0.12"
    assert lf.num(0.5, s) == "0.50"
    assert lf.num(0.004, s) == "4.00 \\times 10^{-3}"
    assert lf.mat([[0.5, 0.123]], s) == "\\begin{bmatrix} 0.50 & 0.12 \\end{bmatrix}"
    assert lf.num(0.004, s, given=True) == "0.004"


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


def test_eq_sign_tells_exact_from_rounded():
    assert lf.eq(1.0185) == "="
    assert lf.eq(0.123456) == "\\approx"
    assert lf.eq(-5.55e-17) == "="
    assert lf.eq(3) == "="
    assert lf.eq(-5.000000000000001) == "="
    assert lf.eq(-2.04) == "="
