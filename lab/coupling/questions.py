"""Batch coupling's predict-then-reveal questions (lab.core.questions), and
the checker that answers each from the engine at the view that reveals it."""

from __future__ import annotations

import numpy as np

from lab.core.helpers import fmt, noun, plural
from lab.core.questions import Finding, Question, Quiz, checker, pooled_shape
from lab.coupling.model import probe, spread_at
from lab.coupling.state import PAGE

MOVED = (
    ("row", "Example 0's outputs only: its row"),
    ("column", "Feature 0 in every example: its column"),
    ("cell", "Only the nudged cell"),
    ("all", "Every output of the batch"),
)

QUESTIONS = (
    Question(
        "shrink",
        "The batch shrinks from 32 to **2**. Redraw the example's batch-mates "
        "again and again: whose output moves more, BatchNorm's or LayerNorm's?",
        (
            ("batch", "BatchNorm's"),
            ("layer", "LayerNorm's"),
            ("same", "They move the same"),
        ),
        "batch",
        "BatchNorm's statistics come from the batch: with one batch-mate they "
        "are mostly that mate, so the example's output swings with whoever "
        "it is. LayerNorm's come from the example alone: its output never "
        "moves, at any batch size.",
        {"view": "spread", "batch": "2"},
    ),
    Question(
        "nudge_batch",
        "BatchNorm in training: nudge **one cell** of example 0 (feature 0). "
        "Which outputs move?",
        MOVED,
        "column",
        "The cell is in its feature's batch statistics, so every example's "
        "output of that feature moves a little: the coupling is the column.",
        {"scenario": "nudge_batch"},
    ),
    Question(
        "nudge_layer",
        "The same nudge under **LayerNorm**: which outputs move?",
        MOVED,
        "row",
        "LayerNorm pools the example's own features: the nudge reaches every "
        "output of that example and no other example's.",
        {"scenario": "nudge_layer"},
    ),
    Question(
        "nudge_eval",
        "BatchNorm in **eval** mode: does nudging example 0 move any other "
        "example's output?",
        (
            ("yes", "Yes, through the batch statistics"),
            ("no", "No: eval mode uses fixed running statistics"),
        ),
        "no",
        "In eval mode BatchNorm normalizes with running_mean and running_var, "
        "learned in training and fixed now: each example is on its own.",
        {"scenario": "nudge_eval"},
    ),
)


def _shrink(q: Question) -> Finding:
    s = PAGE.parse(q.reveal)[0]
    point = spread_at(s.population, 0, 0, s.batch, s.resamples, s.groups)
    bn, ln = point.spread["batch"], point.spread["layer"]
    choice = "same" if np.isclose(bn, ln) else ("batch" if bn > ln else "layer")
    return Finding(
        choice,
        f"Over {s.resamples} redrawn batches of {s.batch}, BatchNorm's output "
        f"spreads by {fmt(bn)}, LayerNorm's by {fmt(ln)}.",
    )


def _nudge(q: Question) -> Finding:
    s = PAGE.parse(q.reveal)[0]
    pr = probe(s.population, s.batch, s.norm, s.groups, s.training, s.focus)
    moved = pr.column != 0
    evidence = (
        f"{plural(pr.moved_outputs, 'output')} of {moved.size} "
        f"{noun(pr.moved_outputs, 'moves', 'move')}, in "
        f"{plural(pr.moved_examples, 'example')}."
    )
    if q.key == "nudge_eval":
        return Finding("yes" if pr.moved_examples > 1 else "no", evidence)
    return Finding(pooled_shape(moved, s.focus), evidence)


QUIZ = Quiz(
    QUESTIONS,
    checker(
        {
            "shrink": _shrink,
            "nudge_batch": _nudge,
            "nudge_layer": _nudge,
            "nudge_eval": _nudge,
        }
    ),
)
