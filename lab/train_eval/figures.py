"""Plotly figures of the Train vs eval page's stream and its train/eval heatmaps,
as plain dicts with float32 arrays, and the page's palette. The classifier's
charts, which a step never redraws, are in `lab.train_eval.cost_figures`.

Plain dicts because they are ~10× cheaper to build than ``plotly.graph_objects``;
the page draws them with its canvas component (lab/ui/figure.py) and a notebook
with ``plotly.io.show(fig)``. The colours of the lines come from the
Okabe–Ito palette, distinguishable with every common colour-vision deficiency,
and the heatmaps use the lab's diverging scale (`lab.core.figures.DIVERGING`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lab.core.figures import CLICKABLE, DIVERGING, HALO, OUTLINE, rect, symmetric_range
from lab.core.norms import FAMILY_NAMES
from lab.train_eval.stream import (
    DRIFT_END,
    DRIFT_START,
    JUMP_AT,
    MAX_STEPS,
    Comparison,
    Trace,
)

BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
ORANGE = "#E69F00"
PINK = "#CC79A7"
SKY = "#56B4E9"
GREY = "#8c8c8c"

FAMILY_COLOR = {"batch": BLUE, "layer": PINK, "rms": SKY}


def f32(a: Any) -> np.ndarray:
    """The numbers as float32: what the canvas draws, at half the bytes."""
    return np.asarray(a, dtype=np.float32)


def chart_title(text: str) -> dict[str, Any]:
    """A chart's title, flush left as the page's headings are."""
    return {"text": text, "x": 0, "xanchor": "left", "font": {"size": 15}}


def legend_below() -> dict[str, Any]:
    """A horizontal legend under the chart, where it never covers a line."""
    return {"orientation": "h", "y": -0.18, "x": 0, "yanchor": "top"}


# ---- the stream ----


def stream_figure(trace: Trace, step: int, feature: int) -> dict[str, Any]:
    """Running mean and variance of one feature against each batch's own.

    Two panels sharing the step axis. Batches' statistics are dots up to the
    current step, the running estimates a line from step 0, the distribution
    the batches are drawn from a dashed line over the whole stream (where it is
    going), and the current step a vertical rule. The x-axis is fixed, so the
    lines grow as the stream plays.
    """
    f = feature
    steps = np.arange(0, step + 1, dtype=np.int16)  # 0..t
    batches = np.arange(1, step + 1, dtype=np.int16)  # 1..t
    every = np.arange(1, MAX_STEPS + 2, dtype=np.int16)  # 1..T+1
    data = []
    for axis, name, run, own, true in (
        ("", "mean", trace.running_mean, trace.batch_mean, trace.true_mean),
        ("2", "variance", trace.running_var, trace.batch_var, trace.true_var),
    ):
        first = axis == ""
        data += [
            {
                "type": "scatter",
                "mode": "lines",
                "x": every,
                "y": f32(true[:, f]),
                "name": "data's true mean / variance",
                "line": {"color": GREY, "dash": "dash", "width": 1.5},
                "xaxis": "x" + axis,
                "yaxis": "y" + axis,
                "legendgroup": "true",
                "showlegend": first,
                "hovertemplate": f"batch %{{x}}: true {name} %{{y:.4g}}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": batches,
                "y": f32(own[:step, f]),
                "name": "each batch's own (normalizes it in train mode)",
                "marker": {"color": SKY, "size": 4, "opacity": 0.8},
                "xaxis": "x" + axis,
                "yaxis": "y" + axis,
                "legendgroup": "own",
                "showlegend": first,
                "hovertemplate": f"batch %{{x}}: its {name} %{{y:.4g}}"
                + (" (÷N)" if not first else "")
                + "<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": steps,
                "y": f32(run[: step + 1, f]),
                "name": "running estimate (used in eval mode)",
                "line": {"color": VERMILLION, "width": 2.5},
                "xaxis": "x" + axis,
                "yaxis": "y" + axis,
                "legendgroup": "running",
                "showlegend": first,
                "hovertemplate": "after %{x} batches: running_"
                + ("mean" if first else "var")
                + " %{y:.4g}<extra></extra>",
            },
        ]
    rule = {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": step,
        "x1": step,
        "y0": 0,
        "y1": 1,
        "line": {"color": OUTLINE, "width": 1, "dash": "dot"},
        "opacity": 0.6,
    }
    if trace.spec.pattern == "jump":
        band = {"x0": JUMP_AT + 0.5, "x1": JUMP_AT + 0.5}
        drift_shape = {"type": "line", **band, "line": {"color": GREY, "width": 1}}
    else:
        drift_shape = {
            "type": "rect",
            "x0": DRIFT_START,
            "x1": DRIFT_END,
            "fillcolor": GREY,
            "opacity": 0.08,
            "line": {"width": 0},
        }
    drift_shape |= {"xref": "x", "yref": "paper", "y0": 0, "y1": 1, "layer": "below"}
    return {
        "data": data,
        "layout": {
            "title": chart_title(
                f"Feature {f}: running statistics vs each batch's own"
            ),
            "height": 430,
            "margin": {"l": 56, "r": 10, "t": 40, "b": 40},
            "xaxis": {
                "anchor": "y",
                "range": [-2, MAX_STEPS + 3],
                "showticklabels": False,
            },
            "xaxis2": {
                "anchor": "y2",
                "matches": "x",
                "range": [-2, MAX_STEPS + 3],
                "title": {"text": "training step (batches seen)", "standoff": 4},
            },
            "yaxis": {
                "domain": [0.55, 1.0],
                "title": {"text": "mean"},
                "zeroline": False,
            },
            "yaxis2": {
                "domain": [0.0, 0.45],
                "title": {"text": "variance"},
                "rangemode": "tozero",
            },
            "shapes": [drift_shape, rule, rule | {"xref": "x2"}],
            "legend": legend_below() | {"y": -0.14},
            "hovermode": "closest",
            "dragmode": False,
        },
    }


# ---- train vs eval heatmaps ----


def heatmap_height(batch: int) -> int:
    """Pixels for a heatmap of ``batch`` rows: cells stay near-square-ish."""
    return int(min(max(90 + 16 * batch, 150), 360))


def matrix_figures(
    comp: Comparison, focus: tuple[int, int]
) -> list[tuple[str, dict[str, Any]]]:
    """Input, train output, eval output and their difference as four heatmaps.

    Train and eval share one symmetric colour range, so equal colours mean equal
    numbers; the input and the difference each get their own (the difference is
    often tiny, or exactly 0). Every heatmap carries a transparent marker per
    cell whose hover text shows all four numbers (Plotly reports clicks and
    hover on markers, not on heatmap cells; the canvas component reads the same
    markers' text for the cell under the pointer).
    """
    x = comp.x  # B,F
    ytr = comp.train.output.numpy()  # B,F
    yev = comp.eval.output.numpy()  # B,F
    diff = comp.diff  # B,F
    b, f = x.shape
    rows, cols = np.divmod(np.arange(b * f, dtype=np.int32), f)
    custom = np.stack([x.ravel(), ytr.ravel(), yev.ravel(), diff.ravel()], 1)  # BF,4
    custom = custom.astype(np.float32)
    zy = symmetric_range(ytr, yev)
    name = FAMILY_NAMES[comp.family]
    n, c = focus
    # train mode pools a feature's column (BatchNorm) or an example's row
    pooled = (0, b - 1, c, c) if comp.family == "batch" else (n, n, 0, f - 1)
    panels = (
        ("input", "Input x (next batch)", x, symmetric_range(x), pooled),
        ("train", f"{name}, train mode", ytr, zy, pooled),
        ("eval", f"{name}, eval mode", yev, zy, None),
        ("diff", "Eval − train", diff, symmetric_range(diff), None),
    )
    out = []
    for key, title, z, zmax, outline in panels:
        shapes = []
        if outline is not None:
            shapes += [rect(*outline, HALO, 5), rect(*outline, OUTLINE, 2.5)]
        shapes += [rect(n, n, c, c, HALO, 3), rect(n, n, c, c, OUTLINE, 1.5)]
        fig = {
            "data": [
                {
                    "type": "heatmap",
                    "z": f32(z),
                    "zmin": -zmax,
                    "zmax": zmax,
                    "colorscale": DIVERGING,
                    "hoverinfo": "skip",
                    "showscale": key in ("input", "eval", "diff"),
                    "colorbar": {"thickness": 10, "outlinewidth": 0, "len": 0.85},
                },
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": cols.astype(np.int16),
                    "y": rows.astype(np.int16),
                    "customdata": custom,
                    "marker": {"size": 6, "opacity": 0, "color": OUTLINE},
                    "hovertemplate": "example %{y}, feature %{x}<br>"
                    "x = %{customdata[0]:.4g}<br>"
                    "train = %{customdata[1]:.4g}<br>"
                    "eval = %{customdata[2]:.4g}<br>"
                    "eval − train = %{customdata[3]:.4g}<extra></extra>",
                    "showlegend": False,
                },
            ],
            "layout": {
                "title": chart_title(title) | {"font": {"size": 13}},
                "height": heatmap_height(b),
                "margin": {"l": 34, "r": 4, "t": 30, "b": 34},
                "xaxis": {
                    "title": {"text": "feature", "standoff": 2},
                    "range": [-0.5, f - 0.5],
                    "dtick": 1 if f <= 8 else 2,
                    "showgrid": False,
                    "zeroline": False,
                },
                "yaxis": {
                    "range": [b - 0.5, -0.5],
                    "dtick": max(1, -(-b // 12)),
                    "showgrid": False,
                    "zeroline": False,
                },
                "shapes": shapes,
                **CLICKABLE,
            },
        }
        out.append((key, fig))
    return out
