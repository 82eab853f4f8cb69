"""Choose a norm's predict-then-reveal questions (lab.core.questions), and the
checker that answers each from the page's own flow and cost calculator at the
view that reveals it."""

from __future__ import annotations

from lab.choose.cost import count, family_cost, sync
from lab.choose.flow import recommend
from lab.choose.state import PAGE
from lab.core.questions import Finding, Question, Quiz, checker

QUESTIONS = (
    Question(
        "detector",
        "A detector trains on **2 images per GPU** over 8 GPUs. Which norm does "
        "the flow pick for it?",
        (
            ("batch", "BatchNorm: 16 images in all is a batch"),
            ("group", "GroupNorm"),
            ("layer", "LayerNorm"),
            ("instance", "InstanceNorm"),
        ),
        "group",
        "BatchNorm's statistics come from each GPU's own 2 images unless "
        "SyncBatchNorm gathers them; with 2–4 per device its estimates are too "
        "noisy. GroupNorm pools channels within one image, so the batch size "
        "does not matter (Wu & He 2018).",
        {"scenario": "detector"},
    ),
    Question(
        "params",
        "One LayerNorm over a hidden size of **1,024**, in a transformer at batch "
        "32 and sequence 512: how many parameters does it learn?",
        (
            ("c", "1,024: one γ per feature"),
            ("two_c", "2,048: a γ and a β per feature"),
            ("all", "About 16 M: one per element it normalizes"),
        ),
        "two_c",
        "γ and β have one entry per feature, whatever the batch and the "
        "sequence: 2 × 1,024. The 16 M is how many elements it reduces per "
        "step, which is where its cost is.",
        {"scenario": "lm"},
    ),
    Question(
        "sync",
        "SyncBatchNorm over 8 GPUs, a layer of 1,024 channels. How many numbers "
        "does each GPU send into the forward pass's all-gather?",
        (
            ("c", "1,024: one mean per channel"),
            ("two_c_one", "2,049: a mean and 1/σ per channel, and its count"),
            ("all", "Every activation of the layer"),
        ),
        "two_c_one",
        "SyncBatchNorm shares statistics, not activations: each device sends "
        "its per-channel mean and inverse standard deviation and how many "
        "examples they came from, and every device combines them.",
        {"scenario": "resnet", "kind": "conv", "hidden": "1024"},
    ),
)


def _detector(q: Question) -> Finding:
    s = PAGE.parse(q.reveal)[0]
    advice = recommend(s.answers)
    return Finding(
        advice.pick,
        f"The flow says {advice.name} (runner-up {advice.runner_up_name}) for "
        f"{s.per_device} examples per device on {s.devices} devices.",
    )


def _params(q: Question) -> Finding:
    layer = PAGE.parse(q.reveal)[0].layer
    cost = family_cost(layer, "layer")
    by_count = {layer.hidden: "c", 2 * layer.hidden: "two_c"}
    return Finding(
        by_count.get(cost.params, "all"),
        f"γ {count(cost.gamma)} + β {count(cost.beta)} = {count(cost.params)} "
        f"parameters; {count(cost.elements)} elements reduced per step.",
    )


def _sync(q: Question) -> Finding:
    layer = PAGE.parse(q.reveal)[0].layer
    s = sync(layer)
    by_count = {layer.hidden: "c", 2 * layer.hidden + 1: "two_c_one"}
    return Finding(
        by_count.get(s.forward, "all"),
        f"Each of {s.devices} devices sends {count(s.forward)} numbers; after the "
        f"all-gather every device holds {count(s.gathered)}.",
    )


QUIZ = Quiz(
    QUESTIONS,
    checker({"detector": _detector, "params": _params, "sync": _sync}),
)
