"""Guided lessons in the app (AppTest): a lesson's link draws its bar, Next
walks the lab's real pages in each step's state (no note on any), Back
returns, Finish leaves the view without the bar; the popover offers every
lesson's start and plan."""

from __future__ import annotations

import importlib
from dataclasses import asdict

import pytest

from lab.core.lessons import LESSONS, PAGES, lesson_plan
from lab.ui.lessons import NOTES
from lab.ui.sync import CURRENT_PAGE
from tests.app.pages import open_page, visit
from tests.unit.test_pages import PAGES as SPECS

VIEWS = {"lab": "lab.board.view", **{p: f"lab.{p}.view" for p in PAGES if p != "lab"}}


def bar_text(at) -> str:
    return " ".join(m.value for m in at.markdown if " · step " in m.value)


def button(at, name: str):
    (b,) = [b for b in at.button if b.key and b.key.endswith(name)]
    return b


def assert_on_step(at, lesson, k: int) -> None:
    step = lesson.steps[k - 1]
    prefix = PAGES[step.page][2]
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[CURRENT_PAGE] == prefix, (k, step.page)
    assert f"step {k} of {len(lesson.steps)}: {step.title}" in bar_text(at)
    assert any(m.value == step.words for m in at.markdown), k
    notes = [w.value for w in at.warning if w.icon == ":material/link:"]
    assert not notes, notes  # the link opened as written
    assert at.query_params["lesson"] == f"{lesson.key}.{k}"
    want = SPECS[step.page][0].parse(step.params)[0]
    for name, value in asdict(want).items():
        assert at.session_state[f"{prefix}.{name}"] == value, (k, name)


def test_the_table_knows_each_pages_widget_prefix():
    for page, module in VIEWS.items():
        assert importlib.import_module(module).page.prefix == PAGES[page][2]


@pytest.mark.parametrize("key", sorted(LESSONS))
def test_next_and_back_walk_the_lesson_through_its_pages(key):
    lesson = LESSONS[key]
    at = visit(open_page(), lesson=f"{key}.1")
    if lesson.steps[0].page != "lab":  # the link named no settings: go there
        here = f"This step is on the **{lesson.steps[0].title}** page."
        assert any(m.value == here for m in at.markdown)
        button(at, "lesson_here").click().run()
    else:
        visit(at, lesson=f"{key}.1", **lesson.steps[0].params)
    assert_on_step(at, lesson, 1)
    assert button(at, "lesson_back").disabled
    for k in range(2, len(lesson.steps) + 1):
        button(at, "lesson_next").click().run()
        assert_on_step(at, lesson, k)
    assert not [b for b in at.button if b.key and b.key.endswith("lesson_next")]
    button(at, "lesson_back").click().run()
    assert_on_step(at, lesson, len(lesson.steps) - 1)
    button(at, "lesson_next").click().run()
    finish = button(at, "lesson_end")
    assert finish.label == "Finish"
    finish.click().run()
    assert not at.exception and not bar_text(at)
    assert "lesson" not in at.query_params


def test_back_to_a_page_lands_on_its_step_again():
    """The page was left at this very link: coming back through it is still
    opening a link (its lesson's step), not returning to the page's last view."""
    lesson = LESSONS["one_idea"]
    at = visit(open_page(), lesson="one_idea.3", scenario="grouped")
    assert_on_step(at, lesson, 3)
    button(at, "lesson_next").click().run()
    assert_on_step(at, lesson, 4)
    button(at, "lesson_back").click().run()
    assert_on_step(at, lesson, 3)
    button(at, "lesson_next").click().run()
    assert_on_step(at, lesson, 4)


def test_a_steps_question_is_the_one_the_quiz_opens_at():
    at = visit(open_page(), lesson="one_idea.2", norm="layer", focus="3,5")
    assert at.session_state["lab._question"] == 1  # axis_ln, the second
    at.session_state["lab.quiz_open"] = True
    at.run()
    assert at.radio(key="lab.pick.axis_ln").value is None


def test_a_bad_lesson_is_named_in_the_note():
    at = visit(open_page(), lesson="one_idea.99")
    notes = [w.value for w in at.warning if w.icon == ":material/link:"]
    assert len(notes) == 1 and "lesson (no such lesson or step)" in notes[0]
    assert "99" not in notes[0] and not bar_text(at)


def test_a_presenter_stays_one_through_the_lesson():
    at = visit(open_page(), lesson="one_idea.3", scenario="grouped", presenter="1")
    # the step's words fold away for the speaker
    (notes,) = [e for e in at.expander if e.label == NOTES]
    assert any(m.value == LESSONS["one_idea"].steps[2].words for m in notes.markdown)
    button(at, "lesson_next").click().run()
    assert at.query_params["presenter"] == "1"
    assert at.query_params["lesson"] == "one_idea.4"


def test_the_popover_offers_each_lesson_and_its_plan():
    at = open_page()
    at.session_state["lab.lessons_open"] = True
    at.run()
    assert not at.exception
    names = [b.key for b in at.get("download_button")]
    assert names == [f"lab.plan.{k}" for k in LESSONS]
    titles = " ".join(m.value for m in at.markdown)
    for lesson in LESSONS.values():
        assert lesson.title in titles
    assert lesson_plan(LESSONS["one_idea"], "").count("?lesson=") + lesson_plan(
        LESSONS["one_idea"], ""
    ).count("&lesson=") == len(LESSONS["one_idea"].steps)
