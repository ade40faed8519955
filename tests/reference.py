"""Independent references for the property tests, written apart from reportgen's solvers and
checks: plain loops over the assignment's indices, exact fractions on the decimals as written
where every operation is rational (ReLU regression network, gradient descent on a quadratic),
and 50-digit mpmath with central differences at h = 1e-20 where exp, tanh or log enter
(mpmath has no underflow: e^(-10^6) is a number, not 0).

COUNTS tallies what the property tests compared (editions and scalar quantities); conftest.py
prints it at the end of a run.
"""

from __future__ import annotations

import functools
from collections import Counter
from fractions import Fraction

import mpmath
import numpy as np

COUNTS: Counter = Counter()


def digits50(f):  # noqa: ANN001, ANN201
    """Run f with mpmath at 50 significant digits (and restore the precision after)."""
    @functools.wraps(f)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        with mpmath.workdps(50):
            return f(*args, **kwargs)
    return wrapper


def dec(x: float) -> Fraction:
    return Fraction(repr(float(x)))


def relative_gap(got: object, want: list, floor: float) -> float:
    """max |got - want| / max(max |want|, floor) over the entries; counts the entries."""
    g = np.asarray(got, dtype=float).ravel()
    w = [float(v) for v in np.asarray(want, dtype=object).ravel()]
    assert g.size == len(w), (g.shape, len(w))
    COUNTS["quantities"] += g.size
    scale = max([abs(v) for v in w] + [floor])
    if scale == 0:
        return float(np.max(np.abs(g))) if g.size else 0.0
    return max((abs(a - b) for a, b in zip(g, w, strict=True)), default=0.0) / scale


# --- regression network (mlp_gradients): exact for ReLU, mpmath otherwise ------------------------


def _act(name: str, z):  # noqa: ANN001
    if name == "relu":
        return z if z > 0 else 0 * z
    if name == "tanh":
        return mpmath.tanh(z)
    return 1 / (1 + mpmath.exp(-z))


def mlp_loss(layout: str, act: str, X, t, W1, b1, W2, b2) -> object:  # noqa: ANN001
    """L = 1/2 sum_k (y_k - t_k)^2 by loops (W1[j][i] for the column layout, W1[i][j] for rows)."""
    N, d, h = len(X), len(X[0]), len(b1)
    L = 0
    for k in range(N):
        y = b2
        for j in range(h):
            z = b1[j] + sum((W1[j][i] if layout == "column" else W1[i][j]) * X[k][i] for i in range(d))
            y = y + W2[j] * _act(act, z)
        L = L + (y - t[k]) ** 2 / 2
    return L


@digits50
def mlp_reference(p) -> dict[str, list]:  # noqa: ANN001
    """Loss, pre-activations and the four gradients. ReLU: exact fractions, the gradient by
    backprop written as loops with the subgradient f'(0) = 0 (a rational function has exact
    derivatives; central differences would need a side). tanh/sigmoid: mpmath central
    differences of the loop loss."""
    conv = dec if p.activation == "relu" else (lambda v: mpmath.mpf(repr(float(v))))
    X = [[conv(v) for v in row] for row in p.X]
    t = [conv(v) for v in p.t]
    W1 = [[conv(v) for v in row] for row in p.W1]
    b1, W2, b2 = [conv(v) for v in p.b1], [conv(v) for v in p.W2], conv(p.b2)
    N, d, h = len(X), len(X[0]), len(b1)
    w = (lambda i, j: W1[j][i]) if p.layout == "column" else (lambda i, j: W1[i][j])
    Z = [[b1[j] + sum(w(i, j) * X[k][i] for i in range(d)) for j in range(h)] for k in range(N)]
    out = {"Z": Z, "loss": [mlp_loss(p.layout, p.activation, X, t, W1, b1, W2, b2)]}
    if p.activation == "relu":
        out.update(_relu_grads(p.layout, X, t, W1, b1, W2, b2, Z))
        return out

    params = {"W1": W1, "b1": b1, "W2": W2, "b2": [b2]}

    def loss_with(name: str, cell: tuple, delta) -> object:  # noqa: ANN001
        new = {k: [row[:] if isinstance(row, list) else row for row in v] for k, v in params.items()}
        if len(cell) == 2:
            new[name][cell[0]][cell[1]] += delta
        else:
            new[name][cell[0]] += delta
        return mlp_loss(p.layout, p.activation, X, t, new["W1"], new["b1"], new["W2"], new["b2"][0])

    def fd(name: str) -> list:
        arr = params[name]
        cells = [(i, j) for i in range(len(arr)) for j in range(len(arr[0]))] if name == "W1" else \
            [(i,) for i in range(len(arr))]
        out = []
        for cell in cells:
            v = arr[cell[0]][cell[1]] if len(cell) == 2 else arr[cell[0]]
            step = mpmath.mpf(10) ** -20 * max(1, abs(v))
            out.append((loss_with(name, cell, step) - loss_with(name, cell, -step)) / (2 * step))
        return out

    out.update({name: fd(name) for name in params})
    return out


def _relu_grads(layout, X, t, W1, b1, W2, b2, Z) -> dict[str, list]:  # noqa: ANN001
    N, d, h = len(X), len(X[0]), len(b1)
    gW1 = [[Fraction(0)] * (d if layout == "column" else h) for _ in range(h if layout == "column" else d)]
    gb1, gW2, gb2 = [Fraction(0)] * h, [Fraction(0)] * h, Fraction(0)
    for k in range(N):
        a = [z if z > 0 else Fraction(0) for z in Z[k]]
        r = b2 + sum(W2[j] * a[j] for j in range(h)) - t[k]
        gb2 += r
        for j in range(h):
            gW2[j] += r * a[j]
            dz = r * W2[j] if Z[k][j] > 0 else Fraction(0)  # f'(0) = 0
            gb1[j] += dz
            for i in range(d):
                if layout == "column":
                    gW1[j][i] += dz * X[k][i]
                else:
                    gW1[i][j] += dz * X[k][i]
    return {"W1": gW1, "b1": gb1, "W2": gW2, "b2": [gb2]}


def mlp_floor(p) -> float:  # noqa: ANN001
    """The loss's size before cancellation, from absolute values (as a user would bound it)."""
    total = 0.0
    for k in range(p.N):
        y = abs(p.b2)
        for j in range(p.h):
            z = abs(p.b1[j]) + sum(abs((p.W1[j, i] if p.layout == "column" else p.W1[i, j]) * p.X[k, i])
                                   for i in range(p.d))
            y += abs(p.W2[j]) * (max(1.0, z / 4) if p.activation == "sigmoid" else z)
        total += 0.5 * (y + abs(p.t[k])) ** 2
    return total


# --- one sample, ReLU, softmax, label smoothing (smoothed_ce_step) --------------------------------


def ce_loss(x, ys, W1, b1, W2, b2, signs):  # noqa: ANN001
    """-sum_i y^s_i ln softmax(z)_i, ReLU branches held as ``signs`` say (f'(0) = 0)."""
    d, n, q = len(x), len(b1), len(b2)
    h = [b1[l] + sum(W1[p][l] * x[p] for p in range(d)) for l in range(n)]
    a = [h[l] if signs[l] > 0 else 0 * h[l] for l in range(n)]
    z = [b2[i] + sum(W2[l][i] * a[l] for l in range(n)) for i in range(q)]
    lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in z))
    return -mpmath.fsum(ys[i] * (z[i] - lse) for i in range(q)), h, z, lse


@digits50
def ce_reference(p) -> dict[str, list]:  # noqa: ANN001
    """Every reported quantity in 50 digits; gradients by central differences (h = 1e-20 relative)."""
    m = lambda v: mpmath.mpf(repr(float(v)))  # noqa: E731
    x, y = [m(v) for v in p.x], [m(v) for v in p.y]
    W1, b1 = [[m(v) for v in row] for row in p.W1], [m(v) for v in p.b1]
    W2, b2 = [[m(v) for v in row] for row in p.W2], [m(v) for v in p.b2]
    q, eps = len(b2), m(p.epsilon)
    ys = [(1 - eps) * y[i] + eps / q for i in range(q)]
    hx = [sum((dec(p.W1[r][l]) * dec(p.x[r]) for r in range(len(p.x))), dec(p.b1[l])) for l in range(len(b1))]
    signs = [(v > 0) - (v < 0) for v in hx]
    L, h, z, lse = ce_loss(x, ys, W1, b1, W2, b2, signs)
    yhat = [mpmath.exp(v - lse) for v in z]
    out = {"loss": [L], "h": h, "z": z, "yhat": yhat, "dL_dyhat": [-ys[i] / yhat[i] for i in range(q)],
           "dL_dz": [yhat[i] - ys[i] for i in range(q)]}
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    for name, arr in params.items():
        grads = []
        cells = [(i, j) for i in range(len(arr)) for j in range(len(arr[0]))] if name in ("W1", "W2") else \
            [(i, None) for i in range(len(arr))]
        for i, j in cells:
            v = arr[i][j] if j is not None else arr[i]
            step = mpmath.mpf(10) ** -20 * max(1, abs(v))
            vals = []
            for s in (step, -step):
                new = {k: ([row[:] for row in a] if k in ("W1", "W2") else a[:]) for k, a in params.items()}
                if j is not None:
                    new[name][i][j] += s
                else:
                    new[name][i] += s
                vals.append(ce_loss(x, ys, new["W1"], new["b1"], new["W2"], new["b2"], signs)[0])
            grads.append((vals[0] - vals[1]) / (2 * step))
        out[name] = grads
        flat = [c for row in arr for c in row] if name in ("W1", "W2") else arr
        out[name + "_new"] = [flat[k] - m(p.eta) * grads[k] for k in range(len(grads))]
    return out


# --- gradient descent on u^T A u: exact iterates, 50-digit eigenvalues -----------------------------


@digits50
def gd_reference(A, start, eta: float, steps: int) -> tuple[object, list[Fraction]]:  # noqa: ANN001
    """(lambda_max of H = A + A^T to 50 digits, u_steps exactly for the float rate eta)."""
    n = len(A)
    H = [[dec(A[i][j]) + dec(A[j][i]) for j in range(n)] for i in range(n)]
    lam = max(mpmath.eigsy(mpmath.matrix([[mpmath.mpf(v.numerator) / v.denominator for v in row] for row in H]))[0])
    e, u = Fraction(eta), [dec(v) for v in start]
    for _ in range(steps):
        u = [u[i] - e * sum(H[i][j] * u[j] for j in range(n)) for i in range(n)]
    return lam, u


def strictly_convex(A) -> bool:  # noqa: ANN001
    """A + A^T positive definite on the decimals as written: every leading minor > 0 (minors by
    the Leibniz formula over permutations, n <= 3)."""
    from itertools import permutations

    n = len(A)
    H = [[dec(A[i][j]) + dec(A[j][i]) for j in range(n)] for i in range(n)]

    def det(k: int) -> Fraction:
        total = Fraction(0)
        for perm in permutations(range(k)):
            inversions = sum(perm[i] > perm[j] for i in range(k) for j in range(i + 1, k))
            term = Fraction((-1) ** inversions)
            for i in range(k):
                term *= H[i][perm[i]]
            total += term
        return total

    return all(det(k) > 0 for k in range(1, n + 1))


# --- convolution arithmetic: shapes by counting window positions -----------------------------------


def positions(n: int, k: int, s: int, p: int) -> int:
    """Window positions along one axis of length n padded by p on both sides: counted one by one."""
    count, start = 0, 0
    while start + k <= n + 2 * p:
        count, start = count + 1, start + s
    return count


def cnn_stacks(in_size: int, target: int, kernels: tuple[int, ...], pool: int, start: str) -> set[str]:
    """Valid alternating stacks by breadth-first search over (size, next kind, has conv, word)."""
    firsts = {"conv": ["conv"], "pool": ["pool"], "either": ["conv", "pool"]}[start]
    frontier = [(in_size, f, False, "") for f in firsts]
    found = set()
    while frontier:
        nxt = []
        for size, kind, has_conv, word in frontier:
            moves = [(size - k + 1, f"conv{k}") for k in kernels] if kind == "conv" else \
                ([(size // pool, "pool")] if size % pool == 0 else [])
            for new, name in moves:
                if new < target:
                    continue
                w = f"{word} {name}".strip()
                if new == target:
                    if has_conv or kind == "conv":
                        found.add(w)
                    continue
                nxt.append((new, "pool" if kind == "conv" else "conv", has_conv or kind == "conv", w))
        frontier = nxt
    return found
