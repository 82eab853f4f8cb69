"""A page section drawn by one component: headings, text, readouts, tables and
canvas charts (lab/ui/figure.js), updated in place. This module builds a
panel (pure: a topic builds and tests its panels without a server);
`lab.ui.panel.show` draws one.

Why: every Streamlit element a fragment rerun sends is re-rendered by React in
the browser, ~1–3 ms each on these machines, and the Train vs eval step
fragment sent ~50 (bench/latency.py: the browser's main thread spent ~170 ms
per Step against a bare app's ~27 ms). A panel is one element: the browser
rewrites only the blocks whose content changed. Widgets stay Streamlit's own.

Build a `Panel`, then `show` it under a key::

    p = Panel()
    p.heading("Running statistics")
    p.figures([Chart("stream", fig, "running-statistics")])
    p.metrics([("running_mean[0]", "1.63", "What eval mode subtracts.")])
    show(p, "traineval.stream")

Text is the lab's copy in the little Markdown of `lab.ui.markup` (escaped
first). A test reads a panel's words with `Panel.words` or, on a page run in
AppTest, from the data the component was handed (tests/app/figures.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lab.core.figures import encode
from lab.core.markup import inline, to_html

LEVELS = ("info", "success", "warning")
TONES = ("up", "down", "off")
"""A readout's delta: better (green, up arrow), worse (red, down), neither."""


@dataclass(frozen=True)
class Chart:
    """One canvas chart in a panel: ``name`` is its id within the panel,
    ``filename`` its PNG's; ``clickable`` charts report clicks, the keyboard
    cursor starting at ``focus`` (row, column)."""

    name: str
    fig: dict[str, Any]
    filename: str
    clickable: bool = False
    focus: tuple[int, int] | None = None


@dataclass(frozen=True)
class Picker:
    """One index of the focused cell: ``value`` in 0 … ``size`` − 1; ``cls``
    is a class the input's box carries (a locked view hides it by that)."""

    label: str
    value: int
    size: int
    help: str
    cls: str = ""


@dataclass
class Panel:
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def heading(self, text: str) -> None:
        """A section heading with a rule under it, as ``st.subheader(divider=)``."""
        self.blocks.append({"t": "heading", "html": inline(text)})

    def text(self, md: str) -> None:
        self.blocks.append({"t": "text", "html": to_html(md)})

    def caption(self, md: str) -> None:
        self.blocks.append({"t": "caption", "html": to_html(md)})

    def formula(self, markup: str) -> None:
        """A displayed formula, as HTML with ``<sub>``/``<sup>``: constant
        markup from a topic's texts.py only (it is not escaped), never a value that
        came from a link or an upload."""
        self.blocks.append({"t": "formula", "html": markup})

    def callout(self, level: str, md: str) -> None:
        """A coloured box, as ``st.info`` / ``st.success`` / ``st.warning``."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}")
        self.blocks.append({"t": "callout", "level": level, "html": to_html(md)})

    def metrics(
        self,
        items: Sequence[tuple[str, str, str | None]],
        deltas: Sequence[tuple[str, str] | None] | None = None,
    ) -> None:
        """Readouts side by side: (label, value, help), help shown on a "?".

        ``deltas``, one per item or None, put a comparison under a value as
        ``st.metric``'s delta does: (text, tone), the tone one of `TONES`
        ("up" green with an up arrow, "down" red with a down arrow, "off"
        grey, no arrow)."""
        block: dict[str, Any] = {
            "t": "metrics",
            "items": [[a, b, c or ""] for a, b, c in items],
        }
        if deltas is not None:
            if len(deltas) != len(block["items"]):
                raise ValueError("one delta (or None) per item")
            for d in deltas:
                if d is not None and d[1] not in TONES:
                    raise ValueError(f"a delta's tone must be one of {TONES}")
            block["deltas"] = [None if d is None else [d[0], d[1]] for d in deltas]
        self.blocks.append(block)

    def table(
        self, head: Sequence[str], rows: Sequence[Sequence[str]], align: str = ""
    ) -> None:
        """A table; ``align`` has one letter per column, "l" or "r" (numbers)."""
        self.blocks.append(
            {
                "t": "table",
                "head": [inline(h) for h in head],
                "rows": [[inline(c) for c in r] for r in rows],
                "align": align or "l" * len(head),
            }
        )

    def pickers(self, items: Sequence[Picker]) -> None:
        """Number inputs side by side, for the keyboard: each picks one index
        of the focused cell. A changed one sends what a click on a chart sends
        (``x``: the second index, ``y``: the first; ``chart`` "pickers"), so a
        panel's ``on_click`` moves the cell either way. Plain inputs, not
        Streamlit's: a rerun sends them with the panel, and the browser only
        sets their values, where two number inputs were re-rendered each time
        (docs/streamlit.md)."""
        self.blocks.append(
            {
                "t": "pickers",
                "items": [
                    [p.label, int(p.value), int(p.size), p.help, p.cls] for p in items
                ],
            }
        )

    def figures(
        self,
        charts: Sequence[Chart],
        cols: int = 1,
        widths: Sequence[float] | None = None,
    ) -> None:
        """Canvas charts, ``cols`` side by side (or one per entry of
        ``widths``, in those proportions); one column on a phone."""
        self.blocks.append(
            {
                "t": "figures",
                "cols": len(widths) if widths else cols,
                "widths": [float(w) for w in widths] if widths else None,
                "items": [
                    {
                        "name": c.name,
                        "figure": encode(c.fig),
                        "filename": c.filename,
                        "clickable": c.clickable,
                        "focus": None if c.focus is None else list(c.focus),
                    }
                    for c in charts
                ],
            }
        )

    def words(self) -> str:
        """Every word the panel shows (headings, text, readouts, tables), as
        plain text: what a test checks sentences against."""
        out = []
        for b in self.blocks:
            if "html" in b:
                out.append(b["html"])
            elif b["t"] == "metrics":
                deltas = b.get("deltas") or [None] * len(b["items"])
                out += [
                    f"{a}: {v}" + (f" ({d[0]})" if d else "")
                    for (a, v, _), d in zip(b["items"], deltas, strict=True)
                ]
            elif b["t"] == "table":
                out += [" | ".join(r) for r in [b["head"], *b["rows"]]]
            elif b["t"] == "pickers":
                out += [f"{html.escape(p[0])}: {p[1]}" for p in b["items"]]
        return plain_text(" ".join(out))


def plain_text(markup: str) -> str:
    """The words of a panel's markup, tags dropped and entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))
