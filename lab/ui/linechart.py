"""The "Why normalize" page's line charts: a small Streamlit component drawing
on <canvas> (assets/linechart.js).

Measured here (bench/latency.py, bench/pages/why.py): ``st.plotly_chart``
remounts a chart whenever its figure changes, and one Plotly chart costs
12–34 ms to redraw in a browser without a GPU; the learning-rate picker changes
five charts and a depth change all seven, 4–5× the bare app. Keyed, the
component stays mounted and redraws its canvas in place in about a millisecond.
What it draws is `lab.why_figures.canvas_spec` of the page's Plotly figures
(the figures themselves stay pure functions, for notebooks).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st

from lab.why_figures import canvas_spec

ASSET = Path(__file__).resolve().parents[2] / "assets" / "linechart.js"


@cache
def _component() -> Callable:
    return st.components.v2.component(
        "normlab_linechart", js=ASSET.read_text(encoding="utf-8"), isolate_styles=False
    )


def line_chart(fig: dict[str, Any], key: str, filename: str) -> None:
    """Draw ``fig`` (one of `lab.why_figures`' figures) on the canvas, keyed by
    ``key`` so a new figure updates the chart in place; ``filename`` names its
    PNG."""
    _component()(key=key, data={"spec": canvas_spec(fig), "filename": filename})
