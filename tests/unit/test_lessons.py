"""Guided lessons (lab.core.lessons): the three the issue asks for, each step
a view its page opens as written, each question one its page asks, the
``lesson=`` flag read and named like every other, and the lesson plan's
Markdown holding every step's link."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from lab.core.lessons import LESSONS, PAGES, Lesson, Step, lesson_plan, parse_flag
from tests.unit.test_pages import PAGES as SPECS
from tests.unit.test_questions import QUIZZES

STEPS = [(ls.key, k) for ls in LESSONS.values() for k in range(1, len(ls.steps) + 1)]
BASE = "https://lab.example.org/normlab"


def test_the_three_lessons_go_through_the_pages_the_issue_names():
    route = {key: [s.page for s in lesson.steps] for key, lesson in LESSONS.items()}
    titles = {lesson.title for lesson in LESSONS.values()}
    assert "The one idea: same recipe, different axis" in titles
    assert "Why transformers use LayerNorm" in titles
    assert "Why normalize at all" in titles

    def order(pages: list[str]) -> list[str]:
        return [p for i, p in enumerate(pages) if i == 0 or pages[i - 1] != p]

    assert order(route["one_idea"]) == ["lab", "tensor"]
    assert order(route["transformers"]) == [
        "coupling",
        "train_eval",
        "sequences",
        "choose",
    ]
    assert order(route["why_normalize"]) == ["why", "rms"]
    for lesson in LESSONS.values():
        assert len(lesson.objectives) >= 2 and len(lesson.discussion) >= 2


def test_the_pages_table_names_the_apps_pages():
    """Titles as app.py's navigation shows them, one entry per page."""
    app = (Path(__file__).resolve().parents[2] / "app.py").read_text()
    shown = dict(re.findall(r'"pages/(\w+)\.py",\s*title="([^"]+)"', app))
    assert {k: v[0] for k, v in PAGES.items()} == shown
    assert set(PAGES) == set(SPECS)


@pytest.mark.parametrize(("lesson", "k"), STEPS, ids=[f"{n}.{k}" for n, k in STEPS])
def test_a_step_is_a_view_its_page_opens_as_written(lesson, k):
    step = LESSONS[lesson].steps[k - 1]
    spec = SPECS[step.page][0]
    _, note = spec.parse(step.params)
    assert note is None, (step.params, note)
    # the step's link, as a student opens it: the settings and the lesson
    query = parse_qs(urlsplit(LESSONS[lesson].link(k, BASE)).query)
    state, flags, note = spec.read_link(query)
    assert note is None and flags.lesson == (lesson, k)
    assert state == spec.parse(step.params)[0]
    assert 2 <= step.words.count(". ") + 1 <= 3, step.words  # two or three sentences
    if step.question is not None:
        assert step.question in {q.key for q in QUIZZES[step.page].questions}


def test_the_lesson_flag_is_read_and_a_bad_one_named():
    spec = SPECS["lab"][0]
    assert parse_flag("one_idea.2") == (LESSONS["one_idea"], 2)
    for raw in ("one_idea.0", "one_idea.99", "nope.1", "one_idea", ".1", "x" * 500):
        assert parse_flag(raw) is None, raw
        _, flags, note = spec.read_link({"lesson": [raw]})
        assert flags.lesson is None and "lesson (no such lesson or step)" in note
        assert raw not in note or raw == ".1"


@pytest.mark.parametrize("key", sorted(LESSONS))
def test_the_lesson_plan_holds_every_step_with_its_link(key):
    lesson = LESSONS[key]
    plan = lesson_plan(lesson, BASE)
    assert plan.startswith(f"# Lesson plan: {lesson.title}\n")
    for heading in ("## Objectives", "## Steps", "## Discussion questions"):
        assert heading in plan
    for k, step in enumerate(lesson.steps, 1):
        assert f"<{lesson.link(k, BASE)}>" in plan
        assert step.words in plan
    for line in (*lesson.objectives, *lesson.discussion):
        assert f"- {line}" in plan
    assert len(plan.splitlines()) <= 80  # one page
    assert lesson.link(1, BASE).startswith(f"{BASE}/{PAGES[lesson.steps[0].page][1]}?")


def test_a_question_known_to_the_caller_is_quoted_in_the_plan():
    lesson = LESSONS["one_idea"]
    prompt = QUIZZES["lab"].by_key("axis_bn").prompt
    plan = lesson_plan(lesson, BASE, {("lab", "axis_bn"): prompt})
    assert f"   Predict first: {prompt}\n" in plan
    assert (
        plan.count("opens at this step's question") == 4
    )  # the other steps with a question


def test_a_step_on_no_page_is_refused():
    with pytest.raises(ValueError):
        Step("nowhere", {}, "Words.")
    assert isinstance(LESSONS["one_idea"], Lesson)
