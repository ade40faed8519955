"""Numbers -> LaTeX, one style per report (exact strings pinned in tests/printer/test_numbers.py):

* Given data (``given=True``: the assignment's inputs) prints exactly as given: the shortest
  decimal that round-trips the float (``0.00012``, ``0.1234567``, ``-1.0`` in a matrix of
  decimals, ``5`` in a matrix of integers).
* Computed values print with exactly ``digits`` decimals (``-2.0400`` beside ``-1.2445``), so
  one display never mixes ``-1.6`` with ``-1.6000``; ``=`` or ``\\approx`` (:func:`eq`) tells
  whether that is exact.
* Integer values print as integers (``-5``, not ``-5.0000``), grouped by thin spaces from five
  digits on (``102\\,848``); a value within ``noise`` of zero prints ``0``: no ``-0``, no
  ``-5.55e-17``.
* :func:`ratio` prints a value that is a simple fraction as one (``1/12``, not ``0.0833``).
* Magnitudes below ``10**-digits`` or at least ``sci_large`` print as ``m \\times 10^{e}``.
* nan, inf and booleans are refused with ``FormatError``; they are bugs, not output.
* Minus signs are math-mode ``-`` (a real minus); callers place the result in math mode.

The functions take the settings ``s`` as an argument; a ReportPrinter binds them once per render.
"""

from __future__ import annotations

import math
from fractions import Fraction
from numbers import Integral, Real

import numpy as np

from .tex import DEFAULT, FormatError, FormatSettings, Tex


def _real(x: object) -> float:
    """The float value of a real number, refusing what is not one."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (Real, np.number)):
        raise FormatError(f"expected a real number, got {type(x).__name__} {x!r}")
    v = float(x)
    if not math.isfinite(v):
        raise FormatError(f"refusing to print non-finite value {v!r}")
    return v


def _group(digits: str) -> str:
    """'102848' -> '102\\,848' (thin-space groups from five digits on, as SI style asks)."""
    if len(digits) < 5:
        return digits
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return r"\,".join(parts)


def integer(n: object) -> Tex:
    """An exact integer: ``-1234567`` -> ``-1\\,234\\,567``."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (Integral, np.integer)):
        raise FormatError(f"expected an integer, got {type(n).__name__} {n!r}")
    n = int(n)
    return Tex(("-" if n < 0 else "") + _group(str(abs(n))))


def decimals_needed(x: float, s: FormatSettings = DEFAULT) -> int:
    """How many decimals (at most ``s.digits``) print ``x`` without trailing zeros."""
    text = f"{abs(x):.{s.digits}f}"
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def _is_sci(v: float, s: FormatSettings) -> bool:
    a = abs(v)
    return a >= s.noise and (a < 0.5 * 10.0**-s.digits or a >= s.sci_large)


def _sci(v: float, s: FormatSettings) -> str:
    mant, exp = f"{v:.{s.sci_digits - 1}e}".split("e")
    return rf"{mant} \times 10^{{{int(exp)}}}"


def _fixed(v: float, decimals: int) -> str:
    text = f"{v:.{decimals}f}"
    if float(text) == 0.0:  # rounds to zero: never '-0' or '-0.00'
        return "0" if decimals == 0 else "0." + "0" * decimals
    integral, _, frac = text.lstrip("-").partition(".")
    body = _group(integral) + ("." + frac if frac else "")
    return ("-" if text.startswith("-") else "") + body


def _integral(v: float, s: FormatSettings) -> int | None:
    """The integer ``v`` is (up to float noise), or None."""
    if abs(v) < 1e15 and abs(v - round(v)) < s.noise:
        return int(round(v))
    return None


def _shortest(v: float) -> str:
    """The shortest decimal that round-trips ``v`` (Python's repr of the float)."""
    return repr(float(v))


def given_decimals(v: float) -> int:
    """Decimals of ``v`` as given (0 for an integer value or one printed in scientific form)."""
    text = _shortest(v)
    if "e" in text or text.endswith(".0"):
        return 0
    return len(text.partition(".")[2])


def _given(v: float, s: FormatSettings, decimals: int | None = None) -> str:
    text = _shortest(v)
    if "e" in text:  # 1.2e-05: the mantissa as given
        mant, exp = text.split("e")
        return rf"{mant.removesuffix('.0')} \times 10^{{{int(exp)}}}"
    n = _integral(v, s)
    if n is not None and not decimals:
        return integer(n)
    return _fixed(v, given_decimals(v) if decimals is None else decimals)


def num(x: object, s: FormatSettings = DEFAULT, decimals: int | None = None, given: bool = False) -> Tex:
    """One real number: given data exactly as given, a computed value with ``s.digits`` decimals
    (``decimals`` overrides the count), an integer value as an integer."""
    if isinstance(x, (Integral, np.integer)) and not isinstance(x, (bool, np.bool_)):
        return integer(x)
    v = _real(x)
    if abs(v) < s.noise:
        return Tex("0")
    if given:
        return Tex(_given(v, s, decimals))
    n = _integral(v, s)
    if n is not None:
        return integer(n)
    if _is_sci(v, s):
        return Tex(_sci(v, s))
    return Tex(_fixed(v, s.digits if decimals is None else decimals))


def is_exact(x: object, s: FormatSettings = DEFAULT) -> bool:
    """Whether :func:`num` prints ``x`` exactly (so ``=`` is honest, else ``\\approx``)."""
    v = _real(x)
    if abs(v) < s.noise or isinstance(x, (Integral, np.integer)) or _integral(v, s) is not None:
        return True
    if _is_sci(v, s):
        return False
    return math.isclose(float(f"{v:.{s.digits}f}"), v, rel_tol=0, abs_tol=1e-12)


def eq(x: object, s: FormatSettings = DEFAULT) -> Tex:
    """The relation sign to put before ``num(x)``: ``=`` when exact, ``\\approx`` otherwise."""
    return Tex("=" if is_exact(x, s) else r"\approx")


def frac(q: object, s: FormatSettings = DEFAULT) -> Tex:
    """An exact rational: ``Fraction(-1, 6)`` -> ``-\\frac{1}{6}``; integers stay integers."""
    if isinstance(q, (bool, np.bool_)) or not isinstance(q, (Fraction, Integral, np.integer)):
        raise FormatError(f"expected a Fraction, got {type(q).__name__} {q!r}")
    q = Fraction(q)
    if q.denominator == 1:
        return integer(q.numerator)
    sign = "-" if q < 0 else ""
    return Tex(rf"{sign}\frac{{{_group(str(abs(q.numerator)))}}}{{{_group(str(q.denominator))}}}")


MAX_DENOMINATOR = 100  # a "simple" fraction: 1/12 and 11/60 are, 1/7919 is not


def simple_fraction(x: object, s: FormatSettings = DEFAULT) -> Fraction | None:
    """The fraction with denominator at most MAX_DENOMINATOR that ``x`` is (up to float noise)."""
    if isinstance(x, Fraction):
        return x if x.denominator <= MAX_DENOMINATOR else None
    v = _real(x)
    q = Fraction(v).limit_denominator(MAX_DENOMINATOR)
    return q if abs(float(q) - v) <= s.noise * max(1.0, abs(v)) else None


def ratio(x: object, s: FormatSettings = DEFAULT, slash: bool = False) -> Tex:
    """A value that is a simple fraction as that fraction (``\\frac{1}{12}``, or ``1/12`` with
    ``slash`` for legends and running text), anything else as :func:`num`."""
    q = simple_fraction(x, s)
    if q is None:
        return num(x, s)
    if slash and q.denominator != 1:
        return Tex(f"{'-' if q < 0 else ''}{_group(str(abs(q.numerator)))}/{_group(str(q.denominator))}")
    return frac(q, s)
