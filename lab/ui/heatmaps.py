"""The Lab page's heatmap pair: a small Streamlit component drawing on <canvas>.

Measured here (bench/latency.py): ``st.plotly_chart`` remounts a chart whenever
its figure changes, and moving the outline changes the figure, so every click
redrew both heatmaps from scratch; a live Plotly chart still spends ~20–30 ms
per heatmap on each update. The component (assets/heatmaps.js) draws the cells
on a canvas in well under a millisecond, moves the outline the moment a cell is
clicked and sends the focus here. What it draws is computed in Python
(`lab.board.board_panels`); `lab.board.board_figures` gives the same pictures as
Plotly figures for notebooks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

import streamlit as st

from lab.board import Board, board_panels

ASSET = Path(__file__).resolve().parents[2] / "assets" / "heatmaps.js"


@cache
def _component() -> Callable:
    return st.components.v2.component(
        "normlab_heatmaps", js=ASSET.read_text(encoding="utf-8"), isolate_styles=False
    )


def heatmap_pair(
    board: Board,
    key: str,
    on_focus: Callable[[], None],
    off: Mapping[str, bool],
) -> None:
    """Draw the raw and normalized heatmaps; ``on_focus`` runs on a click in a cell.

    ``off`` names controls elsewhere on the page (by their container's class)
    that the component switches off or on with each update.
    """
    _component()(
        key=key,
        data={**board_panels(board), "off": dict(off)},
        default={"focus": list(board.state.focus)},
        on_focus_change=on_focus,
    )
