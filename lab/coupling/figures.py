"""Plotly figures of the Batch coupling page, as plain dicts with float32 arrays:
the page's style, and the curves of its resampling experiments.

Colours: the diverging scale comes from `lab.core.figures`; the
families get the Okabe–Ito palette (colour-blind safe), one colour per trace on
every chart of the page, and distinct marker shapes, so traces that lie exactly
on top of each other (every per-example family at zero) stay visible.

Split where the x axis changes meaning: here, a size (of the batch, a ghost
batch, the device count) against what many resampled batches did; the pictures
of one batch, example by example and cell by cell, are in
`lab.coupling.batch_figures`, which takes its style from here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lab.coupling.accumulate import AccumulationSpread
from lab.coupling.batches import SplitSpread
from lab.coupling.model import BATCH_GRID, TRACE_NAMES, TRACES

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
REFERENCE = "#7f7f7f"
HEIGHT = 380


def f32(values: Any) -> np.ndarray:
    """float32: all a chart shows, at half the bytes on the way to the browser."""
    return np.asarray(values, dtype=np.float32)


def layout(title: str, **kw: Any) -> dict[str, Any]:
    """One frame (title, height, margins, legend) for every chart of the page,
    so charts side by side line up; ``kw`` overrides."""
    out = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "height": HEIGHT,
        "margin": {"l": 56, "r": 12, "t": 40, "b": 48},
        "legend": {"orientation": "h", "y": -0.2, "x": 0, "font": {"size": 12}},
        "hovermode": "closest",
    }
    return out | kw


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
        "x": f32(x),
        "y": f32(y),
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
            "x": f32(ref_x),
            "y": f32(reference / np.sqrt(ref_x)),
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
        "layout": layout(
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
            "x": f32(centres),
            "y": f32(counts),
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
                "x": f32([v, v]),
                "y": f32([0, top * 1.05]),
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
        "layout": layout(
            f"Example {example}, feature {feature}: y in {len(bn)} batches of {batch}",
            xaxis={"title": {"text": "normalized output y", "standoff": 4}},
            yaxis={"title": {"text": "batches", "standoff": 4}},
            bargap=0.05,
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
                "x": f32(sizes),
                "y": f32(ghost),
                "line": {"color": TRACE_COLORS["batch"], "width": 3},
                "marker": {"size": 9, "color": TRACE_COLORS["batch"]},
                "hovertemplate": "ghost size %{x}: spread %{y:.4g}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "plain BatchNorm, batch = ghost size",
                "x": f32(sizes),
                "y": f32(plain),
                "line": {"color": REFERENCE, "width": 1.5, "dash": "dash"},
                "marker": {"size": 14, "symbol": "circle-open", "color": REFERENCE},
                "hovertemplate": "batch %{x}: spread %{y:.4g}<extra></extra>",
            },
        ],
        "layout": layout(
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
                "x": f32(parts),
                "y": f32(result.per_shard),
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
                "x": f32(parts),
                "y": f32(result.synced),
                "line": {"color": TRACE_COLORS["layer"], "width": 3},
                "marker": {
                    "size": 9,
                    "symbol": "square",
                    "color": TRACE_COLORS["layer"],
                },
                "hovertemplate": "%{x} devices: spread %{y:.4g}<extra></extra>",
            },
        ],
        "layout": layout(
            "Spread vs number of devices",
            xaxis=_log2_axis("devices K (log scale)", tuple(int(p) for p in parts)),
            yaxis={"title": {"text": "spread", "standoff": 4}, "rangemode": "tozero"},
            shapes=[_vline(current)],
        ),
    }


def accumulation_figure(result: AccumulationSpread, *, current: int) -> dict[str, Any]:
    """The spread of a feature's μ against the accumulation steps k: one
    device's BatchNorm (g/D examples), SyncBatchNorm's micro-batch (g), the
    effective batch (B, flat), each beside σ/√n."""
    k = np.asarray(result.steps)
    micro = np.asarray(result.micro, dtype=np.float64)
    device = np.asarray(result.device, dtype=np.float64)
    flat = np.full(len(k), result.effective_sd)
    batch = int(micro[0] * k[0])
    lines = (
        ("one device's BatchNorm (g/D)", result.device_sd, device, "batch", "circle"),
        (
            "SyncBatchNorm: one micro-batch (g)",
            result.sync_sd,
            micro,
            "layer",
            "square",
        ),
        (
            f"the effective batch ({batch})",
            flat,
            np.full(len(k), batch),
            "rms",
            "diamond",
        ),
    )
    data = []
    for name, sd, n, trace, symbol in lines:
        color = TRACE_COLORS[trace]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": f32(k),
                "y": f32(sd),
                "customdata": n.astype(np.int16),
                "line": {"color": color, "width": 3},
                "marker": {"size": 9, "symbol": symbol, "color": color},
                "hovertemplate": "k = %{x}: μ from %{customdata} examples, "
                "spread %{y:.4g}<extra></extra>",
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "σ/√n",
                "showlegend": trace == "rms",
                "legendgroup": "predicted",
                "x": f32(k),
                "y": f32(result.sigma / np.sqrt(n)),
                "line": {"color": REFERENCE, "width": 1.5, "dash": "dot"},
                "hoverinfo": "skip",
            }
        )
    return {
        "data": data,
        "layout": layout(
            "Spread of μ vs accumulation steps",
            xaxis=_log2_axis(
                "accumulation steps k (log scale)", tuple(int(v) for v in k)
            ),
            yaxis={"title": {"text": "sd of μ", "standoff": 4}, "rangemode": "tozero"},
            shapes=[_vline(current)],
        ),
    }
