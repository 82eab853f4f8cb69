"""The LayerNorm vs RMSNorm page's settings, its scenarios' settings and its
link rules (the rules every page's links follow: `lab.core.page.PageSpec`).

The transformation's c and δ and the ε live on grids that reach the values
where things happen (c = 0, c < 0, a c so small that ε decides, a δ so large
that float32 cannot hold x + δ), so a link can name any of them and a slider
step never lands between two of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from lab.core.helpers import MAX_SEED
from lab.core.page import PageSpec, scenarios
from lab.core.params import Choice, Eps, Num, OnGrid, Spec
from lab.rms.texts import SCENARIO_TEXT
from lab.rms.timing import DTYPES as TIMING_DTYPES
from lab.rms.timing import PASSES, TOKENS

C_GRID: tuple[float, ...] = (
    -10.0, -2.0, -1.0, -0.5, 0.0, 1e-4, 1e-3, 0.01, 0.1, 0.5, 1.0, 2.0, 10.0,
    1e3, 1e6,
)  # fmt: skip
"""Scale factors c: negative ones flip the sign, 0 wipes the input, tiny ones
push the input's variance below ε, 1 changes nothing."""
DELTA_GRID: tuple[float, ...] = (
    -100.0, -10.0, -1.0, -0.1, 0.0, 0.1, 1.0, 10.0, 100.0, 1e4, 1e8, 1e30,
)  # fmt: skip
"""Shifts δ: 1e8 is beyond what float32 can add to values of order 1 without
rounding them away (its spacing at 1e8 is 8); 1e30 is beyond float64's too."""
EPS_CHOICES: tuple[float | None, ...] = (None, 0.0, 1e-12, 1e-8, 1e-6, 1e-5, 1e-3, 0.1)
"""ε for every family at once; ``None``: torch.nn's default of each (1e-5,
RMSNorm the dtype's machine epsilon)."""
HIDDEN: tuple[int, ...] = (256, 512, 768, 1024, 2048, 4096, 5120, 8192)
"""Hidden sizes for the parameter count: BERT-base 768, Llama-7B 4096, 13B 5120."""
PRECISIONS: tuple[str, ...] = ("float32", "float64")
WIDTHS: tuple[int, ...] = (32, 64, 128)
"""Widths the training comparison offers: 8 blocks of 128 for 400 steps train
in a few seconds on one core; 256 would take ten times the default."""
LRS: tuple[float, ...] = (1e-3, 3e-3, 1e-2, 3e-2)


class EpsOrZero(Eps):
    """ε from the choices, ``None`` meaning torch's defaults, and 0 allowed: the
    limit in which the invariances are exact (and 0/0 appears). A positive
    value snaps to the nearest positive choice in log scale."""

    def parse(self, raw: str) -> tuple[Any, str | None]:
        try:
            v = float(raw)
        except ValueError:
            v = math.nan  # "default", or not a number: Eps says which
        if v == 0:
            return 0.0, None
        if v < 0:
            return None, "must be 0 or a positive number"
        return Eps(tuple(e for e in self.choices if e != 0)).parse(raw)

    def format(self, value: Any) -> str:
        return "0" if value == 0 else super().format(value)


@dataclass(frozen=True)
class RmsState:
    """Every setting of the page; the URL holds exactly these."""

    scenario: str = "scale"
    c: float = 2.0
    delta: float = 1.0
    eps: float | None = None
    dtype: str = "float32"
    mean: float = 3.0
    seed: int = 0
    hidden: int = 4096
    tokens: int = 128
    tdtype: str = "float32"
    tpass: str = "forward"
    blocks: int = 4
    width: int = 64
    steps: int = 300
    lr: float = 3e-3
    tseed: int = 0

    @property
    def train_config(self) -> tuple[int, int, int, float, int]:
        """What a training run depends on: blocks, width, steps, lr, seed."""
        return (self.blocks, self.width, self.steps, self.lr, self.tseed)


SCENARIO_PARAMS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "scale": {},
        "flip": {"c": -1.0},
        "tiny": {"c": 1e-3},
        "exact": {"eps": 0.0, "dtype": "float64"},
        "precision": {"delta": 1e8},
        "zero": {"c": 0.0},
        "big_mean": {"mean": 10.0},
        "decode": {"tokens": 1},
        "prefill": {"tokens": 512, "tpass": "backward"},
        "deep": {"blocks": 8},
    }
)
SCENARIOS = scenarios(SCENARIO_PARAMS, SCENARIO_TEXT)

SPECS: Mapping[str, Spec] = {
    "c": OnGrid(C_GRID, signed=1e-5),
    "delta": OnGrid(DELTA_GRID, signed=1e-5),
    "eps": EpsOrZero(EPS_CHOICES),
    "dtype": Choice(PRECISIONS),
    "mean": Num(-20.0, 20.0, 0.5),
    "seed": Num(0, MAX_SEED, 1, integer=True),
    "hidden": OnGrid(tuple(float(h) for h in HIDDEN), log=True, integer=True),
    "tokens": OnGrid(tuple(float(t) for t in TOKENS), log=True, integer=True),
    "tdtype": Choice(TIMING_DTYPES),
    "tpass": Choice(PASSES),
    "blocks": Num(1, 8, 1, integer=True),
    "width": OnGrid(tuple(float(w) for w in WIDTHS), log=True, integer=True),
    "steps": Num(50, 400, 50, integer=True),
    "lr": OnGrid(LRS, log=True, tol=0.02, digits=2),
    "tseed": Num(0, MAX_SEED, 1, integer=True),
    "scenario": Choice(("custom", *SCENARIO_PARAMS)),
}

TRAINING = frozenset({"blocks", "width", "steps", "lr", "tseed"})
TIMING = frozenset({"tokens", "tdtype", "tpass"})

PAGE: PageSpec[RmsState] = PageSpec(
    RmsState,
    SPECS,
    SCENARIOS,
    default="scale",
    # what to look at in the timing panel; the seeds re-draw the same experiment
    explore={"tdtype", "tpass", "seed", "tseed"},
    # the sections below the table are experiments of their own: a scenario
    # about the table leaves them to the student, and the other way round
    free={"mean", "hidden", *TIMING, *TRAINING},
    keep={"tdtype", "seed", "tseed", "hidden"},
)
