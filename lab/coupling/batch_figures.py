"""Plotly figures of one batch of the Batch coupling page, example by example
and cell by cell: the coupling probe's heatmap and bars, the one-class batch's
class scores, each shard's statistics.

Apart from `lab.coupling.figures` (the resampling experiments' curves) because
these draw a single batch as it is, rows aligned with its examples; they share
its style (`layout`, the trace colours) and the lab's heatmap scale and
outline (`lab.core.figures`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lab.core.figures import DIVERGING, HALO, OUTLINE, rect, symmetric_range
from lab.coupling.batches import COMPOSITION_ROWS, Composition, Split
from lab.coupling.figures import HEIGHT, REFERENCE, TRACE_COLORS, f32, layout
from lab.coupling.model import TRACE_NAMES

CLASS_COLORS = {1: "#E69F00", -1: "#56B4E9"}
CLASS_NAMES = {1: "class A", -1: "class B"}

ROW_LABELS: dict[tuple[str, str], str] = {
    (
        trace,
        comp,
    ): f"{TRACE_NAMES[trace]}, {'mixed' if comp == 'mixed' else 'one class'}"
    for trace, comp in COMPOSITION_ROWS
}


def probe_range(column: np.ndarray, focus: tuple[int, int]) -> float:
    """Colour range of the probe: set by every cell but the nudged one.

    The nudged cell's own derivative is usually far larger than its neighbours'
    (−1/B-sized for BatchNorm); on its scale they would all look white. The
    nudged cell saturates instead, and its value is printed beside the chart.
    """
    others = np.abs(column.astype(np.float64))
    others[focus] = 0.0
    m = float(others.max()) if others.size else 0.0
    return m if m > 0 else symmetric_range(column)


def probe_heatmap(
    column: np.ndarray,
    *,
    focus: tuple[int, int],
    outline: tuple[int, int, int, int] | None,
) -> dict[str, Any]:
    """∂y[n, k]/∂x[i, j] for every output cell, clickable to move the nudged cell.

    A transparent marker sits on every cell centre to carry hover text (and,
    in Plotly, clicks: heatmap cells emit no click events there); the page's
    canvas component reads the same markers' text for the cell under the
    pointer.
    """
    b, f = column.shape
    rows, cols = np.divmod(np.arange(b * f, dtype=np.int32), f)
    i, j = focus
    zmax = probe_range(column, focus)
    return {
        "data": [
            {
                "type": "heatmap",
                "z": f32(column),
                "zmin": -zmax,
                "zmax": zmax,
                "colorscale": DIVERGING,
                "hoverinfo": "skip",
                "colorbar": {"thickness": 12, "outlinewidth": 0, "len": 0.9},
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": cols.astype(np.int16),
                "y": rows.astype(np.int16),
                "customdata": f32(column.ravel()),
                "marker": {"size": 6, "opacity": 0, "color": OUTLINE},
                "hovertemplate": "example %{y}, feature %{x}<br>"
                f"∂y[%{{y}}, %{{x}}]/∂x[{i}, {j}] = %{{customdata:.4g}}"
                "<extra></extra>",
                "showlegend": False,
            },
        ],
        "layout": layout(
            f"∂y / ∂x[{i}, {j}]: which outputs move",
            height=max(HEIGHT, min(560, 120 + 9 * b)),
            margin={"l": 48, "r": 10, "t": 40, "b": 40},
            xaxis={
                "title": {"text": "feature", "standoff": 4},
                "range": [-0.5, f - 0.5],
                "showgrid": False,
                "zeroline": False,
            },
            yaxis={
                "title": {"text": "example", "standoff": 4},
                "range": [b - 0.5, -0.5],
                "showgrid": False,
                "zeroline": False,
            },
            shapes=[
                *(
                    []
                    if outline is None
                    else [rect(*outline, HALO, 5), rect(*outline, OUTLINE, 2.5)]
                ),
                rect(i, i, j, j, HALO, 3),
                rect(i, i, j, j, OUTLINE, 1.5),
            ],
            clickmode="event+select",
            dragmode=False,
            hoverdistance=-1,
            showlegend=False,
        ),
    }


def blocks_figure(blocks: np.ndarray, *, example: int, height: int) -> dict[str, Any]:
    """‖∂y_n/∂x_i‖ per example n, rows aligned with the heatmap's."""
    b = len(blocks)
    colors = [TRACE_COLORS["batch"] if n == example else "#8c8c8c" for n in range(b)]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": f32(blocks),
                "y": np.arange(b, dtype=np.int16),
                "marker": {"color": colors},
                "hovertemplate": f"example %{{y}} hears example {example}: "
                "‖∂y/∂x‖ = %{x:.4g}<extra></extra>",
            }
        ],
        "layout": layout(
            f"‖∂y_n/∂x_{example}‖",
            height=height,
            margin={"l": 36, "r": 10, "t": 40, "b": 40},
            xaxis={"rangemode": "tozero", "nticks": 3},
            yaxis={
                "range": [b - 0.5, -0.5],
                "showgrid": False,
                "dtick": max(1, b // 8),
            },
            showlegend=False,
            dragmode=False,
        ),
    }


def composition_figure(comp: Composition, *, example: int) -> dict[str, Any]:
    """Every example's class score, per (family, composition) row."""
    data: list[dict[str, Any]] = []
    seen: set[int] = set()
    n_rows = len(COMPOSITION_ROWS)
    for row, key in enumerate(COMPOSITION_ROWS):
        scores = comp.scores[key]
        labels = comp.labels[key[1]]
        b = len(scores)
        jitter = ((np.arange(b) % 5) - 2) * 0.07
        y = n_rows - 1 - row + jitter
        for cls in (1, -1):
            m = labels == cls
            if not m.any():
                continue
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": CLASS_NAMES[cls],
                    "legendgroup": CLASS_NAMES[cls],
                    "showlegend": cls not in seen,
                    "x": f32(scores[m]),
                    "y": f32(y[m]),
                    "customdata": np.flatnonzero(m).astype(np.int16),
                    "marker": {"color": CLASS_COLORS[cls], "size": 8, "opacity": 0.85},
                    "hovertemplate": f"{ROW_LABELS[key]}<br>example %{{customdata}}"
                    f" ({CLASS_NAMES[cls]})<br>class score %{{x:.3f}}<extra></extra>",
                }
            )
            seen.add(cls)
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"example {example}",
                "legendgroup": "focus",
                "showlegend": row == 0,
                "x": f32([scores[example]]),
                "y": f32([y[example]]),
                "marker": {
                    "symbol": "circle-open",
                    "size": 15,
                    "color": OUTLINE,
                    "line": {"width": 2.5, "color": OUTLINE},
                },
                "hovertemplate": f"example {example}: %{{x:.3f}}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": layout(
            "Class score of every example",
            height=460,
            margin={"l": 210, "r": 12, "t": 40, "b": 48},
            xaxis={
                "title": {"text": "class score (A > 0 > B)", "standoff": 4},
                "zeroline": True,
                "zerolinewidth": 2,
            },
            yaxis={
                "tickvals": list(range(n_rows)),
                "ticktext": [ROW_LABELS[k] for k in reversed(COMPOSITION_ROWS)],
                "range": [-0.6, n_rows - 0.4],
                "showgrid": True,
                "zeroline": False,
            },
            legend={
                "orientation": "h",
                "y": 1.02,
                "x": 1,
                "xanchor": "right",
                "yanchor": "bottom",
                "font": {"size": 12},
            },
        ),
    }


def shard_means_figure(
    split: Split, *, feature: int, example_shard: int, what: str
) -> dict[str, Any]:
    """Each shard's mean (± std) of one feature against the whole batch's."""
    k = len(split.sizes)
    x = np.arange(k, dtype=np.int16)
    means = split.means[:, feature]
    stds = np.sqrt(split.variances[:, feature])
    edges = np.concatenate([[0], np.cumsum(split.sizes)])
    px = np.concatenate(
        [np.full(n, s, dtype=np.float32) for s, n in enumerate(split.sizes)]
    )
    jitter = ((np.arange(len(px)) % 7) - 3) * 0.04
    colors = [
        TRACE_COLORS["batch"] if s == example_shard else REFERENCE for s in range(k)
    ]
    mu, sd = float(split.mean[feature]), float(np.sqrt(split.var[feature]))
    span = f32([-0.5, k - 0.5])
    whole = {"color": TRACE_COLORS["layer"], "width": 2}
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "whole batch μ ± σ",
                "legendgroup": "whole",
                "x": span,
                "y": f32([mu, mu]),
                "line": whole | {"dash": "dash"},
                "hovertemplate": f"whole batch μ = {mu:.4f}, σ = {sd:.4f}"
                "<extra></extra>",
            },
            *(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "legendgroup": "whole",
                    "showlegend": False,
                    "x": span,
                    "y": f32([v, v]),
                    "line": whole | {"dash": "dot", "width": 1},
                    "hoverinfo": "skip",
                }
                for v in (mu - sd, mu + sd)
            ),
            {
                "type": "scatter",
                "mode": "markers",
                "name": "examples",
                "x": f32(px + jitter),
                "y": f32(split.x[:, feature]),
                "marker": {"color": REFERENCE, "size": 5, "opacity": 0.6},
                "hovertemplate": "x = %{y:.3f}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"{what} μ ± σ",
                "x": x,
                "y": f32(means),
                "error_y": {
                    "type": "data",
                    "array": f32(stds),
                    "thickness": 2,
                    "width": 5,
                    "color": REFERENCE,
                },
                "marker": {"color": colors, "size": 11, "symbol": "diamond"},
                "customdata": np.stack([edges[:-1], edges[1:] - 1], axis=1).astype(
                    np.int16
                ),
                "hovertemplate": f"{what} %{{x}} (examples %{{customdata[0]}}–"
                "%{customdata[1]})<br>μ = %{y:.4f}<extra></extra>",
            },
        ],
        "layout": layout(
            f"Feature {feature}: each {what}'s statistics",
            xaxis={
                "title": {"text": what, "standoff": 4},
                "tickvals": list(range(k)),
                "range": [-0.6, k - 0.4],
                "showgrid": False,
                "zeroline": False,
            },
            yaxis={"title": {"text": f"x[:, {feature}]", "standoff": 4}},
        ),
    }
