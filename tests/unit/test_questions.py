"""Predict, then reveal (lab.core.questions): every page asks at least three
questions, and every question's stated answer is the one the engine computes
at the view that reveals it, so the copy cannot drift from the numbers."""

from __future__ import annotations

import pytest

from lab.board.questions import QUIZ as LAB
from lab.choose.questions import QUIZ as CHOOSE
from lab.core.questions import MIN_QUESTIONS, Question, Quiz
from lab.coupling.questions import QUIZ as COUPLING
from lab.rms.questions import QUIZ as RMS
from lab.sequences.questions import QUIZ as SEQUENCES
from lab.tensor.questions import QUIZ as TENSOR
from lab.train_eval.questions import QUIZ as TRAIN_EVAL
from lab.why.questions import QUIZ as WHY
from tests.unit.test_pages import PAGES

QUIZZES = {
    "lab": LAB,
    "tensor": TENSOR,
    "coupling": COUPLING,
    "train_eval": TRAIN_EVAL,
    "why": WHY,
    "rms": RMS,
    "sequences": SEQUENCES,
    "choose": CHOOSE,
}
EVERY = [(name, q.key) for name, quiz in QUIZZES.items() for q in quiz.questions]


def test_every_page_has_questions():
    assert set(QUIZZES) == set(PAGES)
    for quiz in QUIZZES.values():
        assert len(quiz.questions) >= MIN_QUESTIONS


@pytest.mark.parametrize(("page", "key"), EVERY, ids=[f"{p}.{k}" for p, k in EVERY])
def test_the_stated_answer_is_what_the_engine_computes(page, key):
    quiz = QUIZZES[page]
    q = quiz.by_key(key)
    finding = quiz.check(q)
    assert finding.choice == q.answer, (q.prompt, finding)
    assert finding.evidence.strip()


@pytest.mark.parametrize(("page", "key"), EVERY, ids=[f"{p}.{k}" for p, k in EVERY])
def test_a_question_reveals_a_view_its_page_reads_as_written(page, key):
    spec = PAGES[page][0]
    q = QUIZZES[page].by_key(key)
    _, note = spec.parse(q.reveal)
    assert note is None, (q.reveal, note)
    assert q.prompt.strip() and q.explain.strip() and len(q.choices) >= 2


def test_the_common_confusions_are_asked():
    """BatchNorm's axis against LayerNorm's; train = eval for LayerNorm;
    GroupNorm(1) against LayerNorm; what RMSNorm keeps."""
    assert LAB.by_key("axis_bn").answer == "column"
    assert LAB.by_key("axis_ln").answer == "row"
    assert TRAIN_EVAL.by_key("layer").answer == "zero"
    assert TENSOR.by_key("group1").answer == "layer"
    assert TENSOR.by_key("pitfall").answer == "differ"
    assert RMS.by_key("keeps").answer == "kept"
    assert RMS.by_key("shift").answer == "layer"


def test_a_question_whose_answer_is_not_a_choice_is_refused():
    with pytest.raises(ValueError):
        Question("q", "?", (("a", "A"), ("b", "B")), "c", "why")
    q = Question("q", "?", (("a", "A"), ("b", "B")), "a", "why")
    with pytest.raises(ValueError):
        Quiz((q, q, q), lambda q: None)  # the same key three times
