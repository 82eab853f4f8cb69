"""Sequences & padding's predict-then-reveal questions (lab.core.questions),
and the checker that answers each from the engine at the view that reveals it."""

from __future__ import annotations

import math

from lab.core.helpers import fmt
from lab.core.questions import Finding, Question, Quiz, checker
from lab.sequences.model import build_view
from lab.sequences.state import PAGE

CHANGES = (
    ("changes", "Yes: padding changes its output"),
    ("same", "No: exactly the same output as without padding"),
)

QUESTIONS = (
    Question(
        "pads",
        "A ragged batch padded with zeros: under **BatchNorm over every "
        "position**, does padding change a real token's output (against the "
        "same tokens with no pads)?",
        CHANGES,
        "changes",
        "Unmasked, the pads are counted in every channel's mean and variance: "
        "they pull the mean toward 0 and change the variance, so every real "
        "token is normalized with statistics of tokens that do not exist.",
        {"scenario": "ragged"},
    ),
    Question(
        "toy",
        "One sequence 1, 2, 3, 4, 5 padded with five zeros. Which mean does "
        "BatchNorm without a mask use for the channel?",
        (
            ("real", "3.0, the real tokens' mean"),
            ("padded", "1.5: the pads count"),
            ("zero", "0"),
        ),
        "padded",
        "Ten positions, five of them zeros: (1 + 2 + 3 + 4 + 5) / 10 = 1.5. "
        "The variance grows from 2.0 to 3.25. A mask makes the statistics "
        "the real tokens' again.",
        {"scenario": "toy"},
    ),
    Question(
        "masked",
        "BatchNorm **with a padding mask**, the same ragged batch: does padding "
        "still change a real token's output?",
        CHANGES,
        "same",
        "The mask keeps the pads out of the statistics: every channel's mean "
        "and variance are the real tokens' own, as if the batch were packed. "
        "Only rounding can differ.",
        {"scenario": "masked"},
    ),
    Question(
        "layer",
        "**LayerNorm** on the same batch: a real token's output with its "
        "padding, and with none?",
        CHANGES,
        "same",
        "LayerNorm normalizes each token over its own channels: no other "
        "position, pad or real, is in its statistics. That is one reason "
        "transformers use it: the answer is the same to the bit.",
        {"scenario": "layer"},
    ),
)


def _changes(q: Question) -> Finding:
    s = PAGE.parse(q.reveal)[0]
    fam = build_view(s.spec).families[s.norm]
    change = fam.change
    # the mask's statistics are the packed batch's up to float32 rounding
    choice = "same" if change is not None and change < 1e-5 else "changes"
    return Finding(
        choice,
        "The largest change padding makes to a real token's output is "
        f"{fmt(change, small=True)}.",
    )


def _toy(q: Question) -> Finding:
    s = PAGE.parse(q.reveal)[0]
    ch = build_view(s.spec).channels
    mean, real = float(ch.all_mean[0]), float(ch.real_mean[0])
    by_value = {"real": real, "padded": mean, "zero": 0.0}
    if math.isclose(mean, real):  # no pads counted: the real tokens' mean
        by_value["padded"] = math.nan
    return Finding(
        min(by_value, key=lambda k: abs(by_value[k] - mean)),
        f"Mean over every position {fmt(mean)}, over the real tokens "
        f"{fmt(real)}; variance {fmt(float(ch.all_var[0]))} against "
        f"{fmt(float(ch.real_var[0]))}.",
    )


QUIZ = Quiz(
    QUESTIONS,
    checker({"pads": _changes, "toy": _toy, "masked": _changes, "layer": _changes}),
)
