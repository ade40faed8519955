"""A stack of convolutions and 2x2 max-pools from an input image to a target shape."""

from __future__ import annotations

from dataclasses import dataclass

from ..solvers import conv
from ..spec import Table
from ..verify import Check, equal
from ..verify.conv import brute_force_stacks, count_params_from_arrays

name = "cnn_design"
description = "A conv/pool stack that reaches a target shape, with parameter counts"


@dataclass(frozen=True)
class Params:
    in_size: int
    in_channels: int
    target_size: int
    target_channels: int
    kernels: tuple[int, ...]
    pool: int


def parse(t: Table) -> Params:
    kernels = t.array("kernels", (None,))
    if any(k != int(k) or k < 1 or k % 2 == 0 or k > 15 for k in kernels) or len(set(kernels)) != len(kernels):
        raise t.error("kernels", "expected distinct odd kernel sizes between 1 and 15, e.g. [3, 5, 7]")
    return Params(
        in_size=t.integer("in_size", lo=2, hi=512),
        in_channels=t.integer("in_channels", lo=1, hi=4096),
        target_size=t.integer("target_size", lo=1, hi=512),
        target_channels=t.integer("target_channels", lo=1, hi=4096),
        kernels=tuple(int(k) for k in kernels),
        pool=t.integer("pool", 2, lo=2, hi=4),
    )


@dataclass(frozen=True)
class Result:
    search: conv.StackSearch

    @property
    def n_valid(self) -> int:
        return len(self.search.candidates)


def solve(p: Params) -> Result:
    return Result(conv.search(p.in_size, p.in_channels, p.target_size, p.target_channels, p.kernels, p.pool))


def verify(p: Params, r: Result) -> list[Check]:
    brute = brute_force_stacks(p.in_size, p.target_size, p.kernels, p.pool)
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
