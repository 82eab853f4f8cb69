"""Plotly figures as plain dicts, with every colour and scale of the lab in one place.

Plain dicts with float32 numpy arrays because they are ~10× cheaper to build than
``plotly.graph_objects`` and travel as base64 (see NOTES.md); the pages pass them
to ``st.plotly_chart`` unchanged, and a notebook can pass them to
``plotly.io.show``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# ColorBrewer RdBu, reversed so warm = positive: colour-blind safe and diverging
# around a neutral zero.
DIVERGING: list[list[Any]] = [
    [0.0, "#2166ac"],
    [0.125, "#4393c3"],
    [0.25, "#92c5de"],
    [0.375, "#d1e5f0"],
    [0.5, "#f7f7f7"],
    [0.625, "#fddbc7"],
    [0.75, "#f4a582"],
    [0.875, "#d6604d"],
    [1.0, "#b2182b"],
]
OUTLINE = "#111111"
HALO = "#ffffff"
HEATMAP_HEIGHT = 430

CHART_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "modeBarButtonsToRemove": [
        "select2d",
        "lasso2d",
        "autoScale2d",
        "zoom2d",
        "pan2d",
        "zoomIn2d",
        "zoomOut2d",
    ],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
"""Plotly's toolbar for the lab's charts: keep the camera (PNG export) and reset."""


def symmetric_range(*arrays: np.ndarray) -> float:
    """Half-width of a colour range centred on 0 that holds every finite value."""
    m = 0.0
    for a in arrays:
        finite = np.abs(a[np.isfinite(a)])
        if finite.size:
            m = max(m, float(finite.max()))
    return m if m > 0 else 1.0


def _dtick(n: int) -> int:
    """Integer ticks, at most ~12 of them: cells sit at whole numbers."""
    return max(1, -(-n // 12))


def _rect(r0: int, r1: int, c0: int, c1: int, color: str, width: float) -> dict:
    return {
        "type": "rect",
        "xref": "x",
        "yref": "y",
        "x0": c0 - 0.5,
        "x1": c1 + 0.5,
        "y0": r0 - 0.5,
        "y1": r1 + 0.5,
        "line": {"color": color, "width": width},
        "fillcolor": "rgba(0,0,0,0)",
    }


def heatmap(
    z: np.ndarray,
    *,
    title: str,
    zmax: float,
    outline: tuple[int, int, int, int],
    focus: tuple[int, int],
    raw: np.ndarray,
    out: np.ndarray,
    show_scale: bool = True,
    filename: str = "heatmap",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A clickable examples × features heatmap with the focused set outlined.

    Heatmap cells emit no click events, so a transparent marker sits on every cell
    centre to carry clicks and hover (NOTES.md); ``hoverdistance=-1`` lets a click
    anywhere in a cell reach its marker. Returns the figure and its chart config.
    """
    b, f = z.shape
    rows, cols = np.divmod(np.arange(b * f, dtype=np.int32), f)
    custom = np.stack([raw.ravel(), out.ravel()], axis=1).astype(np.float32)  # BF,2
    r0, r1, c0, c1 = outline
    fr, fc = focus
    fig = {
        "data": [
            {
                "type": "heatmap",
                "z": np.asarray(z, dtype=np.float32),
                "zmin": -zmax,
                "zmax": zmax,
                "colorscale": DIVERGING,
                "hoverinfo": "skip",
                "showscale": show_scale,
                "colorbar": {"thickness": 12, "outlinewidth": 0, "len": 0.9},
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": cols.astype(np.int16),
                "y": rows.astype(np.int16),
                "customdata": custom,
                "marker": {"size": 6, "opacity": 0, "color": OUTLINE},
                "hovertemplate": "example %{y}, feature %{x}<br>"
                "raw x = %{customdata[0]:.4g}<br>"
                "normalized y = %{customdata[1]:.4g}<extra></extra>",
                "showlegend": False,
            },
        ],
        "layout": {
            "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
            "height": HEATMAP_HEIGHT,
            "margin": {"l": 40, "r": 10, "t": 36, "b": 36},
            "xaxis": {
                "title": {"text": "feature", "standoff": 4},
                "range": [-0.5, f - 0.5],
                "tick0": 0,
                "dtick": _dtick(f),
                "showgrid": False,
                "zeroline": False,
                "constrain": "domain",
            },
            "yaxis": {
                "title": {"text": "example", "standoff": 4},
                "range": [b - 0.5, -0.5],
                "tick0": 0,
                "dtick": _dtick(b),
                "showgrid": False,
                "zeroline": False,
            },
            "shapes": [
                _rect(r0, r1, c0, c1, HALO, 5),
                _rect(r0, r1, c0, c1, OUTLINE, 2.5),
                _rect(fr, fr, fc, fc, HALO, 3),
                _rect(fr, fr, fc, fc, OUTLINE, 1.5),
            ],
            "clickmode": "event+select",
            "dragmode": False,
            "hovermode": "closest",
            "hoverdistance": -1,
            "showlegend": False,
        },
    }
    config = CHART_CONFIG | {
        "toImageButtonOptions": CHART_CONFIG["toImageButtonOptions"]
        | {"filename": filename}
    }
    return fig, config
