"""cnn_design: parse: read and check its keys."""

from __future__ import annotations

from ...maths import conv
from ...spec import Table
from .data import MAX_STACKS, MAX_WORDS, Params
from .reference import words_to_try


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
