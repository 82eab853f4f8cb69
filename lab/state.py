"""The main page's state, and its round trip through a shareable URL.

A shared link is user input. Parsing never raises: anything unknown, malformed,
out of range or non-finite falls back (clamped, snapped or defaulted), and one
short note names what was changed. The note names parameters, never echoes their
values, so nothing from the URL can be rendered as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

from lab.activations import MAX_BATCH, MAX_FEATURES, ActivationSpec
from lab.params import Choice, Eps, Ints, Num, Spec, as_lists, read_params, summarize
from lab.params import write_params as _write
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

SPECS: Mapping[str, Spec] = {
    **NUMERIC,
    **{name: Choice(options) for name, options in CHOICES.items()},
    "eps": Eps(EPS_CHOICES),
    "focus": Ints(2),
}

NAMES: tuple[str, ...] = tuple(f.name for f in fields(BoardState))
FREE = frozenset({"seed", "focus", "scenario", "colors", "norm"})
"""Settings a user may change without leaving the scenario they picked: switching
family is how a scenario is explored, so the family never ends one."""
KEEP_ON_PICK = frozenset({"seed", "focus", "colors"})
"""Settings that picking a scenario leaves as the user had them."""


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


def settle(state: BoardState) -> BoardState:
    """`clean`, and mark the state custom once it has left its scenario."""
    state = clean(state)
    if state.scenario != "custom" and not matches_scenario(state, state.scenario):
        state = replace(state, scenario="custom")
    return state


def parse(params: Mapping[str, str | Iterable[str]]) -> tuple[BoardState, str | None]:
    """Read a state from query parameters; never raises.

    ``params`` maps each name to its value, or to all its values when the key was
    repeated (``st.query_params.get_all``). Returns the state and one note naming
    what was ignored or adjusted, or None when the link was read as written.
    """
    values = as_lists(params)
    if values.get("norm", [""])[-1].strip().lower() == "instance":
        values.pop("norm")
        instance = ["norm (InstanceNorm needs positions to pool over: see Tensor view)"]
    else:
        instance = []
    parsed, problems = read_params(values, SPECS)
    problems = instance + problems
    scenario = parsed.pop("scenario", "stable")  # a link without one was made from it
    state = replace(scenario_base(scenario), **parsed)

    fixed = clean(state)
    if fixed.groups != state.groups and "groups" in parsed:
        problems.append(f"groups (must divide {state.features} features)")
    if fixed.focus != state.focus and "focus" in parsed:
        problems.append("focus (outside the matrix)")
    state = fixed
    if state.scenario != "custom" and not matches_scenario(state, state.scenario):
        state = replace(state, scenario="custom")
    return state, summarize(problems)


def to_params(state: BoardState) -> dict[str, str]:
    """Query parameters for ``state``: the scenario plus what differs from it.

    Parameters equal to the scenario's value are left out, so a link stays
    short and ``parse(to_params(s)) == s`` for every valid state.
    """
    out = {} if state.scenario == "stable" else {"scenario": state.scenario}
    return out | _write(state, scenario_base(state.scenario), SPECS, skip={"scenario"})
