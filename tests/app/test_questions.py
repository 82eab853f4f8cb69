"""Predict, then reveal on every page (AppTest): the popover asks one question
at a time, the reveal is offered only after a prediction, records it, and
moves the page to the view that answers it."""

from __future__ import annotations

import pytest

from lab.ui.questions import ANSWERS
from tests.app.pages import open_page
from tests.app.test_every_page import PAGES
from tests.app.test_presenter import SHOW
from tests.unit.test_questions import QUIZZES

QUIZ = {  # page file → its quiz
    "pages/lab.py": QUIZZES["lab"],
    **{f"pages/{name}.py": quiz for name, quiz in QUIZZES.items() if name != "lab"},
}
FIRST = {  # each page's first question's view, as the page's state holds it
    "pages/lab.py": {"norm": "batch", "focus": (3, 5)},
    "pages/tensor.py": {"scenario": "layer", "groups": 1},
    "pages/coupling.py": {"view": "spread", "batch": 2},
    "pages/train_eval.py": {"scenario": "layer", "norm": "layer"},
    "pages/sequences.py": {"scenario": "ragged"},
    "pages/why.py": {"scenario": "six_layers", "depth": 6},
    "pages/rms.py": {"scenario": "big_mean", "mean": 10.0},
    "pages/choose.py": {"scenario": "detector", "per_device": 2},
}


def open_questions(at, prefix: str):
    at.session_state[f"{prefix}.quiz_open"] = True
    at.run()
    return at


def reveal_button(at):
    return next(b for b in at.button if b.label == "Reveal")


@pytest.mark.parametrize("path", PAGES)
def test_a_prediction_comes_first_and_the_reveal_moves_the_page(path):
    prefix = SHOW[path][0]
    q = QUIZ[path].questions[0]
    at = open_questions(open_page(path), prefix)
    radio = at.radio(key=f"{prefix}.pick.{q.key}")
    assert radio.value is None and radio.help.strip()
    assert reveal_button(at).disabled  # nothing picked: nothing to reveal
    radio.set_value(q.choices[-1][0]).run()
    assert not reveal_button(at).disabled
    reveal_button(at).click().run()
    assert not at.exception, [e.value for e in at.exception]
    for name, value in FIRST[path].items():
        assert at.session_state[f"{prefix}.{name}"] == value, name
    (answer,) = at.session_state[ANSWERS].values()
    assert answer.picked == q.choices[-1][0]
    assert answer.right == (q.answer == q.choices[-1][0])
    outcome = [*at.success, *at.error]
    assert outcome and ("Right" in outcome[0].value) == answer.right
    assert any(answer.finding.evidence in m.value for m in at.markdown)


def test_a_wrong_prediction_is_told_the_answer_and_a_right_one_is_praised():
    at = open_questions(open_page(), "lab")
    at.radio(key="lab.pick.axis_bn").set_value("row").run()
    reveal_button(at).click().run()
    assert "Not quite" in at.error[0].value
    assert "Feature 5 in every example: its column" in at.error[0].value
    assert any("32 cells" in m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Next").click().run()
    at.radio(key="lab.pick.axis_ln").set_value("row").run()
    reveal_button(at).click().run()
    assert "Right" in at.success[0].value
    assert at.session_state["lab.norm"] == "layer"
    right = [a.right for a in at.session_state[ANSWERS].values()]
    assert right == [False, True]
