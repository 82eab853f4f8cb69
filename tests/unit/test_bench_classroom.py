"""The simulated student sends what Streamlit's frontend sends and notices errors."""

from __future__ import annotations

import random

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.classroom import Student


def _student() -> Student:
    return Student("http://127.0.0.1:1", "", random.Random(0), 5.0)


def _element(fm: ForwardMsg, fragment: str = ""):
    fm.delta.fragment_id = fragment
    return fm.delta.new_element


def test_an_exception_on_the_page_is_recorded():
    s, fm = _student(), ForwardMsg()
    el = _element(fm)
    el.exception.type = "ValueError"
    el.exception.message = "boom"
    s._delta(fm.delta)
    assert s.exceptions == ["ValueError: boom"]


def test_a_slider_step_stays_in_range_and_is_sent_as_a_double_array():
    s, fm = _student(), ForwardMsg()
    sl = _element(fm, "frag").slider
    sl.id, sl.min, sl.max, sl.step = "$$ID-batch", 1, 3, 1
    sl.default.append(3)
    s._delta(fm.delta)
    seen = set()
    for _ in range(40):
        state, fragment = s._move()
        assert fragment == "frag"
        (v,) = state.double_array_value.data
        assert 1 <= v <= 3
        seen.add(v)
    assert seen == {1, 2, 3}


def test_a_heatmap_click_is_sent_as_the_components_json_state():
    s, fm = _student(), ForwardMsg()
    comp = _element(fm).bidi_component
    comp.id, comp.json = "$$ID-heatmaps", '{"rows": 4, "cols": 2, "focus": [0, 0]}'
    s._delta(fm.delta)
    state, _ = s._move()
    import json

    r, c = json.loads(state.json_value)["focus"]
    assert 0 <= r < 4 and 0 <= c < 2


def test_disabled_widgets_are_never_moved():
    s, fm = _student(), ForwardMsg()
    b = _element(fm).checkbox
    b.id, b.disabled = "$$ID-off", True
    s._delta(fm.delta)
    assert s._move() is None
