"""gd_step_size (reportgen/kinds/gd_step_size): the exact step-size range of nn-assignment2-2024 (2-d) and
nn-assignment2-2023 (1-d), checked by hand."""

import numpy as np


def test_step_size_range_exact(solved_2024):
    g = solved_2024["gd_step_size"].result.range
    from fractions import Fraction

    assert g.eta_max_exact == Fraction(1, 6)  # H = [[10, 4], [4, 4]] has eigenvalues 2 and 12
    assert g.eta_opt_exact == Fraction(1, 7)
    np.testing.assert_allclose(g.eigenvalues, [2, 12])


def test_1d_step_size(solved_2023):
    g = solved_2023["gd_step_size"].result.range
    from fractions import Fraction

    assert g.eta_max_exact == Fraction(1, 5)  # f'' = 10
