"""The page's settings and their links (`lab.train_eval.state`): round trips,
momentum's own spec, hostile links and the scenarios."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lab.train_eval.state import PAGE, SCENARIOS, TrainEvalState
from lab.train_eval.stream import MAX_STEPS


def test_an_empty_link_is_the_default_view():
    state, note = PAGE.parse({})
    assert state == TrainEvalState() and note is None
    assert PAGE.to_params(TrainEvalState()) == {}


@pytest.mark.parametrize(
    ("raw", "expected", "problem"),
    [
        ("none", None, None),
        ("None", None, None),
        ("cumulative", None, None),
        ("0.1", 0.1, None),
        ("1", 1.0, None),
        ("0.13", 0.1, "snapped"),
        ("0", 0.1, "must lie"),
        ("2", 0.1, "must lie"),
        ("nan", 0.1, "must lie"),
        ("fast", 0.1, "not a number"),
    ],
)
def test_momentum_links_read_none_numbers_and_fall_back(raw, expected, problem):
    state, note = PAGE.parse({"momentum": raw})
    assert state.momentum == expected
    if problem is None:
        assert note is None
    else:
        assert problem in note


def test_hostile_links_fall_back_with_one_note_naming_only_parameters():
    state, note = PAGE.parse(
        {
            "step": "<script>alert(1)</script>",
            "focus": "99,99",
            "batch": "1e999",
            "norm": "group",
            "<img src=x>": "1",
            "seed": ["1", "2"],
        }
    )
    assert state.step == TrainEvalState().step
    assert state.norm == "batch" and state.seed == 2
    assert state.focus == (state.batch - 1, state.features - 1)
    assert note.startswith("Some of this link's settings")
    for bad in ("<script", "<img", "1e999", "group"):
        assert bad not in note


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_each_scenario_is_its_own_link_and_a_fixed_setting_leaves_it(scenario):
    base = PAGE.base(scenario.key)
    assert PAGE.matches(base, scenario.key)
    assert PAGE.parse(PAGE.to_params(base)) == (base, None)
    moved = PAGE.settle(replace(base, batch=base.batch % 64 + 1))
    assert moved.scenario == "custom"
    explored = PAGE.settle(replace(base, step=(base.step + 7) % MAX_STEPS, norm="rms"))
    assert explored.scenario == scenario.key
