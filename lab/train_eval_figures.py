"""Plotly figures of the Train vs eval page, as plain dicts with float32 arrays.

Plain dicts because they are ~10× cheaper to build than ``plotly.graph_objects``;
the page draws them with its canvas component (lab/ui/figure.py) and a notebook
with ``plotly.io.show(fig)``. The colours of the lines come from the
Okabe–Ito palette, distinguishable with every common colour-vision deficiency,
and the heatmaps use the lab's diverging scale (`lab.figures.DIVERGING`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lab.figures import DIVERGING, HALO, OUTLINE, symmetric_range
from lab.norms import FAMILY_NAMES
from lab.train_eval import DRIFT_END, DRIFT_START, JUMP_AT, MAX_STEPS, Comparison, Trace
from lab.train_eval_classifier import FinetuneCosts, Score, ServingCosts, StaleCosts

BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
ORANGE = "#E69F00"
PINK = "#CC79A7"
SKY = "#56B4E9"
GREY = "#8c8c8c"

FAMILY_COLOR = {"batch": BLUE, "layer": PINK, "rms": SKY}


def _f32(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def _title(text: str) -> dict[str, Any]:
    return {"text": text, "x": 0, "xanchor": "left", "font": {"size": 15}}


def _legend() -> dict[str, Any]:
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
                "y": _f32(true[:, f]),
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
                "y": _f32(own[:step, f]),
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
                "y": _f32(run[: step + 1, f]),
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
            "title": _title(f"Feature {f}: running statistics vs each batch's own"),
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
            "legend": _legend() | {"y": -0.14},
            "hovermode": "closest",
            "dragmode": False,
        },
    }


# ---- train vs eval heatmaps ----


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
            shapes += [_rect(*outline, HALO, 5), _rect(*outline, OUTLINE, 2.5)]
        shapes += [_rect(n, n, c, c, HALO, 3), _rect(n, n, c, c, OUTLINE, 1.5)]
        fig = {
            "data": [
                {
                    "type": "heatmap",
                    "z": _f32(z),
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
                "title": _title(title) | {"font": {"size": 13}},
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
                "clickmode": "event+select",
                "dragmode": False,
                "hovermode": "closest",
                "hoverdistance": -1,
                "showlegend": False,
            },
        }
        out.append((key, fig))
    return out


# ---- the classifier ----


def _value(s: Score, metric: str) -> float:
    return s.auc if metric == "auc" else s.accuracy


def _metric_axis(metric: str) -> dict[str, Any]:
    label = "AUC" if metric == "auc" else "accuracy"
    return {
        "title": {"text": f"held-out {label}"},
        "range": [0.4, 1.02],
        "tickformat": ".0%" if metric != "auc" else ".2f",
    }


def serving_figure(costs: dict[str, ServingCosts], metric: str) -> dict[str, Any]:
    """Held-out score against the serving batch size, train mode vs eval mode.

    One line per family and mode. LayerNorm's and RMSNorm's train and eval lines
    coincide (they are one computation); BatchNorm's train line falls to chance
    as the batch shrinks, while its eval line stays flat.
    """
    data = []
    fmt = ".1%" if metric != "auc" else ".3f"
    for fam, c in costs.items():
        name = FAMILY_NAMES[fam]
        sizes = np.asarray(c.sizes, dtype=np.int32)
        for mode, scores, dash in (
            ("eval", c.eval, "solid"),
            ("train", c.train, "dot"),
        ):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "x": sizes,
                    "y": _f32([_value(s, metric) for s in scores]),
                    "name": f"{name}, {mode} mode",
                    "line": {
                        "color": FAMILY_COLOR[fam]
                        if mode == "eval" or fam != "batch"
                        else VERMILLION,
                        "dash": dash,
                        "width": 2.5 if fam == "batch" else 1.5,
                    },
                    "marker": {"size": 7 if fam == "batch" else 5},
                    "hovertemplate": f"{name}, {mode} mode, batches of %{{x}}: "
                    f"%{{y:{fmt}}}<extra></extra>",
                }
            )
    return {
        "data": data,
        "layout": {
            "title": _title("Served in batches of b: train mode vs eval mode"),
            "height": 380,
            "margin": {"l": 56, "r": 10, "t": 40, "b": 40},
            "xaxis": {
                "type": "log",
                "title": {"text": "serving batch size b", "standoff": 4},
                "tickvals": list(next(iter(costs.values())).sizes),
            },
            "yaxis": _metric_axis(metric),
            "legend": _legend() | {"y": -0.2},
            "hovermode": "closest",
            "dragmode": False,
        },
    }


def stale_figure(costs: StaleCosts, shift: float, metric: str) -> dict[str, Any]:
    """Held-out score against the shift of the test inputs, for each way to serve."""
    shifts = _f32(costs.shifts)
    fmt = ".1%" if metric != "auc" else ".3f"
    lines = (
        ("BatchNorm, eval, statistics from training", costs.stale, BLUE, "solid", 3),
        (
            "BatchNorm, eval, statistics re-estimated",
            costs.recalibrated,
            GREEN,
            "solid",
            2.5,
        ),
        ("BatchNorm, train mode, batches of 256", costs.batch_stats, ORANGE, "dot", 2),
        ("LayerNorm model, eval", costs.layer, PINK, "dash", 1.5),
        ("RMSNorm model, eval", costs.rms, SKY, "dash", 1.5),
    )
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": shifts,
            "y": _f32([_value(s, metric) for s in scores]),
            "name": name,
            "line": {"color": color, "dash": dash, "width": width},
            "marker": {"size": 5},
            "hovertemplate": f"{name}<br>shift %{{x}}: %{{y:{fmt}}}<extra></extra>",
        }
        for name, scores, color, dash, width in lines
    ]
    return {
        "data": data,
        "layout": {
            "title": _title("After a shift of the inputs"),
            "height": 400,
            "margin": {"l": 56, "r": 10, "t": 40, "b": 40},
            "xaxis": {
                "title": {"text": "shift of the test inputs (standard deviations)"},
                "range": [-0.1, 3.1],
            },
            "yaxis": _metric_axis(metric),
            "shapes": [
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": shift,
                    "x1": shift,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": OUTLINE, "width": 1, "dash": "dot"},
                    "opacity": 0.6,
                }
            ],
            "legend": _legend() | {"y": -0.2},
            "hovermode": "closest",
            "dragmode": False,
        },
    }


def finetune_figure(costs: FinetuneCosts, metric: str) -> dict[str, Any]:
    """Scores after fine-tuning, on the new data and on the old, per batch size.

    Two panels; within each, BatchNorm updating vs frozen against the fine-tuning
    batch size, with the model before fine-tuning as a dashed reference.
    """
    x = [str(b) for b in costs.batches]
    fmt = ".1%" if metric != "auc" else ".3f"
    data = []
    for axis, where, scores, before in (
        ("", "new", costs.new, costs.before_new),
        ("2", "old", costs.old, costs.before_old),
    ):
        first = axis == ""
        for variant, color, label in (
            ("update", VERMILLION, "BatchNorm updating (train mode)"),
            ("frozen", BLUE, "BatchNorm frozen (eval mode)"),
        ):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "x": x,
                    "y": _f32([_value(s, metric) for s in scores[variant]]),
                    "name": label,
                    "legendgroup": variant,
                    "showlegend": first,
                    "line": {"color": color, "width": 2.5},
                    "marker": {"size": 7},
                    "xaxis": "x" + axis,
                    "yaxis": "y" + axis,
                    "hovertemplate": f"{label}, batches of %{{x}}, {where} data: "
                    f"%{{y:{fmt}}}<extra></extra>",
                }
            )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [x[0], x[-1]],
                "y": _f32([_value(before, metric)] * 2),
                "name": "before fine-tuning",
                "legendgroup": "before",
                "showlegend": first,
                "line": {"color": GREY, "dash": "dash", "width": 1.5},
                "xaxis": "x" + axis,
                "yaxis": "y" + axis,
                "hovertemplate": f"before fine-tuning, {where} data: "
                f"%{{y:{fmt}}}<extra></extra>",
            }
        )
    axis = _metric_axis(metric)
    return {
        "data": data,
        "layout": {
            "title": _title("After fine-tuning on 32 shifted examples"),
            "height": 380,
            "margin": {"l": 56, "r": 10, "t": 60, "b": 40},
            "xaxis": {
                "domain": [0, 0.46],
                "type": "category",
                "title": {"text": "fine-tuning batch size"},
            },
            "xaxis2": {
                "domain": [0.54, 1],
                "type": "category",
                "anchor": "y2",
                "title": {"text": "fine-tuning batch size"},
            },
            "yaxis": axis,
            "yaxis2": axis | {"anchor": "x2", "title": {"text": ""}},
            "annotations": [
                {
                    "text": "<b>new</b> (shifted) data",
                    "xref": "x domain",
                    "yref": "paper",
                    "x": 0,
                    "y": 1.08,
                    "showarrow": False,
                    "xanchor": "left",
                },
                {
                    "text": "<b>old</b> data",
                    "xref": "x2 domain",
                    "yref": "paper",
                    "x": 0,
                    "y": 1.08,
                    "showarrow": False,
                    "xanchor": "left",
                },
            ],
            "legend": _legend() | {"y": -0.2},
            "hovermode": "closest",
            "dragmode": False,
        },
    }
