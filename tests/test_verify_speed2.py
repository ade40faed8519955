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


def test_library_versions_are_the_installed_ones_also_while_sympy_is_being_imported(monkeypatch):
    """The versions in the code fingerprint come from the installed metadata, never from a module
    object (in a parallel build another thread may have SymPy half imported)."""
    import sys
    import types
    from importlib.metadata import version

    pipeline._library_versions.cache_clear()
    monkeypatch.setitem(sys.modules, "sympy", types.ModuleType("sympy"))  # no __version__ yet
    try:
        assert pipeline._library_versions() == (version("numpy"), version("sympy"))
    finally:
        pipeline._library_versions.cache_clear()


def test_loops_over_floats_give_the_numbers_of_loops_over_numpy_scalars():
    """smoothed_ce's loops run over Python floats (tolist) instead of indexing numpy arrays: the
    same IEEE operations in the same order, so bit for bit the same numbers."""
    import numpy as np

    from reportgen.verify import smoothed_ce as loops

    rng = np.random.default_rng(7)
    for _ in range(50):
        inst = loops.random_instance(rng)
        d, n, q = inst.sizes
        h = np.array([sum(inst.W1[p, l] * inst.x[p] for p in range(d)) + inst.b1[l] for l in range(n)])
        a = loops.relu(h, None)
        z = np.array([sum(inst.W2[l, i] * a[l] for l in range(n)) + inst.b2[i] for i in range(q)])
        assert np.array_equal(loops.hidden(inst), h)
        assert np.array_equal(loops.outputs(a, inst), z)


def test_a_format_changed_in_place_is_hashed_again(tmp_path):
    """texformat.valid_format hashes a format file once per process while it stays the same file
    (inode, size, time): rewritten in place with the same size, it is hashed again and refused."""
    import hashlib
    import json
    import os

    from reportgen import texformat

    fmt = tmp_path / "k.fmt"
    fmt.write_bytes(b"format bytes")
    manifest = {"sha256": hashlib.sha256(b"format bytes").hexdigest(), "size": 12, "inputs": []}
    fmt.with_suffix(".json").write_text(json.dumps(manifest))
    assert texformat.valid_format(fmt) and texformat.valid_format(fmt)
    st = fmt.stat()
    fmt.write_bytes(b"FORMAT BYTES")  # same size, same inode
    os.utime(fmt, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert not texformat.valid_format(fmt)
