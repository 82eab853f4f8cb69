"""The Batch coupling page's settings, its scenarios' settings and its link
rules (the rules every page's links follow: `lab.core.page.PageSpec`). Parameter
names follow the Lab page where the meaning is the same (`norm`,
`batch`, `features`, `groups`, `mode`, `seed`, `focus`, `scenario`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from lab.core.helpers import MAX_SEED, divisors, nearest_divisor
from lab.core.page import Check, PageSpec, scenarios
from lab.core.params import Choice, Ints, Num, Spec
from lab.coupling.batches import MAX_DEVICES
from lab.coupling.model import (
    FAMILIES,
    MAX_BATCH,
    MAX_FEATURES,
    MAX_GAP,
    MAX_RESAMPLES,
    Population,
)
from lab.coupling.texts import SCENARIO_TEXT

VIEWS: tuple[str, ...] = ("spread", "probe", "oneclass", "ghost", "devices", "accum")
DEFAULT_SCENARIO = "room"


@dataclass(frozen=True)
class CouplingState:
    """Every setting of the Batch coupling page; the URL holds exactly these."""

    view: str = "spread"
    norm: str = "batch"
    mode: str = "train"
    batch: int = 16
    features: int = 16
    groups: int = 4
    gap: float = 2.0
    ghost: int = 4
    devices: int = 4
    resamples: int = 500
    seed: int = 0
    focus: tuple[int, int] = (0, 0)
    scenario: str = DEFAULT_SCENARIO

    @property
    def population(self) -> Population:
        return Population(features=self.features, gap=self.gap, seed=self.seed)

    @property
    def training(self) -> bool:
        return self.mode == "train"

    @property
    def ghosts(self) -> int:
        """How many ghost batches the batch is cut into."""
        return self.batch // self.ghost


SCENARIO_PARAMS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "room": {"view": "spread", "batch": 16},
        "tiny": {"view": "spread", "batch": 4},
        "nudge_batch": {"view": "probe", "norm": "batch"},
        "nudge_layer": {"view": "probe", "norm": "layer"},
        "nudge_eval": {"view": "probe", "norm": "batch", "mode": "eval"},
        "one_class": {"view": "oneclass", "gap": 3.0},
        "ghost": {"view": "ghost", "batch": 64, "ghost": 8},
        "gpus": {"view": "devices", "batch": 32, "devices": 8},
        "accum": {"view": "accum", "batch": 64, "ghost": 16, "devices": 8},
    }
)
SCENARIOS = scenarios(SCENARIO_PARAMS, SCENARIO_TEXT)

NUMERIC: Mapping[str, Num] = {
    "batch": Num(1, MAX_BATCH, 1, integer=True),
    "features": Num(1, MAX_FEATURES, 1, integer=True),
    "groups": Num(1, MAX_FEATURES, 1, integer=True),
    "gap": Num(0.0, MAX_GAP, 0.5),
    "ghost": Num(1, MAX_BATCH, 1, integer=True),
    "devices": Num(1, MAX_DEVICES, 1, integer=True),
    "resamples": Num(100, MAX_RESAMPLES, 100, integer=True),
    "seed": Num(0, MAX_SEED, 1, integer=True),
}

CHOICES: Mapping[str, tuple[str, ...]] = {
    "view": VIEWS,
    "norm": FAMILIES,
    "mode": ("train", "eval"),
    "scenario": ("custom", *SCENARIO_PARAMS),
}

SPECS: Mapping[str, Spec] = {
    **NUMERIC,
    **{name: Choice(options) for name, options in CHOICES.items()},
    "focus": Ints(2, "example,feature"),
}


def ghost_sizes(batch: int) -> list[int]:
    """Valid ghost-batch sizes: the divisors of the batch (equal ghost batches)."""
    return divisors(batch)


def clean(state: CouplingState) -> CouplingState:
    """Make cross-field constraints hold: G | F, ghost | B, K ≤ B, focus inside."""
    r, c = state.focus
    return replace(
        state,
        groups=nearest_divisor(state.features, state.groups),
        ghost=nearest_divisor(state.batch, state.ghost),
        devices=min(state.devices, state.batch),
        focus=(min(max(r, 0), state.batch - 1), min(max(c, 0), state.features - 1)),
    )


PAGE: PageSpec[CouplingState] = PageSpec(
    CouplingState,
    SPECS,
    SCENARIOS,
    default=DEFAULT_SCENARIO,
    # a scenario opens its panel, but looking at another panel is looking
    # around, not changing the experiment (the link still records the view)
    explore={"view"},
    free={"seed", "focus", "resamples", "norm", "mode"},
    keep={"seed", "focus", "resamples"},
    clean=clean,
    checks=(
        Check("groups", lambda s: f"must divide {s.features} features"),
        Check("ghost", lambda s: f"must divide the batch of {s.batch}"),
        Check("devices", lambda s: f"at most one per example, {s.batch}"),
        Check("focus", lambda s: "outside the batch"),
    ),
    refuse={"norm": {"instance": "InstanceNorm needs positions to pool over"}},
)
