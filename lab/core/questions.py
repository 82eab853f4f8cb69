"""Predict, then reveal: short questions a student answers before the page
shows the answer (Wieman et al.'s advice for PhET simulations: commit first,
then look).

A topic declares its questions as data (`Question`: the prompt, the choices,
the answer it states, the link of the page's view that shows it, the words
that explain it) and one pure checker that computes, from the engine, which
choice the numbers at that view make right, with those numbers in a sentence
(`Finding`). The page kit asks and reveals (lab/ui/questions.py): the reveal
moves the page to the question's view and shows the checker's numbers beside
the explanation. A test asserts every question's stated answer is the one the
checker computes, so the copy can never drift from the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

MIN_QUESTIONS = 3


@dataclass(frozen=True)
class Question:
    """One question. ``choices`` are (key, words) pairs in the order shown;
    ``answer`` is the key the copy calls right; ``reveal`` is the page's link
    (query parameters) for the view that shows it."""

    key: str
    prompt: str
    choices: tuple[tuple[str, str], ...]
    answer: str
    explain: str
    reveal: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reveal", MappingProxyType(dict(self.reveal)))
        keys = [k for k, _ in self.choices]
        if self.answer not in keys or len(set(keys)) != len(keys):
            raise ValueError(f"question {self.key}: answer or choices malformed")

    def words(self, choice: str) -> str:
        """The words of choice ``choice``."""
        return dict(self.choices)[choice]


@dataclass(frozen=True)
class Finding:
    """What the engine computes at a question's view: the choice its numbers
    make right, and those numbers in a sentence."""

    choice: str
    evidence: str


@dataclass(frozen=True)
class Quiz:
    """A page's questions and its checker (pure: the engine, no Streamlit)."""

    questions: tuple[Question, ...]
    check: Callable[[Question], Finding]

    def __post_init__(self) -> None:
        keys = [q.key for q in self.questions]
        if len(set(keys)) != len(keys) or len(keys) < MIN_QUESTIONS:
            raise ValueError(f"a page asks at least {MIN_QUESTIONS} distinct questions")

    def by_key(self, key: str) -> Question:
        return next(q for q in self.questions if q.key == key)


def checker(
    rules: Mapping[str, Callable[[Question], Finding]],
) -> Callable[[Question], Finding]:
    """One checker from a rule per question key (a topic's questions.py)."""

    def check(q: Question) -> Finding:
        return rules[q.key](q)

    return check


def pooled_shape(mask: object, cell: tuple[int, int]) -> str:
    """What a 2-D pooled set (examples × features, a boolean array) is, seen
    from ``cell``: "column" (its feature over every example), "row" (every
    feature of its example), "part of row" (some features of its example),
    "cell", "all", or "other". The answer most axis questions ask for."""
    import numpy as np

    m = np.asarray(mask, dtype=bool)
    r, c = cell
    rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
    if m.all():
        return "all"
    if len(rows) == 1 and len(cols) == 1:
        return "cell"
    if list(cols) == [c] and len(rows) == m.shape[0]:
        return "column"
    if list(rows) == [r]:
        return "row" if len(cols) == m.shape[1] else "part of row"
    return "other"
