"""Named teaching scenarios: a few settings of the board and the sentence that goes
with them. Data, not code, so the sidebar, the URL (``scenario=tiny``), the tests
and the README all read the same list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Scenario:
    """One scenario: ``params`` override the board's defaults."""

    key: str
    title: str
    sentence: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "stable",
        "Stable batch",
        "32 examples whose features each have their own mean and scale. "
        "BatchNorm standardizes every column; LayerNorm every row.",
        {"norm": "batch"},
    ),
    Scenario(
        "tiny",
        "Tiny batch",
        "Only 4 examples share each statistic. BatchNorm still forces each column "
        "to mean 0 and std 1, but which values come out depends on which other "
        "3 examples happened to be in the batch.",
        {"norm": "batch", "batch": 4},
    ),
    Scenario(
        "one",
        "Batch of one",
        "One example in training mode: each BatchNorm column holds a single value, "
        "so x − μ = 0 and every output equals β.",
        {"norm": "batch", "batch": 1},
    ),
    Scenario(
        "shifted",
        "Shifted features",
        "Features with very different means and scales. Without normalization the "
        "next layer would see some features many times larger than others.",
        {"norm": "batch", "shift": 4.0, "drift": 1.5},
    ),
    Scenario(
        "outlier",
        "Outlier example",
        "Example 0 is 30× larger than the rest. In BatchNorm it can dominate a "
        "column's statistics and squash its batch-mates; LayerNorm deals with it "
        "alone.",
        {"norm": "batch", "outlier": 30.0},
    ),
    Scenario(
        "mixed",
        "Mixed-scale examples",
        "Examples differ in overall scale, as token activations in a transformer "
        "can. In BatchNorm the largest examples weigh most in every column's "
        "statistics; LayerNorm and RMSNorm give every example the same scale.",
        {"norm": "batch", "shift": 0.5, "drift": 0.3, "spread": 1.5},
    ),
    Scenario(
        "rms_mean",
        "RMSNorm keeps the mean",
        "Every example carries an offset. RMSNorm rescales without subtracting the "
        "mean (Zhang & Sennrich 2019), so each row's mean survives.",
        {"norm": "rms", "shift": 0.0, "drift": 0.0, "offset": 2.0},
    ),
    Scenario(
        "grouped",
        "GroupNorm in between",
        "16 features in 4 groups of 4: statistics per example and per group "
        "(Wu & He 2018). One group is LayerNorm; one feature per group is "
        "degenerate.",
        {"norm": "group", "groups": 4},
    ),
    Scenario(
        "serving",
        "Serving one example",
        "Eval mode at batch size 1: BatchNorm uses the running statistics it "
        "collected in training, so one example is normalized just fine.",
        {"norm": "batch", "batch": 1, "mode": "eval"},
    ),
    Scenario(
        "stale",
        "Stale running statistics",
        "Eval mode after the data moved by 2 standard deviations per feature. "
        "The running statistics still describe the training data, so the outputs "
        "are no longer centred.",
        {"norm": "batch", "mode": "eval", "stale": 2.0},
    ),
)

SCENARIO_BY_KEY: Mapping[str, Scenario] = MappingProxyType(
    {s.key: s for s in SCENARIOS}
)
