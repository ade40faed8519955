"""Shortcuts of the second speed round (issue 15) give the same results as the slow paths."""

import sympy as sp

from reportgen import pipeline
from reportgen.kinds.smoothed_ce_derivation.solver import jacobian_formula
from reportgen.kinds.smoothed_ce_derivation.symbols import MX


def test_jacobian_formula_is_sympys_own_expression():
    """diag(yhat) - yhat yhat^T built without doit() is the very expression SymPy's subtraction
    makes (same tree, same order of terms): printing and evaluating it cannot differ."""
    y = MX["yhat"]
    built, sympys = jacobian_formula(y), sp.DiagMatrix(y) - y * sp.Transpose(y)
    assert built == sympys
    assert sp.srepr(built) == sp.srepr(sympys)


def test_library_versions_match_the_installed_metadata():
    """The versions in the code fingerprint, read from the loaded modules, are the installed
    packages' (so the verification cache key does not depend on what a build loaded first)."""
    from importlib.metadata import version

    import numpy  # noqa: F401  (loaded: its __version__ is used)

    assert pipeline._library_versions() == (version("numpy"), version("sympy"))
