"""conv_arithmetic (reportgen/kinds/conv_arithmetic, hw3-theory Question 3): shapes, weights and the
configurations checked by hand, the direct convolution, a design at the channel limit."""

import numpy as np
import pytest

from reportgen import pipeline
from reportgen.kinds.conv_arithmetic import checks as q3_checks
from reportgen.kinds.conv_arithmetic import windows as q3_windows
from reportgen.maths.conv import Config

from ..conftest import solved_by_kind


@pytest.fixture(scope="module")
def solved():
    return solved_by_kind("hw3-theory")


def test_q3_shapes_and_weights(solved):
    r = solved["conv_arithmetic"].result
    assert [(s.size, s.channels) for s in r.stages] == [(32, 1), (28, 6), (14, 6), (10, 16)]
    assert r.output_dim == 16 * 10 * 10 == 1600
    assert r.last_weights == 5 * 5 * 6 * 16 == 2400
    assert r.stages[1].weights == 5 * 5 * 1 * 6


def test_q3_configurations(solved):
    r = solved["conv_arithmetic"].result
    assert r.configurations == (Config(14, 10, 0, 1), Config(6, 11, 1, 2), Config(11, 11, 1, 1))
    for c in r.configurations:  # the formula by hand: (64 + 2p - d(k-1) - 1) / s + 1 = 6 exactly
        assert (64 + 2 * c.p - c.d * (c.k - 1) - 1) == 5 * c.s
    c, d, e = r.designs
    # exact fits: k = 64 - 5s (c), 2k = 67 - 5s with s odd (d), k = 66 - 5s (e)
    assert {(x.k, x.s) for x in c.exact} == {(64 - 5 * s, s) for s in range(1, 13)}
    assert {(x.k, x.s) for x in d.exact} == {((67 - 5 * s) // 2, s) for s in range(1, 14, 2)}
    assert {(x.k, x.s) for x in e.exact} == {(66 - 5 * s, s) for s in range(1, 14)}
    assert [len(z.covering) for z in r.designs] == [10, 6, 11]
    assert [z.n_found for z in r.designs] == [68, 40, 73]


def test_q3_direct_convolution_shape():
    x = np.random.default_rng(0).standard_normal((3, 64, 64))
    w = np.zeros((64, 3, 6, 6))
    assert q3_checks.conv2d(x, w, s=11, p=1, d=2).shape == (64, 6, 6)
    assert q3_windows.window_starts(64, 14, 10, 0, 1) == [0, 10, 20, 30, 40, 50]


def test_q3_design_with_65536_channels_verifies_without_huge_arrays(tmp_path):
    """Valid data at the channel limit: the checks convolve at most two channels (the spatial
    size does not depend on them); before, a 65,536 x 254 x 254 input asked for 31 GiB."""
    import resource

    text = (pipeline.ASSIGNMENTS / "hw3-theory.toml").read_text()
    text = text.replace('id = "hw3-theory"', 'id = "wide-channels"')
    text = text.replace("in_size = 64\nin_channels = 3\nout_size = 6\nout_channels = 64",
                        "in_size = 254\nin_channels = 65536\nout_size = 6\nout_channels = 65536")
    assert "in_channels = 65536" in text
    path = tmp_path / "wide-channels.toml"
    path.write_text(text)
    report = pipeline.load(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    solved = pipeline.verify(report, pipeline.solve(report))
    assert all(c.passed for s in solved for c in s.checks)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 1_000_000  # KiB: under 1 GiB more


@pytest.mark.tex
@pytest.mark.parametrize("layers, padding", [(64, 1024), (64, 123), (5, 1024)])
def test_a_table_of_many_digits_fits_the_text_width(tmp_path, layers, padding):
    """Inputs of 1024 x 1024 x 65,536 with padding make sizes of 4 and 5 digits and weights of 11:
    the layer table is set smaller instead of running into the margin (longtable and tabular)."""
    from ..buildkit import cli_here, write_assignment

    stack = [{"kind": "conv", "kernel": 1, "stride": 1, "padding": padding, "filters": 65536} if k % 2 == 0 else
             {"kind": "maxpool", "kernel": 3, "stride": 1, "padding": 1} for k in range(layers - 1)]
    stack.append({"kind": "conv", "kernel": 3, "stride": 2, "padding": 7, "filters": 65535})
    problem = {"kind": "conv_arithmetic", "title": "Deep", "in_size": 1024, "in_channels": 65536, "layers": stack,
               "design": {"in_size": 250, "in_channels": 65536, "out_size": 2, "out_channels": 65536,
                          "constraints": [{"item": "c", "padding": 0, "dilation": 1}]}}
    toml = write_assignment(tmp_path, "wide", [problem])
    proc = cli_here("build", toml, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "Overfull \\hbox" not in (tmp_path / "out" / "wide.log").read_text()
