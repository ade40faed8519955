"""cnn_design: verify: the independent checks (never imports solver.py)."""

from __future__ import annotations

from ...verify import Check, equal
from .data import Params, Result
from .reference import brute_force_stacks, count_params_from_arrays


def verify(p: Params, r: Result) -> list[Check]:
    brute = brute_force_stacks(p.in_size, p.target_size, p.kernels, p.pool, p.start)
    found = {a.signature for a in r.search.candidates}
    method = f"brute force over all {brute.tried} alternating stacks of up to {brute.max_len} layers"
    checks = [
        equal("the valid stacks", method, sorted(found), sorted(brute.signatures)),
    ]
    for a in r.search.candidates:
        checks.append(equal(f"parameters of {a.signature}", "sizes of zero-filled weight and bias arrays",
                            a.params, count_params_from_arrays(a)))
    best = min(r.search.candidates, key=lambda a: (count_params_from_arrays(a), len(a.layers)))
    checks.append(equal("chosen stack has the fewest parameters", "minimum over the brute-force set",
                        best.signature, r.search.chosen.signature))
    return checks
