"""Any of the lab's Plotly figure dicts, drawn by a canvas component
(lab/ui/figure.js) instead of ``st.plotly_chart``.

Measured here (bench/latency.py, bench/pages/train_eval.py): ``st.plotly_chart``
remounts a chart whenever its figure changes, and one Plotly chart costs
12–34 ms to redraw in a browser without a GPU; a Train vs eval step changed
five, about 350 ms of the page's answer. Keyed, the component stays mounted and
redraws its canvas in place in about a millisecond. The figures stay pure
functions returning Plotly's format, so a notebook shows the same picture with
``plotly.io.show(fig)``; docs/streamlit.md lists what of the format is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import streamlit as st

from lab.core.figures import encode
from lab.ui import components

HERE = Path(__file__).parent
FILES = tuple(
    HERE / name
    for name in (
        "figure_base.js",
        "figure.js",
        "figure_axes.js",
        "figure_traces.js",
        "figure_input.js",
        "panel.js",
    )
)
"""The component's files, in load order (figure.js says what each holds)."""

Click = Mapping[str, Any]
"""What a click sends: ``x`` and ``y`` of the point or cell (a heatmap cell's
column and row), ``curve`` (the trace's index) and ``index`` (the point's)."""


def component() -> Callable:
    """The component (lab/ui/figure.js), created once per process."""
    return components.component("normlab_figure", *FILES)


def _clicked(key: str, on_click: Callable[[Click], None]) -> None:
    value = st.session_state.get(key)
    click = value.get("click") if hasattr(value, "get") else None
    if isinstance(click, Mapping) and "x" in click and "y" in click:
        on_click(click)


def mount(
    key: str, data: dict[str, Any], on_click: Callable[[Click], None] | None
) -> None:
    """Mount the component under ``key`` with ``data`` (a figure, or a panel's
    blocks: lab/ui/panel.py); ``on_click`` gets each click's `Click`."""
    if on_click is None:
        component()(key=key, data=data)
    else:
        component()(
            key=key, data=data, on_click_change=partial(_clicked, key, on_click)
        )


def figure(
    fig: Mapping[str, Any],
    key: str,
    filename: str,
    on_click: Callable[[Click], None] | None = None,
    focus: tuple[int, int] | None = None,
) -> None:
    """Draw ``fig`` on the canvas, updated in place under ``key``; ``filename``
    names its PNG. With ``on_click``, a click on a point or heatmap cell (or
    Enter on the keyboard cursor, which starts at ``focus``: row, column)
    calls it with the `Click`."""
    data = {
        "figure": encode(fig),
        "filename": filename,
        "clickable": on_click is not None,
        "focus": None if focus is None else [int(focus[0]), int(focus[1])],
    }
    mount(key, data, on_click)
