"""The page's links (lab.rms.state): hostile values get a note and a defined
view, never an error; the grids' odd values survive their links."""

from __future__ import annotations

import pytest

from lab.rms.state import PAGE, RmsState


@pytest.mark.parametrize(
    ("params", "field", "value", "named"),
    [
        ({"c": "nan"}, "c", 2.0, "c (not a finite number)"),
        ({"c": "0"}, "c", 0.0, None),
        ({"c": "-1"}, "c", -1.0, None),
        ({"c": "3e-4"}, "c", 1e-4, "c (snapped to 0.0001)"),
        ({"delta": "2e29"}, "delta", 1e30, "delta (snapped to 1e+30)"),
        ({"delta": "1e30"}, "delta", 1e30, None),
        ({"delta": "inf"}, "delta", 1.0, "delta (not a finite number)"),
        ({"eps": "0"}, "eps", 0.0, None),
        ({"eps": "-1"}, "eps", None, "eps (must be 0 or a positive number)"),
        ({"eps": "2e-6"}, "eps", 1e-6, "eps (snapped to 1e-06)"),
        ({"eps": "default"}, "eps", None, None),
        ({"tokens": "100000"}, "tokens", 512, "tokens (snapped to 512)"),
        ({"hidden": "4000"}, "hidden", 4096, "hidden (snapped to 4096)"),
    ],
)
def test_a_link_is_read_or_told_why_not(params, field, value, named):
    state, note = PAGE.parse(params)
    assert getattr(state, field) == value
    if named is None:
        assert note is None
    else:
        assert named in note and "<" not in note


def test_the_hostile_values_survive_their_links():
    for state in (
        RmsState(scenario="custom", c=0.0, delta=1e30, eps=0.0),
        RmsState(scenario="custom", c=-10.0, delta=-100.0, eps=1e-12),
    ):
        assert PAGE.parse(PAGE.to_params(state)) == (state, None)
    assert PAGE.to_params(PAGE.pick(PAGE.initial(), "exact")) == {"scenario": "exact"}


def test_a_training_move_leaves_the_table_s_scenario():
    s = PAGE.pick(PAGE.initial(), "flip")
    moved = PAGE.settle(RmsState(**{**s.__dict__, "steps": 100}))
    assert moved.scenario == "flip"
    moved = PAGE.settle(RmsState(**{**s.__dict__, "c": 2.0}))
    assert moved.scenario == "custom"
