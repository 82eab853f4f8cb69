"""Plotly figures of the Batch coupling page, as plain dicts with float32 arrays.

Colours: the diverging scale comes from `lab.figures`; the
families get the Okabe–Ito palette (colour-blind safe), one colour per trace on
every chart of the page, and distinct marker shapes, so traces that lie exactly
on top of each other (every per-example family at zero) stay visible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lab.coupling import BATCH_GRID, TRACE_NAMES, TRACES
from lab.coupling_batches import COMPOSITION_ROWS, Composition, Split, SplitSpread
from lab.figures import DIVERGING, HALO, OUTLINE, symmetric_range

TRACE_COLORS: dict[str, str] = {
    "batch": "#D55E00",
    "batch_eval": "#E69F00",
    "layer": "#0072B2",
    "rms": "#009E73",
    "group": "#CC79A7",
}
TRACE_SYMBOLS: dict[str, str] = {
    "batch": "circle",
    "batch_eval": "square-open",
    "layer": "circle-open",
    "rms": "diamond-open",
    "group": "x-thin-open",
}
TRACE_SIZES: dict[str, int] = {
    "batch": 8,
    "batch_eval": 15,
    "layer": 12,
    "rms": 9,
    "group": 7,
}
CLASS_COLORS = {1: "#E69F00", -1: "#56B4E9"}
CLASS_NAMES = {1: "class A", -1: "class B"}
REFERENCE = "#7f7f7f"
HEIGHT = 380

ROW_LABELS: dict[tuple[str, str], str] = {
    (
        trace,
        comp,
    ): f"{TRACE_NAMES[trace]}, {'mixed' if comp == 'mixed' else 'one class'}"
    for trace, comp in COMPOSITION_ROWS
}


def _f32(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def _layout(title: str, **kw: Any) -> dict[str, Any]:
    layout = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "height": HEIGHT,
        "margin": {"l": 56, "r": 12, "t": 40, "b": 48},
        "legend": {"orientation": "h", "y": -0.2, "x": 0, "font": {"size": 12}},
        "hovermode": "closest",
    }
    return layout | kw


def _vline(x: float, color: str = REFERENCE, dash: str = "dot") -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": color, "width": 1.5, "dash": dash},
    }


def _hline(y: float, color: str = REFERENCE, dash: str = "dash") -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "paper",
        "yref": "y",
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": color, "width": 1.5, "dash": dash},
    }


def _log2_axis(title: str, ticks: tuple[int, ...]) -> dict[str, Any]:
    return {
        "title": {"text": title, "standoff": 4},
        "type": "log",
        "tickvals": list(ticks),
        "ticktext": [str(t) for t in ticks],
        "range": [np.log10(min(ticks) / 1.25), np.log10(max(ticks) * 1.25)],
        "showgrid": False,
    }


def _trace_line(
    trace: str, x: np.ndarray, y: np.ndarray, highlight: bool, hover: str
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": TRACE_NAMES[trace],
        "x": _f32(x),
        "y": _f32(y),
        "line": {"color": TRACE_COLORS[trace], "width": 3.5 if highlight else 2},
        "marker": {
            "symbol": TRACE_SYMBOLS[trace],
            "size": TRACE_SIZES[trace],
            "color": TRACE_COLORS[trace],
            "line": {"width": 2, "color": TRACE_COLORS[trace]},
        },
        "hovertemplate": hover,
    }


def spread_figure(
    sizes: np.ndarray,
    spreads: dict[str, np.ndarray],
    *,
    batch: int,
    highlight: str,
    reference: float,
) -> dict[str, Any]:
    """Spread of the fixed example's output against batch size, one line per trace.

    ``reference`` is c in c/√B, anchored on BatchNorm's measurement at the
    largest batch, so the dashed line shows the 1/√B shape, not a fit.
    """
    ref_x = np.geomspace(sizes.min(), sizes.max(), 40)
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "∝ 1/√B",
            "x": _f32(ref_x),
            "y": _f32(reference / np.sqrt(ref_x)),
            "line": {"color": REFERENCE, "dash": "dash", "width": 1.5},
            "hoverinfo": "skip",
        }
    ]
    for trace in TRACES:
        name = TRACE_NAMES[trace]
        data.append(
            _trace_line(
                trace,
                sizes,
                spreads[trace],
                trace == highlight,
                f"{name}<br>B = %{{x}}<br>spread = %{{y:.4g}}<extra></extra>",
            )
        )
    top = max(float(np.max(v)) for v in spreads.values())
    return {
        "data": data,
        "layout": _layout(
            "Spread of the fixed example's output",
            xaxis=_log2_axis("batch size B (log scale)", BATCH_GRID),
            yaxis={
                "title": {"text": "spread (std across batches)", "standoff": 4},
                "range": [-0.04 * max(top, 0.1), 1.08 * max(top, 0.1)],
                "zeroline": True,
            },
            shapes=[_vline(batch)],
            annotations=[
                {
                    "x": np.log10(batch),
                    "y": 1,
                    "xref": "x",
                    "yref": "paper",
                    "text": f"B = {batch}",
                    "showarrow": False,
                    "xanchor": "left",
                    "yanchor": "top",
                    "font": {"size": 12},
                }
            ],
        ),
    }


def outputs_figure(
    values: dict[str, np.ndarray], *, feature: int, example: int, batch: int
) -> dict[str, Any]:
    """Histogram of one output of the fixed example over the resampled batches.

    BatchNorm in training gives a distribution; every other trace gives a single
    value (every resample, bit for bit), drawn as a vertical line.
    """
    bn = values["batch"].astype(np.float64)
    lo = min(float(v.min()) for v in values.values())
    hi = max(float(v.max()) for v in values.values())
    if hi - lo < 1e-6:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(bn, bins=40, range=(lo, hi))
    centres = (edges[:-1] + edges[1:]) / 2
    top = float(counts.max()) if counts.size else 1.0
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": TRACE_NAMES["batch"],
            "x": _f32(centres),
            "y": _f32(counts),
            "width": float(edges[1] - edges[0]),
            "marker": {"color": TRACE_COLORS["batch"], "opacity": 0.75},
            "hovertemplate": "y ≈ %{x:.3f}: %{y} batches<extra>BatchNorm</extra>",
        }
    ]
    for trace in TRACES[1:]:
        v = float(values[trace][0])
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": TRACE_NAMES[trace],
                "x": _f32([v, v]),
                "y": _f32([0, top * 1.05]),
                "line": {"color": TRACE_COLORS[trace], "width": 2.5},
                "marker": {
                    "symbol": TRACE_SYMBOLS[trace],
                    "size": [0, TRACE_SIZES[trace]],
                    "color": TRACE_COLORS[trace],
                    "line": {"width": 2, "color": TRACE_COLORS[trace]},
                },
                "hovertemplate": f"{TRACE_NAMES[trace]}: y = {v:.4g} in every "
                "batch<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": _layout(
            f"Example {example}, feature {feature}: y in {len(bn)} batches of {batch}",
            xaxis={"title": {"text": "normalized output y", "standoff": 4}},
            yaxis={"title": {"text": "batches", "standoff": 4}},
            bargap=0.05,
        ),
    }


def _box(r0: int, r1: int, c0: int, c1: int, color: str, width: float) -> dict:
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


def _rect(r: int, c: int, color: str, width: float) -> dict[str, Any]:
    return _box(r, r, c, c, color, width)


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
                "z": _f32(column),
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
                "customdata": _f32(column.ravel()),
                "marker": {"size": 6, "opacity": 0, "color": OUTLINE},
                "hovertemplate": "example %{y}, feature %{x}<br>"
                f"∂y[%{{y}}, %{{x}}]/∂x[{i}, {j}] = %{{customdata:.4g}}"
                "<extra></extra>",
                "showlegend": False,
            },
        ],
        "layout": _layout(
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
                    else [_box(*outline, HALO, 5), _box(*outline, OUTLINE, 2.5)]
                ),
                _rect(i, j, HALO, 3),
                _rect(i, j, OUTLINE, 1.5),
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
                "x": _f32(blocks),
                "y": np.arange(b, dtype=np.int16),
                "marker": {"color": colors},
                "hovertemplate": f"example %{{y}} hears example {example}: "
                "‖∂y/∂x‖ = %{x:.4g}<extra></extra>",
            }
        ],
        "layout": _layout(
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
                    "x": _f32(scores[m]),
                    "y": _f32(y[m]),
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
                "x": _f32([scores[example]]),
                "y": _f32([y[example]]),
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
        "layout": _layout(
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
    span = _f32([-0.5, k - 0.5])
    whole = {"color": TRACE_COLORS["layer"], "width": 2}
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "whole batch μ ± σ",
                "legendgroup": "whole",
                "x": span,
                "y": _f32([mu, mu]),
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
                    "y": _f32([v, v]),
                    "line": whole | {"dash": "dot", "width": 1},
                    "hoverinfo": "skip",
                }
                for v in (mu - sd, mu + sd)
            ),
            {
                "type": "scatter",
                "mode": "markers",
                "name": "examples",
                "x": _f32(px + jitter),
                "y": _f32(split.x[:, feature]),
                "marker": {"color": REFERENCE, "size": 5, "opacity": 0.6},
                "hovertemplate": "x = %{y:.3f}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"{what} μ ± σ",
                "x": x,
                "y": _f32(means),
                "error_y": {
                    "type": "data",
                    "array": _f32(stds),
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
        "layout": _layout(
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


def ghost_spread_figure(
    sizes: np.ndarray,
    ghost: np.ndarray,
    plain: np.ndarray,
    *,
    batch: int,
    current: int,
) -> dict[str, Any]:
    """Spread with ghost batches of each size vs plain BatchNorm at that batch size."""
    ticks = tuple(int(s) for s in sizes)
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": f"ghost BatchNorm, batch of {batch}",
                "x": _f32(sizes),
                "y": _f32(ghost),
                "line": {"color": TRACE_COLORS["batch"], "width": 3},
                "marker": {"size": 9, "color": TRACE_COLORS["batch"]},
                "hovertemplate": "ghost size %{x}: spread %{y:.4g}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "plain BatchNorm, batch = ghost size",
                "x": _f32(sizes),
                "y": _f32(plain),
                "line": {"color": REFERENCE, "width": 1.5, "dash": "dash"},
                "marker": {"size": 14, "symbol": "circle-open", "color": REFERENCE},
                "hovertemplate": "batch %{x}: spread %{y:.4g}<extra></extra>",
            },
        ],
        "layout": _layout(
            "Spread vs ghost size",
            xaxis=_log2_axis("ghost batch size (log scale)", ticks),
            yaxis={
                "title": {"text": "spread", "standoff": 4},
                "rangemode": "tozero",
            },
            shapes=[_vline(current)],
        ),
    }


def device_spread_figure(result: SplitSpread, *, current: int) -> dict[str, Any]:
    """Spread of the fixed example vs device count: per-device BN and SyncBN."""
    parts = np.asarray(result.parts)
    shard = np.asarray(result.shard_batch)
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "per-device BatchNorm",
                "x": _f32(parts),
                "y": _f32(result.per_shard),
                "customdata": shard.astype(np.int16),
                "line": {"color": TRACE_COLORS["batch"], "width": 3},
                "marker": {"size": 9, "color": TRACE_COLORS["batch"]},
                "hovertemplate": "%{x} devices (%{customdata} examples on the "
                "example's device): spread %{y:.4g}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "SyncBatchNorm",
                "x": _f32(parts),
                "y": _f32(result.synced),
                "line": {"color": TRACE_COLORS["layer"], "width": 3},
                "marker": {
                    "size": 9,
                    "symbol": "square",
                    "color": TRACE_COLORS["layer"],
                },
                "hovertemplate": "%{x} devices: spread %{y:.4g}<extra></extra>",
            },
        ],
        "layout": _layout(
            "Spread vs number of devices",
            xaxis=_log2_axis("devices K (log scale)", tuple(int(p) for p in parts)),
            yaxis={"title": {"text": "spread", "standoff": 4}, "rangemode": "tozero"},
            shapes=[_vline(current)],
        ),
    }
