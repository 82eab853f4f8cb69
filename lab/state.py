"""The main page's state, and its round trip through a shareable URL.

A shared link is user input. Parsing never raises: anything unknown, malformed,
out of range or non-finite falls back (clamped, snapped or defaulted), and one
short note names what was changed. The note names parameters, never echoes their
values, so nothing from the URL can be rendered as markup.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from lab.activations import MAX_BATCH, MAX_FEATURES, ActivationSpec
from lab.scenarios import SCENARIO_BY_KEY

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

MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class BoardState:
    """Every setting of the main page; the URL holds exactly these."""

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


@dataclass(frozen=True)
class Num:
    """A numeric parameter: its range, and the grid it snaps to."""

    lo: float
    hi: float
    step: float
    integer: bool = False

    def snap(self, v: float) -> float | int:
        v = min(max(v, self.lo), self.hi)
        v = self.lo + round((v - self.lo) / self.step) * self.step
        v = min(max(v, self.lo), self.hi)
        return round(v) if self.integer else round(v, 10)


NUMERIC: Mapping[str, Num] = {
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

CHOICES: Mapping[str, tuple[str, ...]] = {
    "norm": BOARD_FAMILIES,
    "mode": ("train", "eval"),
    "scenario": ("custom", *SCENARIO_BY_KEY),
    "colors": ("shared", "own"),
}

NAMES: tuple[str, ...] = tuple(f.name for f in fields(BoardState))
FREE = frozenset({"seed", "focus", "scenario", "colors", "norm"})
"""Settings a user may change without leaving the scenario they picked: switching
family is how a scenario is explored, so the family never ends one."""
KEEP_ON_PICK = frozenset({"seed", "focus", "colors"})
"""Settings that picking a scenario leaves as the user had them."""
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,24}$")


def divisors(n: int) -> list[int]:
    """Valid GroupNorm group counts for ``n`` features."""
    return [g for g in range(1, n + 1) if n % g == 0]


def nearest_divisor(n: int, g: int) -> int:
    return min(divisors(n), key=lambda d: (abs(d - g), d))


def scenario_base(key: str) -> BoardState:
    """The defaults with a scenario's settings applied (``custom``: the defaults)."""
    base = BoardState(scenario=key if key in SCENARIO_BY_KEY else "custom")
    if key in SCENARIO_BY_KEY:
        base = replace(base, **SCENARIO_BY_KEY[key].params)
    return base


def matches_scenario(state: BoardState, key: str) -> bool:
    """True while every setting the scenario fixes still has the scenario's value."""
    if key not in SCENARIO_BY_KEY:
        return False
    base = scenario_base(key)
    fixed = SCENARIO_BY_KEY[key].params
    return all(
        getattr(state, name) == getattr(base, name)
        for name in NAMES
        if name not in FREE or (name in fixed and name != "norm")
    )


def clean(state: BoardState) -> BoardState:
    """Make cross-field constraints hold: groups divide features, focus in range."""
    groups = nearest_divisor(state.features, state.groups)
    r, c = state.focus
    focus = (min(max(r, 0), state.batch - 1), min(max(c, 0), state.features - 1))
    return replace(state, groups=groups, focus=focus)


def parse(params: Mapping[str, str | Iterable[str]]) -> tuple[BoardState, str | None]:
    """Read a state from query parameters; never raises.

    ``params`` maps each name to its value, or to all its values when the key was
    repeated (``st.query_params.get_all``). Returns the state and one note naming
    what was ignored or adjusted, or None when the link was read as written.
    """
    values = {k: ([v] if isinstance(v, str) else list(v)) for k, v in params.items()}
    values = {k: v for k, v in values.items() if v}
    problems: list[str] = []
    unknown = [k for k in values if k not in NAMES]
    if unknown:
        shown = [k for k in unknown if _SAFE_NAME.match(k)][:3]
        label = ", ".join(shown) if shown else "unreadable names"
        more = len(unknown) - len(shown)
        problems.append(
            f"unknown parameter {label}" + (f" and {more} more" if more > 0 else "")
        )

    scenario = "stable"  # what a link without ``scenario`` was made from
    if "scenario" in values:
        raw = values["scenario"][-1].strip().lower()
        if raw in CHOICES["scenario"]:
            scenario = raw
        else:
            problems.append("scenario (not a scenario of this page)")
    state = scenario_base(scenario)

    updates: dict[str, Any] = {}
    for name in NAMES:
        if name not in values or name == "scenario":
            continue
        vals = values[name]
        if len(vals) > 1:
            problems.append(f"{name} (given {len(vals)} times; used the last)")
        raw = vals[-1].strip()
        value, problem = _parse_one(name, raw)
        if problem:
            problems.append(f"{name} ({problem})")
        if value is not None:
            updates[name] = value
    state = replace(state, **updates)

    fixed = clean(state)
    if fixed.groups != state.groups and "groups" in values:
        problems.append(f"groups (must divide {state.features} features)")
    if fixed.focus != state.focus and "focus" in values:
        problems.append("focus (outside the matrix)")
    state = fixed
    if state.scenario != "custom" and not matches_scenario(state, state.scenario):
        state = replace(state, scenario="custom")

    note = None
    if problems:
        note = "Some of this link's settings could not be used as written: " + (
            "; ".join(problems) + ". The rest of the view is as shared."
        )
    return state, note


def _parse_one(name: str, raw: str) -> tuple[Any, str | None]:
    """One parameter's value, or (None, why) to keep the default."""
    if len(raw) > 40:
        return None, "too long"
    if name == "norm" and raw.lower() == "instance":
        return None, "InstanceNorm needs positions to pool over: see Tensor view"
    if name in CHOICES:
        low = raw.lower()
        return (low, None) if low in CHOICES[name] else (None, "not an option")
    if name == "eps":
        return _parse_eps(raw)
    if name == "focus":
        parts = raw.split(",")
        try:
            r, c = (int(p) for p in parts)
        except ValueError:
            return None, "expected row,column"
        return (r, c), None
    spec = NUMERIC[name]
    try:
        v = float(raw)
    except ValueError:
        return None, "not a number"
    if not math.isfinite(v):
        return None, "not a finite number"
    if spec.integer and v != int(v):
        return None, "not a whole number"
    snapped = spec.snap(v)
    if not spec.lo <= v <= spec.hi:
        return snapped, f"outside {_fmt(spec.lo)}–{_fmt(spec.hi)}, clamped"
    if not math.isclose(snapped, v, rel_tol=0, abs_tol=1e-9):
        return snapped, f"rounded to {_fmt(snapped)}"
    return snapped, None


def _parse_eps(raw: str) -> tuple[Any, str | None]:
    if raw.lower() == "default":
        return None, None
    try:
        v = float(raw)
    except ValueError:
        return None, "not a number"
    if not math.isfinite(v) or v <= 0:
        return None, "must be a positive number"
    options = [e for e in EPS_CHOICES if e is not None]
    best = min(options, key=lambda e: abs(math.log10(e) - math.log10(v)))
    if not math.isclose(best, v, rel_tol=1e-9):
        return best, f"snapped to {best:g}"
    return best, None


def _fmt(v: float) -> str:
    return format(v, ".10g")


def to_params(state: BoardState) -> dict[str, str]:
    """Query parameters for ``state``: the scenario plus what differs from it.

    Parameters equal to the scenario's value are left out, so a link stays
    short and ``parse(to_params(s)) == s`` for every valid state.
    """
    base = scenario_base(state.scenario)
    out: dict[str, str] = {}
    if state.scenario != "stable":
        out["scenario"] = state.scenario
    for name, value in asdict(state).items():
        if name == "scenario" or value == getattr(base, name):
            continue
        out[name] = format_value(name, value)
    return out


def format_value(name: str, value: Any) -> str:
    if name == "focus":
        return f"{value[0]},{value[1]}"
    if name == "eps":
        return "default" if value is None else f"{value:g}"
    if isinstance(value, float):
        return _fmt(value)
    return str(value)
