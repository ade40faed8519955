"""conv_arithmetic: window positions found by walking the padded input (not by the output-size
formula), used by the Result (rows a layer reads) and by the independent checks."""

from __future__ import annotations

from ...maths.conv import Config


def tapped_rows(n: int, c: Config) -> set[int]:
    """The input rows (0..n-1, padding excluded) under a tap of some window position."""
    return {r for start in window_starts(n, c.k, c.s, c.p, c.d) for j in range(c.k)
            if 0 <= (r := start + j * c.d - c.p) < n}


def window_starts(n: int, k: int, s: int, p: int, d: int) -> list[int]:
    """Start rows (in the padded input) of every window position, by walking the input."""
    starts, start = [], 0
    while start + d * (k - 1) <= n + 2 * p - 1:
        starts.append(start)
        start += s
    return starts
