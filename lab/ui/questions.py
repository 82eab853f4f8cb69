"""Predict, then reveal: the kit's widget for a page's questions
(`lab.core.questions`), beside "Share this view".

A popover, one question at a time: the student picks a prediction, and only
then can reveal. The reveal records the prediction for the session, runs the
topic's checker (the engine's numbers at the question's view) and moves the
page to that view (its `PageSpec` reads the question's link), so the student
sees the answer on the page itself, with the numbers and the explanation in
the popover. Closed, the popover draws nothing: a page pays for its questions
only while they are open (as the Lab's Export does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import streamlit as st

from lab.core.questions import Finding, Question, Quiz

if TYPE_CHECKING:
    from lab.ui.page import Page

ANSWERS = "_lab.answers"
"""The session's predictions: question id ("prefix.key") → `Answer`."""


@dataclass(frozen=True)
class Answer:
    picked: str
    finding: Finding

    @property
    def right(self) -> bool:
        return self.picked == self.finding.choice


def answers() -> dict[str, Answer]:
    """This session's answered questions, every page's."""
    return st.session_state.setdefault(ANSWERS, {})


def score() -> tuple[int, int]:
    """(right, answered) over every page this session."""
    done = answers().values()
    return sum(a.right for a in done), len(done)


class Asker:
    """One page's questions: `draw` is the fragment placed in its header."""

    def __init__(self, page: Page[Any], quiz: Quiz) -> None:
        self.page = page
        self.quiz = quiz
        self.draw = page.fragment(page.key("quiz"), commit=False)(self._draw)

    def _id(self, q: Question) -> str:
        return self.page.key(q.key)

    def _index(self) -> int:
        i = st.session_state.get(self.page.key("_question"), 0)
        return min(max(int(i), 0), len(self.quiz.questions) - 1)

    def _draw(self) -> None:
        n = len(self.quiz.questions)
        pop = st.popover(
            "Predict, then reveal",
            icon=":material/quiz:",
            key=self.page.key("quiz_open"),
            on_change="rerun",
        )
        with pop:
            st.caption(
                f"{n} questions on this page: commit to an answer, then see the "
                "page show it."
            )
            if pop.open:
                self._question(self.quiz.questions[self._index()])

    def _question(self, q: Question) -> None:
        qs = self.quiz.questions
        i = qs.index(q)
        done = answers()
        here = [done[self._id(x)] for x in qs if self._id(x) in done]
        st.markdown(
            f"**Question {i + 1} of {len(qs)}** · on this page "
            f"{sum(a.right for a in here)} right of {len(here)} answered"
        )
        st.markdown(q.prompt)
        answer = done.get(self._id(q))
        if answer is None:
            picked = st.radio(
                "Your prediction",
                [k for k, _ in q.choices],
                format_func=q.words,
                index=None,
                key=self.page.key(f"pick.{q.key}"),
                help="Commit to an answer first: the page shows the real one "
                "when you reveal it.",
            )
            st.button(
                "Reveal",
                type="primary",
                icon=":material/visibility:",
                disabled=picked is None,
                on_click=self._reveal,
                args=(q,),
                key=self.page.key(f"reveal.{q.key}"),
                help="Record your prediction and move the page to the view "
                "that answers it.",
            )
        else:
            self._outcome(q, answer)
        row = st.container(horizontal=True)
        row.button(
            "Previous",
            icon=":material/arrow_back:",
            disabled=i == 0,
            on_click=self._move,
            args=(i - 1,),
            key=self.page.key("quiz_prev"),
            help="The previous question.",
        )
        row.button(
            "Next",
            icon=":material/arrow_forward:",
            disabled=i == len(qs) - 1,
            on_click=self._move,
            args=(i + 1,),
            key=self.page.key("quiz_next"),
            help="The next question.",
        )

    def _outcome(self, q: Question, answer: Answer) -> None:
        said = q.words(answer.picked)
        if answer.right:
            st.success(f"**Right:** {said}.", icon=":material/check_circle:")
        else:
            st.error(
                f"**Not quite.** You said: {said}. The page shows: "
                f"{q.words(answer.finding.choice)}.",
                icon=":material/cancel:",
            )
        st.markdown(f"**On the page now:** {answer.finding.evidence}\n\n{q.explain}")
        st.button(
            "Show this view again",
            icon=":material/replay:",
            on_click=self._show,
            args=(q,),
            key=self.page.key(f"again.{q.key}"),
            help="Move the page back to the view that answers this question.",
        )

    def _move(self, i: int) -> None:
        st.session_state[self.page.key("_question")] = i

    def _reveal(self, q: Question) -> None:
        picked = st.session_state.get(self.page.key(f"pick.{q.key}"))
        if picked is None:  # a stale click: nothing was picked
            return
        answers()[self._id(q)] = Answer(picked, self.quiz.check(q))
        self._show(q)

    def _show(self, q: Question) -> None:
        """Move the page to the question's view: the whole page reruns."""
        state, _ = self.page.spec.parse(q.reveal)
        self.page.sync.write(state)
        st.rerun()
