"""Typed URL parameters shared by every page: parse hostile input, write clean links.

Each page declares a spec per parameter (`Num`, `Choice`, `Eps`, `Ints`) and calls
`read_params` / `write_params`. Parsing never raises; every value that cannot be
used as written becomes a short problem string naming the parameter (never
echoing its value, so nothing from a URL is rendered as markup), and `summarize`
turns them into the one note a page shows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Protocol

MAX_RAW = 40
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,24}$")


@dataclass(frozen=True)
class Num:
    """A number in [lo, hi] on a grid of ``step``; clamped and snapped when off."""

    lo: float
    hi: float
    step: float
    integer: bool = False

    def snap(self, v: float) -> float | int:
        v = min(max(v, self.lo), self.hi)
        v = self.lo + round((v - self.lo) / self.step) * self.step
        v = min(max(v, self.lo), self.hi)
        return round(v) if self.integer else round(v, 10)

    def parse(self, raw: str) -> tuple[Any, str | None]:
        try:
            v = float(raw)
        except ValueError:
            return None, "not a number"
        if not math.isfinite(v):
            return None, "not a finite number"
        if self.integer and v != int(v):
            return None, "not a whole number"
        snapped = self.snap(v)
        if not self.lo <= v <= self.hi:
            return snapped, f"outside {number(self.lo)}–{number(self.hi)}, clamped"
        if not math.isclose(snapped, v, rel_tol=0, abs_tol=1e-9):
            return snapped, f"rounded to {number(snapped)}"
        return snapped, None

    def format(self, value: Any) -> str:
        return str(int(value)) if self.integer else number(value)


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of lower-case words."""

    options: tuple[str, ...]

    def parse(self, raw: str) -> tuple[Any, str | None]:
        low = raw.lower()
        return (low, None) if low in self.options else (None, "not an option")

    def format(self, value: Any) -> str:
        return str(value)


@dataclass(frozen=True)
class Eps:
    """ε from a list of choices, ``None`` meaning torch's default; snapped in log."""

    choices: tuple[float | None, ...]
    none_is_value: ClassVar[bool] = True  # "default" parses to None

    def parse(self, raw: str) -> tuple[Any, str | None]:
        if raw.lower() == "default" and None in self.choices:
            return None, None
        try:
            v = float(raw)
        except ValueError:
            return None, "not a number"
        if not math.isfinite(v) or v <= 0:
            return None, "must be a positive number"
        options = [e for e in self.choices if e is not None]
        best = min(options, key=lambda e: abs(math.log10(e) - math.log10(v)))
        if not math.isclose(best, v, rel_tol=1e-9):
            return best, f"snapped to {best:g}"
        return best, None

    def format(self, value: Any) -> str:
        return "default" if value is None else f"{value:g}"


@dataclass(frozen=True)
class Ints:
    """A fixed number of integers, comma-separated (a cell: ``row,col``)."""

    arity: int
    label: str = "row,column"

    def parse(self, raw: str) -> tuple[Any, str | None]:
        parts = raw.split(",")
        if len(parts) != self.arity:
            return None, f"expected {self.label}"
        try:
            return tuple(int(p) for p in parts), None
        except ValueError:
            return None, f"expected {self.label}"

    def format(self, value: Any) -> str:
        return ",".join(str(int(v)) for v in value)


@dataclass(frozen=True)
class OnGrid:
    """A number that must be one of ``options``; others snap to the nearest one
    (in log scale when ``log``; with ``signed``, on a signed log scale that is
    linear below that magnitude, for grids that span zero and many decades,
    so 2e29 snaps to 1e30 and not to the option nearest in absolute terms).
    Values within ``tol`` (relative) of an option are read silently, so a link
    can say ``lr=0.32`` for 10^−½; ``digits`` significant digits are written."""

    options: tuple[float, ...]
    log: bool = False
    tol: float = 1e-9
    integer: bool = False
    digits: int | None = None
    signed: float | None = None

    def parse(self, raw: str) -> tuple[Any, str | None]:
        try:
            v = float(raw)
        except ValueError:
            return None, "not a number"
        if not math.isfinite(v):
            return None, "not a finite number"
        if self.log and v <= 0:
            return None, "must be a positive number"

        def dist(o: float) -> float:
            if self.signed:
                return abs(math.asinh(o / self.signed) - math.asinh(v / self.signed))
            return abs(math.log(o / v)) if self.log else abs(o - v)

        best = min(self.options, key=dist)
        best = int(best) if self.integer else best
        if not math.isclose(best, v, rel_tol=self.tol):
            return best, f"snapped to {self.format(best)}"
        return best, None

    def format(self, value: Any) -> str:
        if self.integer:
            return str(int(value))
        return f"{value:.{self.digits}g}" if self.digits else number(value)


class Spec(Protocol):
    """What a page declares for one setting: how to read it from a link (the
    value, or None, and a problem or None) and how to write it back."""

    def parse(self, raw: str) -> tuple[Any, str | None]: ...

    def format(self, value: Any) -> str: ...


def number(v: float) -> str:
    """A number in a link: as short as it can be and still exact."""
    return format(v, ".10g")


def as_lists(params: Mapping[str, str | Iterable[str]]) -> dict[str, list[str]]:
    """Every parameter as the list of its values (repeated keys keep them all)."""
    out = {k: ([v] if isinstance(v, str) else list(v)) for k, v in params.items()}
    return {k: v for k, v in out.items() if v}


def read_params(
    params: Mapping[str, str | Iterable[str]], specs: Mapping[str, Spec]
) -> tuple[dict[str, Any], list[str]]:
    """Parse ``params`` against ``specs``: the usable values and the problems."""
    values = as_lists(params)
    problems: list[str] = []
    unknown = [k for k in values if k not in specs]
    if unknown:
        shown = [k for k in unknown if _SAFE_NAME.match(k)][:3]
        label = ", ".join(shown) if shown else "unreadable names"
        more = len(unknown) - len(shown)
        problems.append(
            f"unknown parameter {label}" + (f" and {more} more" if more > 0 else "")
        )
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        if name not in values:
            continue
        vals = values[name]
        if len(vals) > 1:
            problems.append(f"{name} (given {len(vals)} times; used the last)")
        raw = vals[-1].strip()
        if len(raw) > MAX_RAW:
            value, problem = None, "too long"
        else:
            value, problem = spec.parse(raw)
        if problem:
            problems.append(f"{name} ({problem})")
        if value is not None or (getattr(spec, "none_is_value", False) and not problem):
            out[name] = value
    return out, problems


def summarize(problems: list[str]) -> str | None:
    """The one note a page shows about its link, or None when it was read as written."""
    if not problems:
        return None
    return (
        "Some of this link's settings could not be used as written: "
        + "; ".join(problems)
        + ". The rest of the view is as shared."
    )


def write_params(
    state: Any, base: Any, specs: Mapping[str, Spec], skip: Iterable[str] = ()
) -> dict[str, str]:
    """Query parameters for the fields of ``state`` that differ from ``base``."""
    skip = set(skip)
    out: dict[str, str] = {}
    base_values = asdict(base)
    for name, value in asdict(state).items():
        if name in skip or name not in specs or value == base_values[name]:
            continue
        out[name] = specs[name].format(value)
    return out
