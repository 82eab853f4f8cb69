"""Train vs eval's predict-then-reveal questions (lab.core.questions), and
the checker that answers each from the engine at the view that reveals it."""

from __future__ import annotations

import numpy as np

from lab.core.helpers import fmt
from lab.core.questions import Finding, Question, Quiz, checker
from lab.train_eval.model import build_live
from lab.train_eval.state import PAGE

APART = (
    ("zero", "Exactly the same: a difference of 0"),
    ("small", "A little apart (under 0.1)"),
    ("far", "Far apart (more than 1 somewhere)"),
)

QUESTIONS = (
    Question(
        "layer",
        "**LayerNorm**, right after the stream's mean jumps: the same batch in "
        "train mode and in eval mode. How far apart are the outputs?",
        APART,
        "zero",
        "LayerNorm has no running statistics: it normalizes each example with "
        "its own mean and variance in both modes, so `model.eval()` changes "
        "nothing. train = eval holds for LayerNorm and RMSNorm, never for "
        "BatchNorm.",
        {"scenario": "layer"},
    ),
    Question(
        "jump",
        "**BatchNorm**, three batches after the stream's mean jumps by 3 "
        "standard deviations: the same batch in train and eval mode?",
        APART,
        "far",
        "Train mode uses this batch's statistics, eval mode the running ones, "
        "which still remember the data before the jump (momentum 0.1 forgets "
        "about a tenth per batch).",
        {"scenario": "jump"},
    ),
    Question(
        "one",
        "BatchNorm served **one example at a time** in train mode (forgot "
        "`model.eval()`): what does each output become?",
        (
            ("beta", "β in every feature (0 here), whatever the example"),
            ("eval", "What eval mode gives"),
            ("input", "The example, unchanged"),
        ),
        "beta",
        "Alone, each feature's batch mean is the value itself: x − μ = 0 and "
        "the output is β. torch.nn refuses this case in train mode; in eval "
        "mode the running statistics serve one example correctly.",
        {"scenario": "one"},
    ),
)


def _apart(q: Question) -> Finding:
    view = build_live(PAGE.parse(q.reveal)[0])
    d = view.comparison.max_diff
    choice = "zero" if d == 0 else ("small" if d < 0.1 else "far" if d > 1 else "?")
    return Finding(
        choice,
        f"At step {view.state.step} the largest |eval − train| over the batch "
        f"is {fmt(d)}.",
    )


def _one(q: Question) -> Finding:
    view = build_live(PAGE.parse(q.reveal)[0])
    comp = view.comparison
    off = float(np.abs(comp.alone_train).max())  # γ = 1, β = 0 on this page
    if off < 1e-6:
        choice = "beta"
    elif np.allclose(comp.alone_train, comp.alone_eval, atol=1e-5):
        choice = "eval"
    else:
        choice = "input"
    return Finding(
        choice,
        f"Served alone in train mode the largest |output| is {fmt(off)}; "
        f"in eval mode the outputs reach {fmt(float(np.abs(comp.alone_eval).max()))}.",
    )


QUIZ = Quiz(QUESTIONS, checker({"layer": _apart, "jump": _apart, "one": _one}))
