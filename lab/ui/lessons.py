"""Guided lessons (lab.core.lessons) in the page kit: the bar a lesson's
link (``lesson=<name>.<step>``) draws under the page's title, with Back and
Next through the lab's real pages, and the "Guided lessons" popover that
starts one or downloads its one-page plan.

Back and Next open the step's page with the step's link, exactly as a shared
link would open it (`st.switch_page` with its query string): the page parses
the settings and the lesson flag like any other link, so a step lands on the
same view whether a student clicks through or opens the plan's link. A page
without a lesson draws no bar; the popover draws its list only while open.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import streamlit as st

from lab.core.lessons import LESSONS, PAGES, Lesson, flag_value, lesson_plan
from lab.ui.sync import FLAGS

if TYPE_CHECKING:
    from lab.ui.page import Page


def step_link(lesson: Lesson, k: int, presenter: bool) -> tuple[str, dict[str, str]]:
    """Step ``k``'s page file and query string (a presenter stays one)."""
    step = lesson.steps[k - 1]
    params = {**step.params, "lesson": flag_value(lesson.key, k)}
    if presenter:
        params["presenter"] = "1"
    return f"pages/{step.page}.py", params


def _go(page: Page[Any], lesson: Lesson, k: int) -> None:
    path, params = step_link(lesson, k, page.sync.flags.presenter)
    st.switch_page(path, query_params=params)


def _ask(page: Page[Any], move: int | None) -> None:
    """A button's callback: remember where to go (``None``: leave the
    lesson); the bar goes there on its next run, whatever else that run does
    first."""
    st.session_state[page.key(_PENDING)] = (move,)


_PENDING = "_lesson_move"
NOTES = "The step's words (for the speaker)"


def bar(page: Page[Any]) -> None:
    """The lesson's bar, when the link says the page is a lesson's step."""
    at = page.sync.flags.lesson
    if at is None:
        return
    lesson, k = LESSONS[at[0]], at[1]
    pending = st.session_state.pop(page.key(_PENDING), None)
    if pending is not None:
        if pending[0] is None:  # leave: the page stays as it is, without the bar
            st.session_state[FLAGS] = replace(page.sync.flags, lesson=None)
            st.rerun()
        _go(page, lesson, pending[0])
    step, n = lesson.steps[k - 1], len(lesson.steps)
    here = PAGES[step.page][2] == page.prefix
    seen = page.key("_lesson_seen")
    if here and st.session_state.get(seen) != at:
        st.session_state[seen] = at  # arrived at this step: its question first
        if step.question is not None and page.asker is not None:
            keys = [q.key for q in page.asker.quiz.questions]
            st.session_state[page.key("_question")] = keys.index(step.question)
    box = st.container(border=True, key=page.key("lesson-bar"))
    box.markdown(f"**{lesson.title}** · step {k} of {n}: {step.title}")
    if not here:
        box.markdown(f"This step is on the **{step.title}** page.")
    else:
        # a presenter says the step's sentences: they fold away, so the
        # charts stay on the projected first screen
        words = box.expander(NOTES) if page.sync.flags.presenter else box
        words.markdown(step.words)
        if step.question is not None and page.asker is not None:
            ask = page.asker.quiz.by_key(step.question).prompt
            words.markdown(f"*Predict first* (Predict, then reveal, below): {ask}")
    row = box.container(horizontal=True)
    row.button(
        "Back",
        icon=":material/arrow_back:",
        disabled=k == 1,
        on_click=_ask,
        args=(page, k - 1),
        key=page.key("lesson_back"),
        help="The lesson's previous step.",
    )
    if not here:
        row.button(
            "Go there",
            type="primary",
            on_click=_ask,
            args=(page, k),
            key=page.key("lesson_here"),
            help="Open this step's page in the step's view.",
        )
    elif k < n:
        row.button(
            "Next",
            type="primary",
            icon=":material/arrow_forward:",
            on_click=_ask,
            args=(page, k + 1),
            key=page.key("lesson_next"),
            help=f"The lesson's next step, on {lesson.steps[k].title}.",
        )
    row.button(
        "Finish" if k == n else "Leave the lesson",
        icon=":material/flag:" if k == n else ":material/close:",
        on_click=_ask,
        args=(page, None),
        key=page.key("lesson_end"),
        help="Keep this view, without the lesson's bar.",
    )


def _base(current: str) -> str:
    """The app's own address (its root), from the page's URL."""
    try:
        url = urlsplit(st.context.url or "")
    except Exception:  # no browser request (a test without one)
        return ""
    path = url.path.rstrip("/")
    tail = f"/{PAGES[current][1]}" if current in PAGES else ""
    if tail != "/" and path.endswith(tail):
        path = path[: len(path) - len(tail)]
    return f"{url.scheme}://{url.netloc}{path}" if url.netloc else ""


def _current(page: Page[Any]) -> str:
    return next((k for k, v in PAGES.items() if v[2] == page.prefix), "")


def picker(page: Page[Any]) -> None:
    """The "Guided lessons" popover: each lesson's start and its plan."""
    pop = st.popover(
        "Guided lessons",
        icon=":material/school:",
        key=page.key("lessons_open"),
        on_change="rerun",
    )
    with pop:
        st.caption("Short tours through the lab's pages, one idea at a time.")
        if not pop.open:
            return
        base = _base(_current(page))
        presenter = page.sync.flags.presenter
        for lesson in LESSONS.values():
            st.markdown(f"**{lesson.title}** · {len(lesson.steps)} steps")
            row = st.container(horizontal=True)
            path, params = step_link(lesson, 1, presenter)
            row.page_link(
                path, label="Start", icon=":material/play_arrow:", query_params=params
            )
            row.download_button(
                "Lesson plan (Markdown)",
                lesson_plan(lesson, base),
                file_name=f"lesson-{lesson.key}.md",
                mime="text/markdown",
                icon=":material/download:",
                key=page.key(f"plan.{lesson.key}"),
                on_click="ignore",
                help="A one-page plan for the teacher: objectives, the steps "
                "with their links, discussion questions.",
            )
