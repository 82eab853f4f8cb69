"""The Tensor view's settings, its scenarios' settings, and its link rules
(the rules every page's links follow: `lab.core.page.PageSpec`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from lab.core.helpers import MAX_SEED, nearest_divisor
from lab.core.page import Check, PageSpec, scenarios
from lab.core.params import Choice, Ints, Num, Spec
from lab.tensor.data import MAX_C, MAX_N, MAX_SIDE, TensorSpec
from lab.tensor.texts import SCENARIO_TEXT

TENSOR_FAMILIES: tuple[str, ...] = ("batch", "layer", "instance", "group")
"""The four families of Wu & He's Figure 2, in its order."""
VIEWS: tuple[str, ...] = ("all", "one")


@dataclass(frozen=True)
class TensorState:
    """Every setting of the Tensor view; the URL holds exactly these."""

    view: str = "all"
    norm: str = "group"
    batch: int = 4
    channels: int = 6
    height: int = 3
    width: int = 3
    groups: int = 2
    shift: float = 1.0
    spot: float = 2.0
    seed: int = 0
    focus: tuple[int, int, int, int] = (0, 0, 0, 0)
    scenario: str = "figure"

    @property
    def spec(self) -> TensorSpec:
        return TensorSpec(
            batch=self.batch,
            channels=self.channels,
            height=self.height,
            width=self.width,
            shift=self.shift,
            spot=self.spot,
            seed=self.seed,
        )


SCENARIO_PARAMS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "figure": {"view": "all"},
        "layer": {"view": "all", "groups": 1},
        "instance": {"view": "all", "groups": 6},
        "one_image": {"view": "all", "batch": 1, "height": 4, "width": 4},
        "pitfall": {"view": "one", "norm": "group", "groups": 1, "spot": 3.0},
        "pixels": {"view": "all", "height": 1, "width": 1, "batch": 6},
    }
)

SCENARIOS = scenarios(SCENARIO_PARAMS, SCENARIO_TEXT)

NUMERIC: Mapping[str, Num] = MappingProxyType(
    {
        "batch": Num(1, MAX_N, 1, integer=True),
        "channels": Num(1, MAX_C, 1, integer=True),
        "height": Num(1, MAX_SIDE, 1, integer=True),
        "width": Num(1, MAX_SIDE, 1, integer=True),
        "groups": Num(1, MAX_C, 1, integer=True),
        "shift": Num(0.0, 5.0, 0.1),
        "spot": Num(0.0, 5.0, 0.1),
        "seed": Num(0, MAX_SEED, 1, integer=True),
    }
)
SPECS: Mapping[str, Spec] = MappingProxyType(
    {
        **NUMERIC,
        "view": Choice(VIEWS),
        "norm": Choice(TENSOR_FAMILIES),
        "scenario": Choice(("custom", *SCENARIO_PARAMS)),
        "focus": Ints(4, "n,c,h,w"),
    }
)


def clean(state: TensorState) -> TensorState:
    """Make cross-field constraints hold: G divides C, the focus lies inside."""
    limits = (state.batch, state.channels, state.height, state.width)
    pairs = zip(state.focus, limits, strict=True)
    focus = tuple(min(max(int(i), 0), m - 1) for i, m in pairs)
    return replace(
        state,
        groups=nearest_divisor(state.channels, state.groups),
        focus=focus,  # type: ignore[arg-type]
    )


PAGE: PageSpec[TensorState] = PageSpec(
    TensorState,
    SPECS,
    SCENARIOS,
    default="figure",
    # looking at another family, layout or cell is how a scenario is explored
    explore={"view", "norm", "seed", "focus"},
    keep={"seed", "focus"},
    clean=clean,
    checks=(
        Check("groups", lambda s: f"must divide {s.channels} channels"),
        Check("focus", lambda s: "outside the tensor"),
    ),
)
