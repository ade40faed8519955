"""Property tests, step sizes and shapes: random editions of gd_step_size (1x1 to 3x3, scales
1e-8 to 1e6, ill-conditioned, rates up to 1.5 x the bound), conv_arithmetic (up to 13 layers,
up to 1024 filters, pooling with padding) and cnn_design (kernel 1, pool-first stacks) either
build with every check passing and agree with the independent references of tests/reference.py,
or are refused with a SpecError whose key path names the offending key, and only when the
reference confirms the input is invalid.
"""

from __future__ import annotations

import time

import numpy as np
from hypothesis import given

from reportgen.errors import SpecError

from .editions import cnn_editions, conv_editions, failed, gd_editions, run
from .reference import COUNTS, cnn_stacks, gd_reference, positions, relative_gap, strictly_convex


def _refused(exc: SpecError, *keys: str) -> None:
    assert exc.key.startswith(keys), (exc.key, exc.detail)
    assert exc.detail and "\n" not in str(exc)
    COUNTS["refused"] += 1


@given(gd_editions())
def test_gd_editions_build_and_match_exact_iterates(edition):
    convex = strictly_convex(edition["A"])
    try:
        p, r, checks = run(edition)
    except SpecError as exc:
        _refused(exc, "problems[0].A", "problems[0].start")
        if exc.key.endswith(".A") and "convex" in exc.detail:
            assert not convex  # refused as not strictly convex only when it is not
        return
    assert convex
    assert not failed(checks), failed(checks)
    for tr in r.trajectories:
        lam, u = gd_reference(edition["A"], edition["start"], tr.eta, edition["steps"])
        assert relative_gap(r.range.eta_max, [2 / lam], 0.0) <= 1e-12
        path = float(np.max(np.abs(tr.iterates)))
        assert relative_gap(tr.iterates[-1], u, path) <= 1e-9


def _expected_stack(edition: dict) -> list[tuple[int, int]] | None:
    """(channels, size) after each layer by counting window positions; None if a layer is invalid."""
    size, ch, out = edition["in_size"], edition["in_channels"], []
    for layer in edition["layers"]:
        k, s, pad = layer["kernel"], layer["stride"], layer["padding"]
        if layer["kind"] != "conv" and pad > k // 2:
            return None
        size = positions(size, k, s, pad)
        if size < 1:
            return None
        ch = layer.get("filters", ch)
        out.append((ch, size))
    return out if edition["layers"][-1]["kind"] == "conv" else None


@given(conv_editions())
def test_conv_editions_build_or_name_the_layer(edition):
    want = _expected_stack(edition)
    try:
        p, r, checks = run(edition)
    except SpecError as exc:
        if want is None:
            _refused(exc, "problems[0].layers")
        else:  # a valid stack; only the design item may lack an exact, gap-free layer
            _refused(exc, "problems[0].design.constraints")
        return
    assert want is not None
    assert not failed(checks), failed(checks)
    assert [(s.channels, s.size) for s in r.stages[1:]] == want
    last, prev = edition["layers"][-1], r.stages[-2]
    assert r.last_weights == last["kernel"] ** 2 * prev.channels * last["filters"]
    COUNTS["quantities"] += 2 * len(want) + 1


@given(cnn_editions())
def test_cnn_editions_find_every_stack_fast_or_refuse(edition):
    args = (edition["in_size"], edition["target_size"], tuple(edition["kernels"]), edition["pool"], edition["start"])
    start = time.perf_counter()
    try:
        p, r, checks = run(edition)
    except SpecError as exc:
        _refused(exc, "problems[0].kernels", "problems[0].target_size")
        if exc.key.endswith("target_size"):
            assert not cnn_stacks(*args)  # "no stack" only when there is none
        return
    finally:
        assert time.perf_counter() - start < 5.0  # bounded: answers or refuses quickly
    assert not failed(checks), failed(checks)
    want = cnn_stacks(*args)
    assert {a.signature for a in r.search.candidates} == want
    assert r.search.chosen.params == min(a.params for a in r.search.candidates)
    COUNTS["quantities"] += len(want) + 1
