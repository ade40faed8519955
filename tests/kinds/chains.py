"""Helpers for the kinds whose results are derivation chains (reportgen/maths/derivation.py)."""

import dataclasses

from reportgen.maths.derivation import Step


def assert_chains_checked(solved_problem, chains):
    """Every step of every chain has its own passing check in the report's verification."""
    by_step = {(c.group, c.step): c for c in solved_problem.checks if c.group}
    for chain in chains:
        # the chain and the step are fields of the check, not parsed out of its name
        assert sorted(i for g, i in by_step if g == chain.name) == list(range(1, len(chain.steps) + 1))
        for i in range(1, len(chain.steps) + 1):
            assert by_step[chain.name, i].passed, by_step[chain.name, i]


def break_step(chain, index, expr):
    """The chain with step `index` (0-based) replaced by `expr`, a step that must fail its check."""
    steps = list(chain.steps)
    steps[index] = Step(expr, "broken on purpose")
    return dataclasses.replace(chain, steps=tuple(steps))
