"""View flags (lab.core.flags): a presenter link and the controls it shows are
read from a link beside the page's settings, validated like them, and written
back with them; a link without flags opens exactly as it did before they
existed."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from lab.core.flags import FLAG_NAMES, ViewFlags, read_flags
from lab.core.lessons import LESSONS
from tests.strategies import page_states
from tests.unit.test_old_links import PAGES as RECORDED
from tests.unit.test_old_links import RECORDS
from tests.unit.test_pages import NAMES, PAGES

LAB = PAGES["lab"][0]


def test_a_presenter_link_is_read_with_the_controls_it_shows():
    state, flags, note = LAB.read_link({"presenter": "1", "show": "norm,batch"})
    assert flags == ViewFlags(presenter=True, show=("norm", "batch"))
    assert note is None
    assert state == LAB.initial()


def test_flags_do_not_touch_the_settings_beside_them():
    plain, _ = LAB.parse({"norm": "layer", "batch": "8"})
    state, flags, note = LAB.read_link(
        {"norm": "layer", "batch": "8", "presenter": "1", "show": "batch"}
    )
    assert state == plain and note is None
    assert flags.show == ("batch",)


@pytest.mark.parametrize(
    ("raw", "on"), [("1", True), ("true", True), ("0", False), ("OFF", False)]
)
def test_presenter_reads_one_or_zero(raw, on):
    assert LAB.read_link({"presenter": raw})[1].presenter is on


@pytest.mark.parametrize("raw", ["2", "maybe", "<b>x</b>", "1e9", ""])
def test_a_bad_presenter_value_is_named_in_the_note_never_echoed(raw):
    _, flags, note = LAB.read_link({"presenter": raw})
    assert flags.presenter is False
    assert "presenter (not 0 or 1)" in note
    assert raw not in note or raw == ""


def test_unknown_controls_in_show_are_named_and_the_rest_kept():
    _, flags, note = LAB.read_link({"show": "norm,colour,<script>,batch,norm"})
    assert flags.show == ("norm", "batch")  # each once, in the link's order
    assert "show (no control named colour and 1 more on this page)" in note
    assert "<script>" not in note


def test_show_names_only_what_a_url_could_safely_say():
    _, flags, note = LAB.read_link({"show": "<img src=x>"})
    assert flags.show == ()
    assert "unreadable names" in note


def test_an_empty_show_leaves_no_control():
    _, flags, note = LAB.read_link({"show": ""})
    assert flags.show == () and note is None


def test_a_repeated_or_huge_flag_is_named():
    _, flags, note = LAB.read_link({"show": ["norm", "batch"], "presenter": "1"})
    assert flags.show == ("batch",)
    assert "show (given 2 times; used the last)" in note
    _, flags, note = LAB.read_link({"show": "norm," * 200})
    assert flags.show is None
    assert "show (too long" in note


def test_flags_are_not_settings_of_any_page():
    for name in NAMES:
        page, _ = PAGES[name]
        assert not set(FLAG_NAMES) & set(page.names), name


def test_read_flags_leaves_the_other_parameters():
    flags, rest, problems = read_flags(
        {"presenter": ["1"], "norm": ["layer"], "x": ["y"]}, ("norm",)
    )
    assert flags.presenter and rest == {"norm": ["layer"], "x": ["y"]}
    assert problems == []


@pytest.mark.parametrize("page", sorted(RECORDED))
def test_every_recorded_link_opens_as_before_through_the_kits_reading(page):
    """tests/unit/test_old_links.py checks `parse`; the kit reads links with
    `read_link`, which must agree on every recorded link (none had flags)."""
    spec = RECORDED[page]
    for r in (r for r in RECORDS if r["page"] == page):
        query = parse_qs(r["query"], keep_blank_values=True)
        state, flags, note = spec.read_link(query)
        assert (state, note) == spec.parse(query), r["query"]
        assert flags == ViewFlags()
        assert spec.to_link(state, flags) == r["params"]


@pytest.mark.parametrize("name", NAMES)
def test_every_view_and_its_flags_survive_its_own_link(name):
    page, _ = PAGES[name]
    controls = list(page.names)

    @settings(max_examples=120, deadline=None, derandomize=True, database=None)
    @given(
        state=page_states(page),
        presenter=hs.booleans(),
        show=hs.none() | hs.lists(hs.sampled_from(controls), unique=True).map(tuple),
        score=hs.none()
        | hs.integers(1, 999).flatmap(
            lambda n: hs.tuples(hs.integers(0, n), hs.just(n))
        ),
        lesson=hs.none()
        | hs.sampled_from(list(LESSONS.values())).flatmap(
            lambda ls: hs.tuples(hs.just(ls.key), hs.integers(1, len(ls.steps)))
        ),
    )
    def check(state, presenter, show, score, lesson):
        flags = ViewFlags(presenter=presenter, show=show, score=score, lesson=lesson)
        params = page.to_link(state, flags)
        assert page.read_link(params) == (state, flags, None), params

    check()


def test_a_shared_score_is_read_and_a_bad_one_named():
    assert LAB.read_link({"score": "4/5"})[1].score == (4, 5)
    for raw in ("5/4", "0/0", "x/5", "4/5/6", "-1/3", "1000/1000"):
        _, flags, note = LAB.read_link({"score": raw})
        assert flags.score is None and "score (not right/answered" in note, raw
