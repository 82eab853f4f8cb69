"""View flags: how a link shows a page, beside what the page shows.

A page's settings (`lab.core.page.PageSpec`) say what the view computes. These
say how it is presented, for a course:

- ``presenter=1``: large type and thick outlines, readable from the back of a
  lecture hall (lab/ui/present.py);
- ``show=norm,batch``: the only controls left on the page (names of the page's
  settings); every other control stays at the link's value, out of the way;
- ``score=4/5``: a student's predictions (lab/ui/questions.py), right of
  answered, shown to whoever opens the link;
- ``lesson=one_idea.2``: step 2 of a guided lesson (lab.core.lessons), whose
  bar the kit draws over the page (lab/ui/lessons.py).

They are not settings: no scenario fixes them, moving one never makes a view
"custom", and `PageSpec.to_params` never writes them. The kit reads them from
every link (`PageSpec.read_link`) and writes them back beside the settings on
every URL write (`lab.ui.sync.UrlState.end`), so a presenter link stays one as
the presenter moves what it shows. A link is user input: parsing never raises,
and what could not be used is named in the page's one note, never echoing a
value that is not a plain name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lab.core.lessons import flag_value, parse_flag

FLAG_NAMES = ("presenter", "show", "score", "lesson")
MAX_SHOW = 300
"""The longest ``show=`` read (every setting of the largest page fits twice)."""
_ON = {"1": True, "true": True, "yes": True, "on": True}
_OFF = {"0": False, "false": False, "no": False, "off": False}
_SAFE = re.compile(r"^[a-z0-9_]{1,24}$")
_SCORE = re.compile(r"^(\d{1,3})/(\d{1,3})$")


@dataclass(frozen=True)
class ViewFlags:
    """How the page is presented: ``show`` None means every control."""

    presenter: bool = False
    show: tuple[str, ...] | None = None
    score: tuple[int, int] | None = None  # (right, answered)
    lesson: tuple[str, int] | None = None  # (lesson's key, 1-based step)

    @property
    def plain(self) -> bool:
        """True for an ordinary view (no stylesheet for the kit to add)."""
        return not self.presenter and self.show is None

    def params(self) -> dict[str, str]:
        """The flags as query parameters (nothing for an ordinary view)."""
        out: dict[str, str] = {}
        if self.presenter:
            out["presenter"] = "1"
        if self.show is not None:
            out["show"] = ",".join(self.show)
        if self.score is not None:
            out["score"] = "{}/{}".format(*self.score)
        if self.lesson is not None:
            out["lesson"] = flag_value(*self.lesson)
        return out


def read_flags(
    values: Mapping[str, list[str]], controls: Iterable[str]
) -> tuple[ViewFlags, dict[str, list[str]], list[str]]:
    """Take the view flags out of a link's parameters (each name → its values).

    ``controls`` are the names ``show`` may list (the page's settings). Returns
    the flags, the parameters left for the page's settings, and the problems
    (for `lab.core.params.summarize`).
    """
    rest = {k: v for k, v in values.items() if k not in FLAG_NAMES}
    problems: list[str] = []

    def last(name: str) -> str | None:
        vals = values.get(name)
        if not vals:
            return None
        if len(vals) > 1:
            problems.append(f"{name} (given {len(vals)} times; used the last)")
        return vals[-1].strip().lower()

    presenter = False
    raw = last("presenter")
    if raw is not None:
        if raw in _ON or raw in _OFF:
            presenter = {**_ON, **_OFF}[raw]
        else:
            problems.append("presenter (not 0 or 1)")
    show: tuple[str, ...] | None = None
    raw = last("show")
    if raw is not None:
        if len(raw) > MAX_SHOW:
            problems.append("show (too long; every control is shown)")
        else:
            show, unknown = _names(raw, tuple(controls))
            if unknown:
                problems.append(f"show ({_unknown(unknown)})")
    score = None
    raw = last("score")
    if raw is not None:
        m = _SCORE.match(raw)
        if m and 0 <= int(m[1]) <= int(m[2]) and int(m[2]) > 0:
            score = (int(m[1]), int(m[2]))
        else:
            problems.append("score (not right/answered, as 4/5)")
    lesson = None
    raw = last("lesson")
    if raw is not None:
        found = parse_flag(raw)
        if found is None:
            problems.append("lesson (no such lesson or step)")
        else:
            lesson = (found[0].key, found[1])
    flags = ViewFlags(presenter=presenter, show=show, score=score, lesson=lesson)
    return flags, rest, problems


def _names(raw: str, controls: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """The known control names in a comma-separated list, each once, in the
    list's order; and the unknown ones."""
    known: list[str] = []
    unknown: list[str] = []
    for part in raw.split(","):
        name = part.strip()
        if not name:
            continue
        if name in controls:
            if name not in known:
                known.append(name)
        else:
            unknown.append(name)
    return tuple(known), unknown


def _unknown(names: list[str]) -> str:
    """Unknown control names as the note says them: plain names only."""
    shown = [n for n in names if _SAFE.match(n)][:3]
    more = len(names) - len(shown)
    label = ", ".join(shown) if shown else "unreadable names"
    tail = f" and {more} more" if shown and more > 0 else ""
    return f"no control named {label}{tail} on this page"
