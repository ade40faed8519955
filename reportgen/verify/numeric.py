"""Evaluate a SymPy expression with numpy, all sample points at once, by walking its tree.

``sympy.lambdify`` does the same by generating Python source, but its first call in a process
costs about 0.1 s (it imports SymPy's code printers and numpy's whole namespace, f2py
included), more than every derivation check of a report together. This covers the functions
that explicit derivation steps and matrix formulas are made of and raises ``Unsupported`` for
anything else, where the caller falls back to lambdify. The semantics are lambdify's with the
"numpy" module: Piecewise is numpy.select with NaN where no branch holds, x**y is numpy's power
(NaN, not complex, for a negative base and a fractional exponent), Heaviside(0) = 1/2.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy


class Unsupported(Exception):
    """A node this evaluator does not know (use lambdify)."""


_UNARY = {
    sympy.exp: np.exp, sympy.log: np.log, sympy.sin: np.sin, sympy.cos: np.cos, sympy.tan: np.tan,
    sympy.sinh: np.sinh, sympy.cosh: np.cosh, sympy.tanh: np.tanh, sympy.Abs: np.abs, sympy.sign: np.sign,
    sympy.Not: np.logical_not,
}
_BINARY = {
    sympy.StrictGreaterThan: np.greater, sympy.GreaterThan: np.greater_equal, sympy.StrictLessThan: np.less,
    sympy.LessThan: np.less_equal, sympy.Eq: np.equal, sympy.Ne: np.not_equal,
}
_FOLD = {
    sympy.Add: np.add, sympy.Mul: np.multiply, sympy.Max: np.maximum, sympy.Min: np.minimum,
    sympy.And: np.logical_and, sympy.Or: np.logical_or,
}


def evaluate(e: sympy.Basic, values: Mapping[sympy.Basic, Any]) -> Any:
    """``e`` at ``values`` (each Symbol -> a number or an array; arrays broadcast)."""
    kind = type(e)
    if e.is_Symbol:
        if e not in values:
            raise Unsupported(f"no value for {e}")
        return values[e]
    if e is sympy.true or e is sympy.false:
        return np.bool_(bool(e))
    if e.is_Number or e.is_NumberSymbol:
        return _constant(e)
    if kind in _FOLD:
        return functools.reduce(_FOLD[kind], (evaluate(a, values) for a in e.args))
    if kind is sympy.Pow:
        return np.power(np.float64(1.0) * evaluate(e.base, values), evaluate(e.exp, values))
    if kind in _UNARY:
        return _UNARY[kind](evaluate(e.args[0], values))
    if kind in _BINARY:
        return _BINARY[kind](evaluate(e.args[0], values), evaluate(e.args[1], values))
    if kind is sympy.Heaviside:
        half = evaluate(e.args[1], values) if len(e.args) > 1 else 0.5
        return np.heaviside(evaluate(e.args[0], values), half)
    if kind is sympy.Piecewise:
        conds = [evaluate(c, values) for _, c in e.args]
        vals = [evaluate(v, values) for v, _ in e.args]
        shape = np.broadcast_shapes(*(np.shape(a) for a in conds + vals))
        return np.select([np.broadcast_to(c, shape) for c in conds],
                         [np.broadcast_to(np.asarray(v, dtype=np.result_type(float, *vals)), shape) for v in vals],
                         default=np.nan)
    if e.is_number:  # a constant such as exp(2), log(3) or log(-2) = log(2) + i pi
        return _constant(e)
    raise Unsupported(f"cannot evaluate {kind.__name__}")


def _constant(e: sympy.Expr) -> Any:
    """A SymPy number as numpy's: complex where it is not real (I, log(-2); zoo is nan + nan i),
    as lambdify gives it; a float otherwise."""
    try:
        v = complex(e)
    except (TypeError, ValueError):
        raise Unsupported(f"cannot evaluate the constant {e}") from None
    return np.float64(v.real) if v.imag == 0 else np.complex128(v)


_MATRIX_FOLD = {sympy.MatAdd: np.add, sympy.HadamardProduct: np.multiply}


def evaluate_matrix(e: sympy.Basic, values: Mapping[sympy.Basic, np.ndarray]) -> np.ndarray:
    """A matrix expression (sums, products, transposes, Hadamard products, diag of a column,
    scalar factors) at ``values`` (each MatrixSymbol -> an array of its shape)."""
    kind = type(e)
    if isinstance(e, sympy.MatrixSymbol):
        return np.asarray(values[e], dtype=float)
    if e.is_Number:
        return np.float64(float(e))
    if kind in _MATRIX_FOLD:
        return functools.reduce(_MATRIX_FOLD[kind], (evaluate_matrix(a, values) for a in e.args))
    if kind is sympy.MatMul:
        out = np.float64(1.0)
        for a in e.args:
            v = evaluate_matrix(a, values)
            out = out @ v if np.ndim(out) and np.ndim(v) else out * v
        return out
    if kind is sympy.Transpose:
        return evaluate_matrix(e.arg, values).T
    if kind is sympy.DiagMatrix:
        return np.diag(evaluate_matrix(e.args[0], values).ravel())
    raise Unsupported(f"cannot evaluate {kind.__name__}")
