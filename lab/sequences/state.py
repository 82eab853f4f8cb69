"""The Sequences & padding page's settings, its scenarios' settings and its link
rules (the rules every page's links follow: `lab.core.page.PageSpec`).
Parameter names follow the Lab where the meaning is the same (`norm`, `batch`,
`features`, `shift`, `drift`, `offset`, `spread`, `outlier`, `seed`, `focus`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import Any

from lab.core.helpers import MAX_SEED
from lab.core.page import Check, PageSpec, scenarios
from lab.core.params import Choice, Ints, Num, Spec
from lab.sequences.data import (
    DATA,
    LENGTHS,
    MAX_BATCH,
    MAX_FEATURES,
    MAX_TOKENS,
    PADS,
    BatchFields,
    BatchSpec,
)
from lab.sequences.texts import SCENARIO_TEXT

FAMILIES: tuple[str, ...] = ("batch", "masked", "layer", "rms")
"""The page's four ways to normalize tokens: BatchNorm over every position
(pads included), BatchNorm over the real tokens (a padding mask), LayerNorm
and RMSNorm over each token's features."""
MAX_RUN_SEED = 99
BATCH_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(BatchFields))
DEFAULT_SCENARIO = "ragged"


@dataclass(frozen=True)
class SeqState(BatchFields):
    """Every setting of the page; the URL holds exactly these: the batch's
    (`BatchFields`) and the page's own."""

    scenario: str = DEFAULT_SCENARIO
    norm: str = "batch"
    focus: tuple[int, int] = (0, 0)  # token row n·T + t, channel
    rseed: int = 0

    @property
    def spec(self) -> BatchSpec:
        """The padded batch these settings describe."""
        return BatchSpec(**{n: getattr(self, n) for n in BATCH_FIELDS})

    @property
    def cell(self) -> tuple[int, int, int]:
        """The focused cell as (sequence, position, channel)."""
        n, t = divmod(self.focus[0], self.tokens)
        return n, t, self.focus[1]


SCENARIO_PARAMS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "ragged": {},
        "toy": {
            "batch": 1,
            "tokens": 10,
            "features": 1,
            "lengths": "equal",
            "short": 5,
            "data": "count",
        },
        "one_long": {"lengths": "one_long", "tokens": 16, "short": 2},
        "embedding": {"pad": "embedding"},
        "masked": {"norm": "masked"},
        "layer": {"norm": "layer"},
        "empty": {"lengths": "one_long", "short": 0},
        "ones": {"lengths": "equal", "short": 1},
        "t_one": {"tokens": 1, "short": 0},
        "flat": {"data": "flat"},
    }
)
SCENARIOS = scenarios(SCENARIO_PARAMS, SCENARIO_TEXT)

NUMERIC: Mapping[str, Num] = MappingProxyType(
    {
        "batch": Num(1, MAX_BATCH, 1, integer=True),
        "tokens": Num(1, MAX_TOKENS, 1, integer=True),
        "features": Num(1, MAX_FEATURES, 1, integer=True),
        "short": Num(0, MAX_TOKENS, 1, integer=True),
        "padval": Num(-5.0, 5.0, 0.5),
        "shift": Num(0.0, 5.0, 0.1),
        "drift": Num(0.0, 2.0, 0.1),
        "offset": Num(0.0, 5.0, 0.1),
        "spread": Num(0.0, 2.0, 0.1),
        "outlier": Num(1.0, 50.0, 1.0),
        "seed": Num(0, MAX_SEED, 1, integer=True),
        "rseed": Num(0, MAX_RUN_SEED, 1, integer=True),
    }
)
SPECS: Mapping[str, Spec] = MappingProxyType(
    {
        **NUMERIC,
        "norm": Choice(FAMILIES),
        "lengths": Choice(LENGTHS),
        "pad": Choice(PADS),
        "data": Choice(DATA),
        "scenario": Choice(("custom", *SCENARIO_PARAMS)),
        "focus": Ints(2, "row,channel"),
    }
)


def clean(state: SeqState) -> SeqState:
    """Make the rules between settings hold: no sequence is longer than the
    padded length T, and the focused cell lies inside the batch."""
    r, c = state.focus
    rows = state.batch * state.tokens
    return replace(
        state,
        short=min(max(state.short, 0), state.tokens),
        focus=(min(max(r, 0), rows - 1), min(max(c, 0), state.features - 1)),
    )


PAGE: PageSpec[SeqState] = PageSpec(
    SeqState,
    SPECS,
    SCENARIOS,
    default=DEFAULT_SCENARIO,
    # another family, another token or another run of the model is looking
    # around, not changing the batch
    explore={"norm", "focus", "rseed"},
    free={"seed"},
    keep={"seed", "focus", "rseed"},
    clean=clean,
    checks=(
        Check("short", lambda s: f"at most the padded length, {s.tokens}"),
        Check("focus", lambda s: "outside the batch"),
    ),
)
