"""The Train vs eval page's settings, its scenarios' settings and its link rules
(the rules every page's links follow: `lab.core.page.PageSpec`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, ClassVar

from lab.core.helpers import MAX_SEED, fmt
from lab.core.page import Check, PageSpec, scenarios
from lab.core.params import Choice, Ints, Num, Spec
from lab.train_eval.stream import (
    CUMULATIVE,
    MAX_BATCH,
    MAX_FEATURES,
    MAX_STEPS,
    METRICS,
    MOMENTA,
    PAGE_FAMILIES,
    PATTERNS,
    PITFALLS,
    StreamSpec,
)
from lab.train_eval.texts import SCENARIO_TEXT


@dataclass(frozen=True)
class TrainEvalState:
    """Every setting of the Train vs eval page; the URL holds exactly these."""

    scenario: str = "drift"
    norm: str = "batch"
    batch: int = 16
    features: int = 4
    momentum: float | None = 0.1
    shift: float = 2.0
    scale: float = 1.5
    pattern: str = "ramp"
    seed: int = 0
    step: int = 100
    focus: tuple[int, int] = (0, 0)  # example, feature
    pitfall: str = "eval"
    metric: str = "accuracy"
    cshift: float = 1.0
    cseed: int = 0

    @property
    def stream(self) -> StreamSpec:
        return StreamSpec(
            batch=self.batch,
            features=self.features,
            shift=self.shift,
            scale=self.scale,
            pattern=self.pattern,
            seed=self.seed,
        )


class Momentum:
    """URL spec for momentum: a number snapped to `MOMENTA`, or ``none`` for
    torch's cumulative average (``momentum=None``)."""

    none_is_value: ClassVar[bool] = True  # "none" parses to None

    def parse(self, raw: str) -> tuple[Any, str | None]:
        if raw.lower() in (CUMULATIVE, "cumulative"):
            return None, None
        try:
            v = float(raw)
        except ValueError:
            return None, "not a number or 'none'"
        if not math.isfinite(v) or not 0 < v <= 1:
            return None, "must lie in (0, 1] or be 'none'"
        best = min((m for m in MOMENTA if m is not None), key=lambda m: abs(m - v))
        if not math.isclose(best, v, rel_tol=1e-9):
            return best, f"snapped to {best:g}"
        return best, None

    def format(self, value: Any) -> str:
        return CUMULATIVE if value is None else f"{value:g}"


SCENARIO_PARAMS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "drift": {},
        "jump": {
            "pattern": "jump",
            "shift": 3.0,
            "scale": 1.0,
            "step": 103,
            "pitfall": "stale",
        },
        "cumulative": {"momentum": None, "step": 200},
        "fast": {"momentum": 1.0, "batch": 4, "step": 120},
        "tiny": {"batch": 2, "step": 100},
        "one": {"batch": 1, "step": 100, "pitfall": "eval"},
        "layer": {"norm": "layer", "pattern": "jump", "shift": 3.0, "step": 103},
        "finetune": {"pitfall": "finetune"},
        "dropout": {"pitfall": "dropout"},
    }
)
SCENARIOS = scenarios(SCENARIO_PARAMS, SCENARIO_TEXT)
DEFAULT_SCENARIO = "drift"

NUMERIC: Mapping[str, Num] = MappingProxyType(
    {
        "batch": Num(1, MAX_BATCH, 1, integer=True),
        "features": Num(1, MAX_FEATURES, 1, integer=True),
        "shift": Num(-4.0, 4.0, 0.1),
        "scale": Num(0.2, 4.0, 0.1),
        "seed": Num(0, MAX_SEED, 1, integer=True),
        "step": Num(0, MAX_STEPS, 1, integer=True),
        "cshift": Num(0.0, 3.0, 0.25),
        "cseed": Num(0, 99, 1, integer=True),
    }
)
SPECS: Mapping[str, Spec] = MappingProxyType(
    {
        **NUMERIC,
        "norm": Choice(PAGE_FAMILIES),
        "pattern": Choice(PATTERNS),
        "pitfall": Choice(PITFALLS),
        "metric": Choice(METRICS),
        "scenario": Choice(("custom", *SCENARIO_PARAMS)),
        "momentum": Momentum(),
        "focus": Ints(2, "example,feature"),
    }
)


def clean(state: TrainEvalState) -> TrainEvalState:
    """Make cross-field constraints hold: the focused cell lies inside the batch."""
    n, f = state.focus
    focus = (
        min(max(int(n), 0), state.batch - 1),
        min(max(int(f), 0), state.features - 1),
    )
    return replace(state, focus=focus)


PAGE: PageSpec[TrainEvalState] = PageSpec(
    TrainEvalState,
    SPECS,
    SCENARIOS,
    default=DEFAULT_SCENARIO,
    # moving through the stream, looking at another family, cell or pitfall is
    # how a scenario is explored
    explore={"norm", "seed", "step", "focus", "pitfall", "metric", "cshift", "cseed"},
    keep={"seed", "focus", "metric", "cseed", "cshift"},
    clean=clean,
    checks=(Check("focus", lambda s: "outside the batch"),),
)


def momentum_label(m: float | None) -> str:
    """How the page names a momentum: ``0.1``, or ``None (cumulative)``."""
    return "None (cumulative)" if m is None else fmt(m)
