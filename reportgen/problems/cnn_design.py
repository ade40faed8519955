"""A stack of convolutions and 2x2 max-pools from an input image to a target shape."""

from __future__ import annotations

from dataclasses import dataclass

from ..solvers import conv
from ..spec import Table
from ..verify import Check, equal
from ..verify.conv import brute_force_stacks, count_params_from_arrays, words_to_try

MAX_STACKS = 200  # every valid stack is a row of the printed table
MAX_WORDS = 60_000  # words the brute-force check enumerates (about half a second)

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
    start: str = "conv"  # the first layer of the stacks searched: "conv", "pool" or "either"


def parse(t: Table) -> Params:
    kernels = t.array("kernels", (None,))
    if any(k != int(k) or k < 1 or k % 2 == 0 or k > 15 for k in kernels) or len(set(kernels)) != len(kernels):
        raise t.error("kernels", "expected distinct odd kernel sizes between 1 and 15, e.g. [3, 5, 7]")
    p = Params(
        in_size=t.integer("in_size", lo=2, hi=512),
        in_channels=t.integer("in_channels", lo=1, hi=4096),
        target_size=t.integer("target_size", lo=1, hi=512),
        target_channels=t.integer("target_channels", lo=1, hi=4096),
        kernels=tuple(int(k) for k in kernels),
        pool=t.integer("pool", 2, lo=2, hi=4),
        start=t.choice("start", tuple(conv.STARTS), "conv"),
    )
    if p.target_size > p.in_size:
        raise t.error("target_size", f"{p.target_size} is larger than in_size {p.in_size}; layers only shrink maps")
    words = words_to_try(p.in_size, p.target_size, p.kernels, p.pool, p.start)
    if words > MAX_WORDS:
        raise t.error("kernels", f"{len(p.kernels)} kernel sizes from {p.in_size} down to {p.target_size} give "
                                 f"{words:,} alternating stacks for the brute-force check, more than {MAX_WORDS:,}; "
                                 "use fewer kernel sizes or a smaller size ratio")
    count = conv.count_sequences(p.in_size, p.target_size, p.kernels, p.pool, p.start)
    if count == 0:
        raise t.error("target_size", f"no alternating conv/pool stack maps {p.in_size} to {p.target_size} "
                                     f"with kernels {list(p.kernels)} and {p.pool}x{p.pool} pooling")
    if count > MAX_STACKS:
        raise t.error("kernels", f"{count:,} stacks reach the target, more than the {MAX_STACKS} a report can list; "
                                 "use fewer kernel sizes")
    return p


@dataclass(frozen=True)
class Result:
    search: conv.StackSearch

    @property
    def n_valid(self) -> int:
        return len(self.search.candidates)


def solve(p: Params) -> Result:
    return Result(conv.search(p.in_size, p.in_channels, p.target_size, p.target_channels, p.kernels, p.pool,
                              p.start))


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
