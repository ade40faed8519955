"""cnn_design (reportgen/kinds/cnn_design): the architecture search of nn-assignment2-2024, checked by hand."""

import pytest

from ..conftest import solved_by_kind


@pytest.fixture(scope="module")
def solved():
    return solved_by_kind("nn-assignment2-2024")


def test_cnn_search(solved):
    r = solved["cnn_design"].result
    assert r.n_valid == 2
    assert r.search.chosen.signature == "conv5 pool conv3 pool conv3"
    # 5*5*3*16+16 + 3*3*16*32+32 + 3*3*32*64+64
    assert r.search.chosen.params == 1216 + 4640 + 18496 == 24352
    assert [layer.out_size for layer in r.search.chosen.layers] == [28, 14, 12, 6, 4]
