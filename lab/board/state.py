"""The Lab page's settings, its scenarios' settings, and its link rules.

The rules every page's links follow are `lab.core.page.PageSpec`'s; this module
declares what is the Lab's own: the settings, their ranges, the scenarios'
settings (their words: `lab.board.texts`) and the rules between settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from lab.board.texts import SCENARIO_TEXT
from lab.core.activations import MAX_BATCH, MAX_FEATURES, ActivationSpec
from lab.core.helpers import MAX_SEED, nearest_divisor
from lab.core.page import Check, PageSpec, scenarios
from lab.core.params import Choice, Eps, Ints, Num, Spec

BOARD_FAMILIES: tuple[str, ...] = ("batch", "layer", "rms", "group")
EPS_CHOICES: tuple[float | None, ...] = (
    None,
    1e-8,
    1e-6,
    1e-5,
    1e-4,
    1e-3,
    1e-2,
    1e-1,
    1.0,
)
"""ε options; ``None`` is torch.nn's default for the family."""


@dataclass(frozen=True)
class BoardState:
    """Every setting of the Lab page; the URL holds exactly these."""

    norm: str = "batch"
    batch: int = 32
    features: int = 16
    groups: int = 4
    shift: float = 1.5
    drift: float = 0.5
    offset: float = 0.0
    spread: float = 0.0
    outlier: float = 1.0
    seed: int = 0
    gamma: float = 1.0
    beta: float = 0.0
    eps: float | None = None
    mode: str = "train"
    stale: float = 0.0
    focus: tuple[int, int] = (0, 0)
    scenario: str = "stable"
    colors: str = "shared"

    @property
    def activations(self) -> ActivationSpec:
        return ActivationSpec(
            batch=self.batch,
            features=self.features,
            shift=self.shift,
            drift=self.drift,
            offset=self.offset,
            spread=self.spread,
            outlier=self.outlier,
            seed=self.seed,
        )

    @property
    def training(self) -> bool:
        return self.mode == "train"


SCENARIO_PARAMS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "stable": {"norm": "batch"},
        "tiny": {"norm": "batch", "batch": 4},
        "one": {"norm": "batch", "batch": 1},
        "shifted": {"norm": "batch", "shift": 4.0, "drift": 1.5},
        "outlier": {"norm": "batch", "outlier": 30.0},
        "mixed": {"norm": "batch", "shift": 0.5, "drift": 0.3, "spread": 1.5},
        "rms_mean": {"norm": "rms", "shift": 0.0, "drift": 0.0, "offset": 2.0},
        "grouped": {"norm": "group", "groups": 4},
        "serving": {"norm": "batch", "batch": 1, "mode": "eval"},
        "stale": {"norm": "batch", "mode": "eval", "stale": 2.0},
    }
)
SCENARIOS = scenarios(SCENARIO_PARAMS, SCENARIO_TEXT)

NUMERIC: Mapping[str, Num] = MappingProxyType(
    {
        "batch": Num(1, MAX_BATCH, 1, integer=True),
        "features": Num(1, MAX_FEATURES, 1, integer=True),
        "groups": Num(1, MAX_FEATURES, 1, integer=True),
        "shift": Num(0.0, 5.0, 0.1),
        "drift": Num(0.0, 2.0, 0.1),
        "offset": Num(0.0, 5.0, 0.1),
        "spread": Num(0.0, 2.0, 0.1),
        "outlier": Num(1.0, 100.0, 1.0),
        "seed": Num(0, MAX_SEED, 1, integer=True),
        "gamma": Num(-3.0, 3.0, 0.1),
        "beta": Num(-3.0, 3.0, 0.1),
        "stale": Num(0.0, 5.0, 0.1),
    }
)
SPECS: Mapping[str, Spec] = MappingProxyType(
    {
        **NUMERIC,
        "norm": Choice(BOARD_FAMILIES),
        "mode": Choice(("train", "eval")),
        "scenario": Choice(("custom", *SCENARIO_PARAMS)),
        "colors": Choice(("shared", "own")),
        "eps": Eps(EPS_CHOICES),
        "focus": Ints(2),
    }
)


def clean(state: BoardState) -> BoardState:
    """Make the rules between settings hold: groups divide the features, the
    focused cell lies inside the matrix."""
    r, c = state.focus
    return replace(
        state,
        groups=nearest_divisor(state.features, state.groups),
        focus=(min(max(r, 0), state.batch - 1), min(max(c, 0), state.features - 1)),
    )


PAGE: PageSpec[BoardState] = PageSpec(
    BoardState,
    SPECS,
    SCENARIOS,
    default="stable",
    # switching family is how a scenario is explored: it never ends one
    explore={"norm"},
    free={"seed", "focus", "colors"},
    keep={"seed", "focus", "colors"},
    clean=clean,
    checks=(
        Check("groups", lambda s: f"must divide {s.features} features"),
        Check("focus", lambda s: "outside the matrix"),
    ),
    refuse={
        "norm": {
            "instance": "InstanceNorm needs positions to pool over: see Tensor view"
        }
    },
)
