"""softmax_ce_gradient: verify: the independent checks (never imports solver.py)."""

from __future__ import annotations

import numpy as np

from ...verify import Check, central_diff, close
from .data import Params, Result


def verify(p: Params, r: Result) -> list[Check]:
    from ...verify.derivation import check_chain

    checks = check_chain(r.general) + check_chain(r.one_hot)  # type: ignore[arg-type]
    # finite differences at a larger size, general (unnormalised) targets
    rng = np.random.default_rng(0)
    m = 5
    y0, t0 = rng.standard_normal(m), rng.uniform(0, 1, m)

    def E(v):
        logS = v - np.log(np.exp(v).sum())
        return float(-(t0 * logS).sum())

    S = np.exp(y0) / np.exp(y0).sum()
    checks.append(close("dE/dy = (sum_k t_k) S - t at m = 5", "central differences (h = 1e-6)",
                        t0.sum() * S - t0, central_diff(E, y0), 1e-6, 1.0))
    return checks
