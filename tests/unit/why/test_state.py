"""The page's settings and links (lab.why.state): the default view, links
written before the default changed, round trips, and hostile links.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.why.runs import LR_GRID, SweepConfig
from lab.why.state import BATCHES, DEFAULT_SCENARIO, PAGE, WIDTHS, WhyState
from lab.why.xiong import XIONG_DEPTHS


def test_an_empty_link_is_the_default_view():
    # Changed on purpose (issue 12): the default view is the 6-layer scenario,
    # where the effect shows in every seed; "deep" (WhyState's field defaults)
    # now has a link of its own.
    state, note = PAGE.parse({})
    assert state == PAGE.initial() and note is None
    assert state.scenario == DEFAULT_SCENARIO and state.depth == 6
    assert PAGE.to_params(PAGE.initial()) == {}
    assert PAGE.to_params(WhyState()) == {"scenario": "deep"}
    assert PAGE.parse({"scenario": "deep"})[0] == WhyState()
    assert state.lr in LR_GRID and state.blocks in XIONG_DEPTHS


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"lr": "1"}, {"depth": 10, "lr": 1.0, "scenario": "deep"}),
        ({"blocks": "24"}, {"depth": 10, "blocks": 24}),
        ({"seed": "3", "steps": "200"}, {"depth": 10, "seed": 3, "steps": 200}),
        ({"depth": "6"}, {"depth": 6, "scenario": "custom", "width": 64}),
        ({"scenario": "deeper", "lr": "0.1"}, {"depth": 20, "lr": LR_GRID[2]}),
    ],
)
def test_links_written_before_the_default_changed_open_the_same_view(params, expected):
    """Before issue 12 an empty scenario meant "deep" (10 layers); links then
    left it out. A link with parameters still means "deep" plus them."""
    state, note = PAGE.parse(params)
    assert note is None
    for name, value in expected.items():
        assert getattr(state, name) == value
    assert PAGE.parse(PAGE.to_params(state))[0] == state


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=50), max_size=6))
def test_any_link_parses_to_a_valid_state(params):
    state, _ = PAGE.parse(params)
    assert isinstance(state.config, SweepConfig)  # a valid config, or this raises
    assert state.lr in LR_GRID and state.blocks in XIONG_DEPTHS
    assert state.width in WIDTHS and state.batch in BATCHES


@pytest.mark.parametrize("key", list(PAGE.by_key))
def test_each_scenario_link_is_one_parameter_and_changing_the_seed_keeps_it(key):
    base = PAGE.base(key)
    assert PAGE.matches(base, key)
    expected = {} if key == DEFAULT_SCENARIO else {"scenario": key}
    assert PAGE.to_params(base) == expected
    assert PAGE.settle(replace(base, seed=9, lr=LR_GRID[0])).scenario == key
    assert (
        PAGE.settle(
            replace(base, depth=base.depth % 20 + 1 if base.depth < 20 else 4)
        ).scenario
        == "custom"
    )


@pytest.mark.parametrize(
    ("params", "expected", "problem"),
    [
        ({"lr": "0.32"}, {"lr": LR_GRID[3]}, None),
        ({"lr": "0.5"}, {"lr": LR_GRID[3]}, "lr (snapped to 0.32)"),
        ({"lr": "-1"}, {}, "lr (must be a positive number)"),
        ({"width": "100"}, {"width": 128}, "width (snapped to 128)"),
        ({"depth": "99"}, {"depth": 20}, "depth (outside 4–20, clamped)"),
        ({"blocks": "7"}, {"blocks": 6}, "blocks (rounded to 6)"),
        ({"steps": "nan"}, {}, "steps (not a finite number)"),
        ({"init": "<b>x</b>"}, {}, "init (not an option)"),
        (
            {"scenario": "deeper", "depth": "5"},
            {"depth": 5, "scenario": "custom"},
            None,
        ),
    ],
)
def test_hostile_or_sloppy_links_fall_back_with_one_note(params, expected, problem):
    state, note = PAGE.parse(params)
    for name, value in expected.items():
        assert getattr(state, name) == value
    if problem is None:
        assert note is None
    else:
        assert problem in note and "<b>" not in note
