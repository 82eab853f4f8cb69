"""The Batch coupling page's state, and its round trip through a shareable URL.

Same rules as the Lab page (`lab.state`): parsing never raises; anything unknown,
malformed or out of range falls back and one note names the parameter, never its
value. Parameter names follow the Lab page where the meaning is the same (`norm`,
`batch`, `features`, `groups`, `mode`, `seed`, `focus`, `scenario`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

from lab.coupling import (
    FAMILIES,
    MAX_BATCH,
    MAX_FEATURES,
    MAX_GAP,
    MAX_RESAMPLES,
    Population,
)
from lab.coupling_batches import MAX_DEVICES
from lab.params import Choice, Ints, Num, Spec, as_lists, read_params, summarize
from lab.params import write_params as _write
from lab.state import MAX_SEED, divisors, nearest_divisor
from lab.texts.coupling import SCENARIO_BY_KEY

VIEWS: tuple[str, ...] = ("spread", "probe", "oneclass", "ghost", "devices")
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
    "scenario": ("custom", *SCENARIO_BY_KEY),
}

SPECS: Mapping[str, Spec] = {
    **NUMERIC,
    **{name: Choice(options) for name, options in CHOICES.items()},
    "focus": Ints(2, "example,feature"),
}

NAMES: tuple[str, ...] = tuple(f.name for f in fields(CouplingState))
FREE = frozenset({"seed", "focus", "scenario", "resamples", "norm", "mode"})
"""Settings a user may change without leaving a scenario that does not fix them."""
KEEP_ON_PICK = frozenset({"seed", "focus", "resamples"})
"""Settings that picking a scenario leaves as the user had them."""
PANEL = frozenset({"view"})
"""Which panel is shown: a scenario opens its view, but moving to another panel
is looking around, not changing the experiment, so it never leaves the scenario
(the link still records the view, as it always has)."""


def scenario_base(key: str) -> CouplingState:
    """The defaults with a scenario's settings applied (``custom``: the defaults)."""
    base = CouplingState(scenario=key if key in SCENARIO_BY_KEY else "custom")
    if key in SCENARIO_BY_KEY:
        base = replace(base, **SCENARIO_BY_KEY[key].params)
    return base


def matches_scenario(state: CouplingState, key: str) -> bool:
    """True while every setting the scenario fixes still has the scenario's value.

    The view (`PANEL`) never counts: a scenario picks the panel it opens on, and
    the student may look at the others without leaving it.
    """
    if key not in SCENARIO_BY_KEY:
        return False
    base = scenario_base(key)
    fixed = SCENARIO_BY_KEY[key].params
    return all(
        getattr(state, name) == getattr(base, name)
        for name in NAMES
        if name not in PANEL and (name not in FREE or name in fixed)
    )


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


def parse(
    params: Mapping[str, str | Iterable[str]],
) -> tuple[CouplingState, str | None]:
    """Read a state from query parameters; never raises.

    Returns the state and one note naming what was ignored or adjusted, or None
    when the link was read as written.
    """
    values = as_lists(params)
    problems: list[str] = []
    if values.get("norm", [""])[-1].strip().lower() == "instance":
        values.pop("norm")
        problems.append("norm (InstanceNorm needs positions to pool over)")
    parsed, more = read_params(values, SPECS)
    problems += more
    scenario = parsed.pop("scenario", DEFAULT_SCENARIO)
    state = replace(scenario_base(scenario), **parsed)
    fixed = clean(state)
    for name, why in (
        ("groups", f"must divide {state.features} features"),
        ("ghost", f"must divide the batch of {state.batch}"),
        ("devices", f"at most one per example, {state.batch}"),
        ("focus", "outside the batch"),
    ):
        if getattr(fixed, name) != getattr(state, name) and name in parsed:
            problems.append(f"{name} ({why})")
    state = fixed
    if state.scenario != "custom" and not matches_scenario(state, state.scenario):
        state = replace(state, scenario="custom")
    return state, summarize(problems)


def to_params(state: CouplingState) -> dict[str, str]:
    """Query parameters for ``state``: the scenario plus what differs from it.

    ``parse(to_params(s)) == (s, None)`` for every clean state.
    """
    out = {} if state.scenario == DEFAULT_SCENARIO else {"scenario": state.scenario}
    return out | _write(state, scenario_base(state.scenario), SPECS, skip={"scenario"})
