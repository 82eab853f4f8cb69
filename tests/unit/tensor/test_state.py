"""The Tensor view's settings and links (`lab.tensor.state`): every scenario
and every valid state survives its link; a hostile link falls back with a note."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings

from lab.tensor.model import (
    build_view,
)
from lab.tensor.state import PAGE, SCENARIOS, TensorState, clean
from tests.unit.tensor.common import states

# ---- state and URL ----


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_every_scenario_round_trips_and_matches_itself(scenario):
    state = clean(PAGE.base(scenario.key))
    assert PAGE.matches(state, scenario.key)
    assert PAGE.parse(PAGE.to_params(state)) == (state, None)
    view = build_view(state)  # and renders its numbers
    assert view.readouts["group"].num_stats == state.batch * state.groups


def test_the_default_view_has_an_empty_link():
    assert PAGE.to_params(TensorState()) == {}
    assert PAGE.parse({}) == (TensorState(), None)


@settings(max_examples=60, deadline=None)
@given(states())
def test_any_valid_state_survives_its_link(state):
    assert PAGE.parse(PAGE.to_params(state)) == (state, None)


def test_changing_a_fixed_setting_leaves_the_scenario_but_looking_around_does_not():
    s = PAGE.base("layer")
    assert PAGE.matches(
        replace(s, norm="batch", view="one", focus=(1, 1, 1, 1)), "layer"
    )
    assert not PAGE.matches(replace(s, groups=2), "layer")
    state, _ = PAGE.parse({"scenario": "layer", "groups": "3"})
    assert state.scenario == "custom" and state.groups == 3


@pytest.mark.parametrize(
    "params, problem",
    [
        ({"batch": "abc"}, "batch (not a number)"),
        ({"channels": "99"}, "channels (outside"),
        ({"groups": "4"}, "groups (must divide 6 channels)"),
        ({"focus": "9,9,9,9"}, "focus (outside the tensor)"),
        ({"focus": "1,2"}, "focus (expected n,c,h,w)"),
        ({"norm": "rms"}, "norm (not an option)"),
        ({"view": "<script>"}, "view (not an option)"),
        ({"<b>x</b>": "1"}, "unknown parameter unreadable names"),
        ({"height": "nan", "width": "1e999"}, "height (not a finite number)"),
    ],
)
def test_hostile_links_fall_back_with_one_note_naming_the_parameter(params, problem):
    state, note = PAGE.parse(params)
    assert note is not None and problem in note
    assert "<" not in note
    assert clean(state) == state
    build_view(state)  # and the page's model accepts the result


def test_groups_snap_to_the_nearest_divisor_and_focus_is_clamped():
    state, _ = PAGE.parse({"channels": "12", "groups": "5", "focus": "7,20,-3,2"})
    assert state.groups == 4
    assert state.focus == (3, 11, 0, 2)
