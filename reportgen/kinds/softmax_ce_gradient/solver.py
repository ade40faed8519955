"""softmax_ce_gradient: solve: every reported quantity."""

from __future__ import annotations

from .data import Params, Result


def solve(p: Params) -> Result:
    import sympy as sp

    from ...maths.derivation import Chain, Step
    from ...maths.notation import Partial, SoftmaxEntry, add, frac, plain

    y, t = sp.IndexedBase("y", real=True), sp.IndexedBase("t", real=True)
    m, i, j, k = sp.symbols("m i j k", integer=True, positive=True)
    Z = sp.Sum(sp.exp(y[j]), (j, 1, m))
    T = sp.Sum(t[k], (k, 1, m))
    S_i = SoftmaxEntry(y, i, m)
    E = -sp.Sum(t[k] * sp.log(SoftmaxEntry(y, k, m)), (k, 1, m))
    general = Chain("dE/dy_i, general target", Partial(E, y[i]), (
        Step(Partial(-sp.Sum(plain(t[k], add(y[k], -sp.log(Z))), (k, 1, m)), y[i]),
             "ln S(y)_k = y_k - ln sum_j e^(y_j)"),
        Step(Partial(add(-sp.Sum(t[k] * y[k], (k, 1, m)), plain(T, sp.log(Z))), y[i]),
             "the log-sum does not depend on k"),
        Step(add(-t[i], plain(T, frac(sp.exp(y[i]), Z))), "dy_k/dy_i = [k = i], chain rule"),
        Step(add(plain(T, S_i), -t[i]), "definition of S"),
    ), instances=tuple({m: size, i: idx} for size in p.sizes for idx in range(1, size + 1)))
    d = sp.Dummy("d", integer=True)
    one_hot = Chain("dE/dy_i, one-hot target", add(plain(T, S_i), -t[i]), (
        Step(add(S_i, -t[i]), "one-hot: sum_k t_k = 1"),
    ), instances=tuple({m: size, i: idx, t: sp.Lambda(d, sp.KroneckerDelta(d, c))}
                       for size in p.sizes for c in range(1, size + 1) for idx in range(1, size + 1)))
    return Result(general, one_hot)
