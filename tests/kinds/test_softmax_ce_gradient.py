"""softmax_ce_gradient (reportgen/kinds/softmax_ce_gradient): the derivation of nn-assignment2-2023 passes
its checks, and a wrong step fails its own."""

import pytest

from ..conftest import solved_by_kind


@pytest.fixture(scope="module")
def solved():
    return solved_by_kind("nn-assignment2-2023")


def test_softmax_question_checks_pass(solved):
    checks = solved["softmax_ce_gradient"].checks
    assert len(checks) == 6 and all(c.passed for c in checks)


def test_a_wrong_derivation_step_fails():
    import dataclasses

    from reportgen.kinds import softmax_ce_gradient as k
    from reportgen.kinds.softmax_ce_gradient import data as k_data

    p = k_data.Params((2,))
    r = k.solve(p)
    steps = list(r.general.steps)
    t_i = steps[-1].expr.args[-1]  # the claimed result (sum t) S_i - t_i ...
    steps[-1] = dataclasses.replace(steps[-1], expr=steps[-1].expr - t_i)  # ... made (sum t) S_i
    broken = dataclasses.replace(r, general=dataclasses.replace(r.general, steps=tuple(steps)))
    checks = k.verify(p, broken)
    assert [c.passed for c in checks][:4] == [True, True, True, False]
