"""The Tensor view's predict-then-reveal questions (lab.core.questions), and
the checker that answers each from the engine at the view that reveals it."""

from __future__ import annotations

from lab.core.helpers import fmt
from lab.core.questions import Finding, Question, Quiz, checker
from lab.tensor.model import build_view
from lab.tensor.state import PAGE

FAMILIES = (
    ("batch", "BatchNorm"),
    ("layer", "LayerNorm"),
    ("instance", "InstanceNorm"),
    ("none", "None of them"),
)

QUESTIONS = (
    Question(
        "group1",
        "GroupNorm with **G = 1** group: which family pools exactly the same cells?",
        FAMILIES,
        "layer",
        "One group holds every channel of an example: GroupNorm(1, C) pools "
        "the whole example, C·H·W cells, as LayerNorm over (C, H, W) does.",
        {"scenario": "layer"},
    ),
    Question(
        "groupc",
        "GroupNorm with **G = C** groups (here 6): which family does it become?",
        FAMILIES,
        "instance",
        "One channel per group: each (example, channel) pair gets its own "
        "statistics over H·W positions, which is InstanceNorm.",
        {"scenario": "instance"},
    ),
    Question(
        "pitfall",
        "Is GroupNorm(1, C) on an image the same as a transformer's "
        "`nn.LayerNorm(C)` on its tokens (channels last)?",
        (
            ("same", "Yes: both normalize over the channels"),
            ("differ", "No: nn.LayerNorm(C) gives every position its own statistics"),
        ),
        "differ",
        "nn.LayerNorm(C) normalizes the last axis only: each of the H·W "
        "positions of each example gets its own (μ, σ) over its C channels. "
        "GroupNorm(1, C) shares one (μ, σ) over the whole example, so a "
        "bright patch darkens every position of the image.",
        {"scenario": "pitfall"},
    ),
    Question(
        "count",
        "N = 4 images, C = 6 channels, 3 × 3 positions: how many (μ, σ) pairs "
        "does **BatchNorm** keep?",
        (
            ("n", "4 (N)"),
            ("c", "6 (C)"),
            ("nc", "24 (N·C)"),
            ("all", "216 (every cell)"),
        ),
        "c",
        "BatchNorm pools each channel over the batch and every position: one "
        "pair per channel, whatever the batch size.",
        {"scenario": "figure"},
    ),
)


def _same_as(q: Question) -> Finding:
    view = build_view(PAGE.parse(q.reveal)[0])
    twins = [
        a if b == "group" else b for a, b, _ in view.equivalences if "group" in (a, b)
    ]
    choice = twins[0] if twins else "none"
    g = view.state.groups
    return Finding(
        choice,
        f"With G = {g}, GroupNorm keeps {view.readouts['group'].num_stats} pairs "
        f"of {view.readouts['group'].pool_size} cells each.",
    )


def _pitfall(q: Question) -> Finding:
    view = build_view(PAGE.parse(q.reveal)[0])
    p = view.pitfall
    return Finding(
        "differ" if p.max_abs_diff > 1e-4 else "same",
        f"The two outputs differ by up to {fmt(p.max_abs_diff)}; GroupNorm(1, C) "
        f"keeps {p.group1_stats} pairs, nn.LayerNorm(C) {p.token_stats}.",
    )


def _count(q: Question) -> Finding:
    view = build_view(PAGE.parse(q.reveal)[0])
    s = view.state
    n = view.readouts["batch"].num_stats
    by_value = {
        s.batch: "n",
        s.channels: "c",
        s.batch * s.channels: "nc",
        view.x.size: "all",
    }
    return Finding(by_value.get(n, "none"), f"BatchNorm keeps {n} (μ, σ) pairs here.")


QUIZ = Quiz(
    QUESTIONS,
    checker(
        {"group1": _same_as, "groupc": _same_as, "pitfall": _pitfall, "count": _count}
    ),
)
