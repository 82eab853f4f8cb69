"""A page's settings, its scenarios and their round trip through a shared link.

Every page declares the same few things once — a frozen dataclass of settings,
the URL spec of each setting, its teaching scenarios and which settings a
student may move without leaving one — and `PageSpec` gives it the rest:
``parse`` (a link → settings and one note), ``to_params`` (settings → a short
link), ``base``, ``clean``, ``settle``, ``matches`` and ``pick``. One rule for
all pages, so a link behaves the same way wherever it points.

A shared link is user input. Parsing never raises: anything unknown, malformed,
out of range or non-finite falls back (clamped, snapped or defaulted), and one
short note names what was changed. The note names parameters, never echoes
their values, so nothing from a URL is rendered as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from lab.core.flags import ViewFlags, read_flags
from lab.core.params import Spec, as_lists, read_params, summarize, write_params

S = TypeVar("S")
CUSTOM = "custom"


@dataclass(frozen=True)
class Scenario:
    """A teaching scenario: a title, the sentence shown with it, and the
    settings it fixes (``params`` override the page's defaults)."""

    key: str
    title: str
    sentence: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


def scenarios(
    params: Mapping[str, Mapping[str, Any]], text: Mapping[str, tuple[str, str]]
) -> tuple[Scenario, ...]:
    """Scenarios from their settings (a topic's state) and their words (its
    texts), in the order of ``params``."""
    return tuple(Scenario(k, *text[k], p) for k, p in params.items())


@dataclass(frozen=True)
class Check:
    """A rule between settings that `PageSpec.clean` enforces, and what a link
    that broke it is told: ``why(state)`` names the rule (never a value)."""

    name: str
    why: Callable[[Any], str]


class PageSpec(Generic[S]):
    """A page's settings and the one set of rules every page's links follow.

    - ``default``: the scenario an empty link opens; ``implied``: the one a link
      that names no scenario was made from (the same, unless the default
      changed after links were shared, as Why normalize's did).
    - ``explore``: settings a student changes to look around (another family,
      cell or panel): they never end a scenario.
    - ``free``: settings a scenario leaves to the student unless it fixes them.
    - ``keep``: settings that picking a scenario leaves as the student had them.
    - ``clean``: makes the rules between settings hold (groups divide the
      features, the focus lies inside); ``checks`` say what a link is told
      when it had to.
    - ``refuse``: values of a setting the page knows but cannot show, with the
      reason (``norm=instance`` on a page without positions to pool over).
    """

    def __init__(
        self,
        cls: type[S],
        specs: Mapping[str, Spec],
        scenarios: Iterable[Scenario],
        *,
        default: str,
        implied: str | None = None,
        explore: Iterable[str] = (),
        free: Iterable[str] = (),
        keep: Iterable[str] = (),
        clean: Callable[[S], S] = lambda s: s,
        checks: Iterable[Check] = (),
        refuse: Mapping[str, Mapping[str, str]] = MappingProxyType({}),
    ) -> None:
        self.cls = cls
        self.specs = MappingProxyType(dict(specs))
        self.scenarios = tuple(scenarios)
        self.by_key: Mapping[str, Scenario] = MappingProxyType(
            {s.key: s for s in self.scenarios}
        )
        self.names: tuple[str, ...] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
        self.default = default
        self.implied = default if implied is None else implied
        self.explore = frozenset(explore) | {"scenario"}
        self.free = frozenset(free)
        self.keep = frozenset(keep)
        self._clean = clean
        self.checks = tuple(checks)
        self.refuse = refuse
        self._initial: S | None = None
        unknown = (self.explore | self.free | self.keep) - set(self.names)
        if unknown or set(self.specs) - set(self.names):
            raise ValueError(f"not settings of {cls.__name__}: {sorted(unknown)}")

    @property
    def keys(self) -> tuple[str, ...]:
        """The scenario picker's options: "custom", then every scenario."""
        return (CUSTOM, *self.by_key)

    def base(self, key: str) -> S:
        """The defaults with scenario ``key``'s settings (unknown: custom)."""
        if key not in self.by_key:
            return self.cls(scenario=CUSTOM)  # type: ignore[call-arg]
        return replace(self.cls(scenario=key), **self.by_key[key].params)  # type: ignore[call-arg,type-var]

    def initial(self) -> S:
        """The view an empty link opens."""
        if self._initial is None:
            self._initial = self.settle(self.base(self.default))
        return self._initial

    def clean(self, state: S) -> S:
        return self._clean(state)

    def matches(self, state: S, key: str) -> bool:
        """True while every setting scenario ``key`` fixes still has its value.

        A setting counts unless the student may move it to look around
        (``explore``), or it is ``free`` and the scenario does not fix it.
        """
        if key not in self.by_key:
            return False
        base = self.base(key)
        fixed = self.by_key[key].params
        return all(
            getattr(state, n) == getattr(base, n)
            for n in self.names
            if n not in self.explore and (n not in self.free or n in fixed)
        )

    def settle(self, state: S) -> S:
        """`clean`, and "custom" once the settings have left their scenario."""
        state = self.clean(state)
        key = state.scenario  # type: ignore[attr-defined]
        if key != CUSTOM and not self.matches(state, key):
            state = replace(state, scenario=CUSTOM)  # type: ignore[type-var]
        return state

    def pick(self, state: S, key: str) -> S:
        """Scenario ``key`` picked: every setting it fixes, the others kept
        only where `keep` says; "custom" changes nothing but the name."""
        if key not in self.by_key:
            return replace(state, scenario=CUSTOM)  # type: ignore[type-var]
        kept = {n: getattr(state, n) for n in self.keep}
        return self.settle(replace(self.base(key), **kept))  # type: ignore[type-var]

    def parse(self, params: Mapping[str, str | Iterable[str]]) -> tuple[S, str | None]:
        """Read the settings from query parameters; never raises.

        ``params`` maps each name to its value, or to all its values when the
        key was repeated (``st.query_params.get_all``). Returns the settings and
        one note naming what was ignored or adjusted, or None when the link was
        read as written.
        """
        state, problems = self._read(as_lists(params))
        return state, summarize(problems)

    def read_link(
        self, params: Mapping[str, str | Iterable[str]]
    ) -> tuple[S, ViewFlags, str | None]:
        """`parse`, with the view flags (`lab.core.flags`) taken out first and
        read: what the kit reads from a link. A link without flags opens
        exactly as `parse` opens it."""
        flags, values, flag_problems = read_flags(as_lists(params), self.names)
        state, problems = self._read(values)
        return state, flags, summarize(problems + flag_problems)

    def to_link(self, state: S, flags: ViewFlags) -> dict[str, str]:
        """`to_params` and the view flags: what the kit writes into the URL."""
        return self.to_params(state) | flags.params()

    def _read(self, values: dict[str, list[str]]) -> tuple[S, list[str]]:
        if not values:
            return self.initial(), []
        problems: list[str] = []
        for name, refused in self.refuse.items():
            raw = values.get(name, [""])[-1].strip().lower()
            if raw in refused:
                values.pop(name)
                problems.append(f"{name} ({refused[raw]})")
        parsed, more = read_params(values, self.specs)
        problems += more
        key = parsed.pop("scenario", self.implied)
        state = replace(self.base(key), **parsed)  # type: ignore[type-var]
        fixed = self.clean(state)
        for check in self.checks:
            name = check.name
            if name in parsed and getattr(fixed, name) != getattr(state, name):
                problems.append(f"{name} ({check.why(state)})")
        return self.settle(fixed), problems

    def to_params(self, state: S) -> dict[str, str]:
        """Query parameters for ``state``: its scenario plus what differs from it.

        The default view is the empty link; settings equal to the scenario's
        are left out, so a link stays short and ``parse(to_params(s)) == (s,
        None)`` for every settled state. The scenario is named unless it is the
        one a link without a scenario means (and that is the default).
        """
        if state == self.initial():
            return {}
        key = state.scenario  # type: ignore[attr-defined]
        named = key != self.implied or self.implied != self.default
        out = {"scenario": key} if named else {}
        return out | write_params(state, self.base(key), self.specs, skip={"scenario"})
