"""The Choose a norm page's settings, its scenarios' settings and its link rules
(the rules every page's links follow: `lab.core.page.PageSpec`).

Two groups of settings: the flow's answers (the architecture, variable-length
sequences, serving at batch size 1, examples per device, devices), which the
scenarios fix, and the cost calculator's layer, which a student changes to
look around: it never ends a scenario, and picking one keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from lab.choose.cost import KINDS, Layer
from lab.choose.flow import ARCHS, Answers
from lab.choose.texts import SCENARIO_TEXT
from lab.core.helpers import nearest_divisor
from lab.core.page import Check, PageSpec, scenarios
from lab.core.params import Choice, Num, Spec

MAX_COUNT = 4096
"""The most examples per device, devices, or batch a control or link takes."""
MAX_SEQ = 131_072
MAX_SIDE = 1024
MAX_HIDDEN = 16_384
YES_NO: tuple[str, ...] = ("no", "yes")
CALCULATOR: tuple[str, ...] = (
    "kind",
    "cbatch",
    "seq",
    "height",
    "width",
    "hidden",
    "groups",
    "cdevices",
)
"""The cost calculator's settings: looking around, never leaving a scenario."""


@dataclass(frozen=True)
class ChooseState:
    """Every setting of the Choose a norm page; the URL holds exactly these."""

    scenario: str = "lm"
    arch: str = "transformer"
    ragged: str = "yes"
    serve: str = "no"
    per_device: int = 8
    devices: int = 8
    kind: str = "tokens"
    cbatch: int = 32
    seq: int = 512
    height: int = 56
    width: int = 56
    hidden: int = 1024
    groups: int = 32
    cdevices: int = 8

    @property
    def answers(self) -> Answers:
        return Answers(
            arch=self.arch,
            ragged=self.ragged == "yes",
            serve_one=self.serve == "yes",
            per_device=self.per_device,
            devices=self.devices,
        )

    @property
    def layer(self) -> Layer:
        return Layer(
            kind=self.kind,
            batch=self.cbatch,
            seq=self.seq,
            height=self.height,
            width=self.width,
            hidden=self.hidden,
            groups=self.groups,
            devices=self.cdevices,
        )


SCENARIO_PARAMS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "lm": {},
        "lstm": {"arch": "rnn", "ragged": "yes", "per_device": 32, "devices": 1},
        "resnet": {"arch": "cnn", "ragged": "no", "per_device": 32, "devices": 8},
        "one_gpu": {"arch": "cnn", "ragged": "no", "per_device": 16, "devices": 1},
        "gpus": {"arch": "cnn", "ragged": "no", "per_device": 8, "devices": 8},
        "detector": {"arch": "cnn", "ragged": "no", "per_device": 2, "devices": 8},
        "serving": {
            "arch": "cnn",
            "ragged": "no",
            "serve": "yes",
            "per_device": 64,
            "devices": 1,
        },
        "style": {"arch": "generator", "ragged": "no", "per_device": 4, "devices": 1},
    }
)
SCENARIOS = scenarios(SCENARIO_PARAMS, SCENARIO_TEXT)
DEFAULT_SCENARIO = "lm"

SPECS: Mapping[str, Spec] = MappingProxyType(
    {
        "arch": Choice(ARCHS),
        "ragged": Choice(YES_NO),
        "serve": Choice(YES_NO),
        "per_device": Num(1, MAX_COUNT, 1, integer=True),
        "devices": Num(1, MAX_COUNT, 1, integer=True),
        "kind": Choice(KINDS),
        "cbatch": Num(1, MAX_COUNT, 1, integer=True),
        "seq": Num(1, MAX_SEQ, 1, integer=True),
        "height": Num(1, MAX_SIDE, 1, integer=True),
        "width": Num(1, MAX_SIDE, 1, integer=True),
        "hidden": Num(1, MAX_HIDDEN, 1, integer=True),
        "groups": Num(1, MAX_HIDDEN, 1, integer=True),
        "cdevices": Num(1, MAX_COUNT, 1, integer=True),
        "scenario": Choice(("custom", *SCENARIO_PARAMS)),
    }
)


def clean(state: ChooseState) -> ChooseState:
    """GroupNorm's groups divide the channels (the nearest divisor otherwise)."""
    if state.hidden % state.groups == 0:
        return state
    return replace(state, groups=nearest_divisor(state.hidden, state.groups))


PAGE: PageSpec[ChooseState] = PageSpec(
    ChooseState,
    SPECS,
    SCENARIOS,
    default=DEFAULT_SCENARIO,
    explore=CALCULATOR,
    keep=CALCULATOR,
    clean=clean,
    checks=(Check("groups", lambda s: f"must divide {s.hidden} channels"),),
)
