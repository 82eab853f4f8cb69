"""Draw a `lab.core.panel.Panel` (headings, text, readouts, tables and canvas
charts in one element, updated in place: lab/core/panel.py says why)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lab.core.panel import Panel
from lab.ui.figure import Click, mount


def _on_chart(on_click: Callable[[str, Click], None]) -> Callable[[Click], None]:
    """A panel's click names its chart (lab/ui/figure.js adds ``chart``)."""

    def clicked(click: Click) -> None:
        if "chart" in click:
            on_click(str(click["chart"]), click)

    return clicked


def show(
    panel: Panel,
    key: str,
    on_click: Callable[[str, Click], None] | None = None,
    off: Mapping[str, bool] | None = None,
) -> None:
    """Draw ``panel`` under ``key`` (updated in place on the next run); a click
    on a clickable chart calls ``on_click(chart name, click)``.

    ``off`` names controls elsewhere on the page by their container's class
    (``st-key-…``) and whether each is switched off now: dimmed, aria-disabled
    and out of reach of keys and pointer in the browser, so that a change of
    what applies need not redraw them."""
    data: dict[str, Any] = {"blocks": panel.blocks}
    if off is not None:
        data["off"] = dict(off)
    mount(key, data, None if on_click is None else _on_chart(on_click))
