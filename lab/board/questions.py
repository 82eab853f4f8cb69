"""The Lab's predict-then-reveal questions (lab.core.questions), and the
checker that answers each from the engine at the view that reveals it."""

from __future__ import annotations

import numpy as np

from lab.board.model import build_board
from lab.board.state import PAGE
from lab.core.helpers import fmt
from lab.core.questions import Finding, Question, Quiz, checker, pooled_shape

SETS = (
    ("column", "Feature 5 in every example: its column"),
    ("row", "Every feature of example 3: its row"),
    ("part of row", "A few features of example 3"),
    ("all", "Every cell of the batch"),
)

QUESTIONS = (
    Question(
        "axis_bn",
        "Under **BatchNorm**, which cells share the mean and variance that "
        "normalize example 3, feature 5?",
        SETS,
        "column",
        "BatchNorm keeps one (μ, σ) per feature, pooled down the column over "
        "the whole batch: that is why an example's output depends on the "
        "other examples in its batch.",
        {"norm": "batch", "focus": "3,5"},
    ),
    Question(
        "axis_ln",
        "Now **LayerNorm**, same cell: which cells share its statistics?",
        SETS,
        "row",
        "LayerNorm keeps one (μ, σ) per example, pooled along its row of "
        "features: the same recipe as BatchNorm on the other axis, so no "
        "example ever sees another.",
        {"norm": "layer", "focus": "3,5"},
    ),
    Question(
        "one",
        "BatchNorm in training on a **batch of one** example: what comes out?",
        (
            ("input", "The input, unchanged"),
            ("beta", "β in every cell (0 here), whatever the input"),
            ("layer", "What LayerNorm would give"),
        ),
        "beta",
        "With one example each feature's batch mean is the value itself and "
        "its variance 0, so every x − μ is 0 and the output is β. torch.nn "
        "refuses to run this case; the lab shows what the formula gives.",
        {"scenario": "one"},
    ),
    Question(
        "rms_mean",
        "**RMSNorm** on examples that each sit well above or below zero (a "
        "per-example offset): what is the mean of each example's output?",
        (
            ("zero", "0, as after LayerNorm"),
            ("kept", "Not 0: each example keeps the sign and part of its offset"),
            ("same", "The same non-zero value for every example"),
        ),
        "kept",
        "RMSNorm divides by the root mean square and never subtracts the "
        "mean, so a row that sat above zero still does, scaled to RMS 1: its "
        "mean is μ/RMS, between −1 and 1.",
        {"scenario": "rms_mean"},
    ),
)


def _set(q: Question) -> Finding:
    board = build_board(PAGE.parse(q.reveal)[0])
    r, c = board.state.focus
    mask = board.result.pooled_with((r, c)).numpy()
    return Finding(
        pooled_shape(mask, (r, c)),
        f"The outline holds {int(mask.sum())} cells; the layer keeps "
        f"{board.result.num_stats} (μ, σ) pairs.",
    )


def _one(q: Question) -> Finding:
    board = build_board(PAGE.parse(q.reveal)[0])
    beta = board.state.beta
    off = float(np.abs(board.y.astype(np.float64) - beta).max())
    same = np.allclose(board.y, board.x)
    choice = "beta" if off < 1e-6 else ("input" if same else "layer")
    return Finding(choice, f"The largest |y − β| over the batch is {fmt(off)}.")


def _rms_mean(q: Question) -> Finding:
    board = build_board(PAGE.parse(q.reveal)[0])
    means = board.y.astype(np.float64).mean(axis=1)
    if float(np.median(np.abs(means))) < 0.05:
        choice = "zero"
    else:
        choice = "same" if np.ptp(means) < 0.05 else "kept"
    return Finding(
        choice,
        f"The examples' output means run from {fmt(means.min())} to "
        f"{fmt(means.max())}; their RMS is 1.",
    )


QUIZ = Quiz(
    QUESTIONS,
    checker({"axis_bn": _set, "axis_ln": _set, "one": _one, "rms_mean": _rms_mean}),
)
