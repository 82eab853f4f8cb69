"""A shared link is user input: it round-trips when valid and falls back when not."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.board.state import (
    BOARD_FAMILIES,
    PAGE,
    SCENARIOS,
    BoardState,
    clean,
)


def test_an_empty_link_is_the_default_view():
    state, note = PAGE.parse({})
    assert state == BoardState()
    assert note is None
    assert PAGE.to_params(BoardState()) == {}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_a_scenario_link_is_one_parameter(scenario):
    state = PAGE.base(scenario.key)
    params = PAGE.to_params(state)
    assert params == ({} if scenario.key == "stable" else {"scenario": scenario.key})
    assert PAGE.parse(params) == (state, None)


def test_switching_family_keeps_the_scenario():
    state = replace(PAGE.base("outlier"), norm="layer")
    assert PAGE.matches(state, "outlier")
    assert PAGE.to_params(state) == {"scenario": "outlier", "norm": "layer"}


def test_moving_a_scenario_control_leaves_the_scenario():
    state = replace(PAGE.base("tiny"), batch=16)
    assert not PAGE.matches(state, "tiny")


HOSTILE = [
    ({"batch": "abc"}, "batch (not a number)"),
    ({"batch": "nan"}, "batch (not a finite number)"),
    ({"batch": "inf"}, "batch (not a finite number)"),
    ({"batch": "1e308"}, "batch (outside 1–64, clamped)"),
    ({"batch": "-5"}, "batch (outside 1–64, clamped)"),
    ({"batch": "2.5"}, "batch (not a whole number)"),
    ({"shift": "1.234"}, "shift (rounded to 1.2)"),
    ({"gamma": "9" * 400}, "gamma (too long)"),
    ({"norm": "instance"}, "InstanceNorm needs positions"),
    ({"norm": "<script>alert(1)</script>"}, "norm (not an option)"),
    ({"mode": "debug"}, "mode (not an option)"),
    ({"eps": "0"}, "eps (must be a positive number)"),
    ({"eps": "2e-5"}, "eps (snapped to 1e-05)"),
    ({"focus": "a,b"}, "focus (expected row,column)"),
    ({"focus": "1,2,3"}, "focus (expected row,column)"),
    ({"focus": "999,0"}, "focus (outside the matrix)"),
    ({"groups": "5"}, "groups (must divide 16 features)"),
    ({"scenario": "nope"}, "scenario (not an option)"),
    ({"batch": ["8", "16"]}, "batch (given 2 times; used the last)"),
    ({"colour": "red"}, "unknown parameter colour"),
]


@pytest.mark.parametrize(("params", "expected"), HOSTILE)
def test_hostile_links_fall_back_with_one_note_naming_the_parameter(params, expected):
    state, note = PAGE.parse(params)
    assert state == clean(state)
    assert note is not None and expected in note


def test_clamped_values_land_inside_the_range():
    state, _ = PAGE.parse({"batch": "1e308", "features": "-3", "outlier": "1e9"})
    assert (state.batch, state.features, state.outlier) == (64, 1, 100.0)


def test_notes_never_echo_markup_from_the_link():
    payload = "<img src=x onerror=alert(1)>[x](javascript:alert(1))"
    _, note = PAGE.parse({payload: "1", "norm": payload, "batch": payload})
    assert "<" not in note and "javascript" not in note and "](" not in note
    assert "unknown parameter unreadable names" in note


def test_many_unknown_names_are_summarized():
    _, note = PAGE.parse({f"p{i}": "1" for i in range(10)})
    assert "and 7 more" in note


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*BoardState.__dataclass_fields__, "x", "<b>"]),
        st.one_of(st.text(max_size=50), st.lists(st.text(max_size=10), max_size=3)),
        max_size=8,
    )
)
def test_any_query_string_parses_to_a_valid_state(params):
    state, note = PAGE.parse(params)
    assert state == clean(state)
    assert state.norm in BOARD_FAMILIES
    assert 1 <= state.batch <= 64 and 1 <= state.features <= 64
    assert state.features % state.groups == 0
    assert 0 <= state.focus[0] < state.batch and 0 <= state.focus[1] < state.features
    assert note is None or "<" not in note
