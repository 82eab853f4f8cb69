"""The Why normalize page's settings, its scenarios' settings and its link rules
(the rules every page's links follow: `lab.core.page.PageSpec`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from lab.core.helpers import MAX_SEED
from lab.core.page import PageSpec, scenarios
from lab.core.params import Choice, Num, OnGrid, Spec
from lab.why.models import INITS
from lab.why.runs import LR_GRID, SweepConfig
from lab.why.texts import SCENARIO_TEXT
from lab.why.xiong import XIONG_DEPTHS

WIDTHS: tuple[int, ...] = (32, 64, 128)
BATCHES: tuple[int, ...] = (8, 16, 32, 64, 128, 256)


def lr_label(lr: float) -> str:
    """A learning rate as the page writes it: two significant digits (0.32, 3.2)."""
    return f"{lr:.2g}"


@dataclass(frozen=True)
class WhyState:
    """Every setting of the page; the URL holds exactly these."""

    scenario: str = "deep"
    depth: int = 10
    width: int = 64
    steps: int = 150
    batch: int = 64
    init: str = "he"
    noise: float = 1.0
    seed: int = 0
    lr: float = LR_GRID[3]  # 10^−½ ≈ 0.32
    blocks: int = 12

    @property
    def config(self) -> SweepConfig:
        """The arguments of the learning-rate sweep (``lr`` and ``blocks`` only
        choose what to look at; they do not change the runs)."""
        return SweepConfig(
            depth=self.depth,
            width=self.width,
            steps=self.steps,
            batch=self.batch,
            init=self.init,
            noise=self.noise,
            seed=self.seed,
        )


SCENARIO_PARAMS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "six_layers": {"depth": 6, "lr": 0.1},
        "deep": {},
        "shallow": {"depth": 4},
        "deeper": {"depth": 20},
        "plain_init": {"init": "torch"},
        "tiny_batch": {"batch": 8},
        "loud_noise": {"noise": 2.0},
    }
)

SCENARIOS = scenarios(SCENARIO_PARAMS, SCENARIO_TEXT)

NUMERIC: Mapping[str, Num] = {
    "depth": Num(4, 20, 1, integer=True),
    "steps": Num(50, 400, 50, integer=True),
    "noise": Num(0.0, 3.0, 0.25),
    "seed": Num(0, MAX_SEED, 1, integer=True),
    "blocks": Num(min(XIONG_DEPTHS), max(XIONG_DEPTHS), 2, integer=True),
}
GRIDS: Mapping[str, OnGrid] = {
    "width": OnGrid(tuple(float(w) for w in WIDTHS), log=True, integer=True),
    "batch": OnGrid(tuple(float(b) for b in BATCHES), log=True, integer=True),
    "lr": OnGrid(LR_GRID, log=True, tol=0.02, digits=2),
}
SPECS: Mapping[str, Spec] = {
    **NUMERIC,
    **GRIDS,
    "init": Choice(INITS),
    "scenario": Choice(("custom", *SCENARIO_PARAMS)),
}
DEFAULT_SCENARIO = "six_layers"
"""What an empty link opens: the setup where Santurkar et al.'s effect shows in
every seed bench/why_sweep.py tried (see the seed table it ships). Until
2026-12 an empty link opened "deep" (the field defaults of `WhyState`); links
written then name no scenario and still open "deep"."""


PAGE: PageSpec[WhyState] = PageSpec(
    WhyState,
    SPECS,
    SCENARIOS,
    default=DEFAULT_SCENARIO,
    implied=WhyState.scenario,
    # the seed re-runs the same experiment; lr and blocks only choose what to
    # look at
    explore={"seed", "lr", "blocks"},
    keep={"seed", "lr", "blocks"},
)
