"""Plotly figures as plain dicts, with every colour and scale of the lab in one place.

Plain dicts with float32 numpy arrays because they are ~10× cheaper to build than
``plotly.graph_objects`` (docs/streamlit.md, "Where the time of one interaction
goes"); the pages hand them to their canvas components (lab/ui/figure.py, the
Lab's heatmaps) unchanged, and a notebook can pass them to ``plotly.io.show``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
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
CLICKABLE: dict[str, Any] = {
    "clickmode": "event+select",
    "dragmode": False,
    "hovermode": "closest",
    "hoverdistance": -1,
    "showlegend": False,
}
"""Layout of a heatmap whose cells are clicked: a click selects the cell under
the pointer (in Plotly, through the marker at its centre; on the lab's canvas,
the cell itself) instead of starting a zoom box."""
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
    """Integer ticks at a power of two, at most 16 of them: cells sit at whole
    numbers, and the lab's sizes (up to 64) divide evenly."""
    step = 1
    while n / step > 16:
        step *= 2
    return step


def rect(r0: float, r1: float, c0: float, c1: float, color: str, width: float) -> dict:
    """An outline around cells r0..r1 × c0..c1 of a heatmap (a Plotly shape)."""
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
    other: np.ndarray | None,
    labels: tuple[str, ...] = ("raw x", "normalized y"),
    show_scale: bool = True,
    filename: str = "heatmap",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An examples × features heatmap with the focused set outlined.

    Hovering a cell shows its value and, if given, the ``other`` matrix's
    (``labels`` name them, this one first). Returns the figure and its chart
    config.
    """
    b, f = z.shape
    r0, r1, c0, c1 = outline
    fr, fc = focus
    trace = {
        "type": "heatmap",
        "z": np.asarray(z, dtype=np.float32),
        "zmin": -zmax,
        "zmax": zmax,
        "colorscale": DIVERGING,
        "showscale": show_scale,
        "colorbar": {"thickness": 12, "outlinewidth": 0, "len": 0.9},
        "hovertemplate": f"example %{{y}}, feature %{{x}}<br>{labels[0]} = %{{z:.4g}}",
    }
    if other is not None:
        trace["customdata"] = np.asarray(other, dtype=np.float32)
        trace["hovertemplate"] += f"<br>{labels[1]} = %{{customdata:.4g}}"
    trace["hovertemplate"] += "<extra></extra>"
    fig = {
        "data": [trace],
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
                rect(r0, r1, c0, c1, HALO, 5),
                rect(r0, r1, c0, c1, OUTLINE, 2.5),
                rect(fr, fr, fc, fc, HALO, 3),
                rect(fr, fr, fc, fc, OUTLINE, 1.5),
            ],
            "clickmode": "event",
            "dragmode": False,
            "hovermode": "closest",
            "showlegend": False,
        },
    }
    config = CHART_CONFIG | {
        "toImageButtonOptions": CHART_CONFIG["toImageButtonOptions"]
        | {"filename": filename},
    }
    return fig, config


def b64(a: np.ndarray, dtype: type) -> str:
    """An array's raw bytes (little-endian ``dtype``) as base64, for the browser."""
    return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode()


def heatmap_spec(
    z: np.ndarray,
    *,
    title: str,
    zmax: float,
    label: str,
    other: np.ndarray | None = None,
    other_label: str = "",
    show_scale: bool = True,
    filename: str = "heatmap",
) -> dict[str, Any]:
    """One heatmap for the Lab's canvas component (lab/board/heatmaps.js).

    The same picture as `heatmap`: values on the `DIVERGING` scale over
    [−zmax, zmax], hover with ``label`` (and ``other``'s value), but drawn on a
    canvas, which redraws in well under a millisecond (see lab/board/heatmaps.py).
    """
    spec: dict[str, Any] = {
        "title": title,
        "z": b64(z, np.float32),
        "zmax": float(zmax),
        "label": label,
        "showscale": show_scale,
        "colorscale": DIVERGING,
        "filename": filename,
    }
    if other is not None:
        spec |= {"other": b64(other, np.float32), "other_label": other_label}
    return spec


def encode(value: Any) -> Any:
    """The figure with every numeric numpy array as base64 float32 (and its
    shape), the rest as JSON takes it: a 16×4 heatmap's numbers travel as 340
    characters instead of a nested list of reprs."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            a = np.ascontiguousarray(value, dtype=np.float32)
            return {
                "__f32": base64.b64encode(a.tobytes()).decode("ascii"),
                "shape": list(a.shape),
            }
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
