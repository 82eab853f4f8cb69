"""The page's own link rules (lab/sequences/state.py); the rules every page
shares are tests/unit/test_pages.py's."""

from __future__ import annotations

from lab.sequences.state import PAGE, SeqState


def test_a_short_length_past_t_and_a_focus_outside_are_pulled_in_and_named():
    state, note = PAGE.parse({"tokens": "5", "short": "9", "focus": "80,20"})
    assert (state.tokens, state.short, state.focus) == (5, 5, (39, 5))
    assert "short (at most the padded length, 5)" in note
    assert "focus (outside the batch)" in note


def test_a_picked_scenario_keeps_the_token_when_it_fits():
    state = PAGE.pick(SeqState(focus=(50, 4)), "toy")
    assert state.scenario == "toy" and state.focus == (9, 0)  # N·T = 10, C = 1
    assert PAGE.pick(SeqState(focus=(50, 4)), "embedding").focus == (50, 4)


def test_another_family_token_or_run_never_ends_a_scenario():
    base = PAGE.base("toy")
    for name, value in (("norm", "layer"), ("focus", (3, 0)), ("rseed", 5)):
        moved = PAGE.settle(base.__class__(**{**base.__dict__, name: value}))
        assert moved.scenario == "toy"
    assert (
        PAGE.settle(base.__class__(**{**base.__dict__, "pad": "embedding"})).scenario
        == "custom"
    )


def test_the_focused_cell_as_sequence_position_channel():
    assert SeqState(focus=(27, 4)).cell == (2, 3, 4)  # T = 12
