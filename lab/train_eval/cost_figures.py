"""Plotly figures of what the pitfalls cost the classifier (`lab.train_eval.costs`),
as plain dicts in the page's palette (`lab.train_eval.figures`).

Apart from the stream's figures because they draw other numbers (held-out
scores, not a layer's statistics) for the classifier section, which the
stream's controls never redraw.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lab.core.figures import OUTLINE
from lab.core.norms import FAMILY_NAMES
from lab.train_eval.classifier import Score
from lab.train_eval.costs import FinetuneCosts, ServingCosts, StaleCosts
from lab.train_eval.dropout import DropoutCosts, Shift
from lab.train_eval.figures import (
    BLUE,
    FAMILY_COLOR,
    GREEN,
    GREY,
    ORANGE,
    PINK,
    SKY,
    VERMILLION,
    chart_title,
    f32,
    legend_below,
)


def metric_value(s: Score, metric: str) -> float:
    """A score's accuracy or AUC, as ``metric`` asks."""
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
                    "y": f32([metric_value(s, metric) for s in scores]),
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
            "title": chart_title("Served in batches of b: train mode vs eval mode"),
            "height": 380,
            "margin": {"l": 56, "r": 10, "t": 40, "b": 40},
            "xaxis": {
                "type": "log",
                "title": {"text": "serving batch size b", "standoff": 4},
                "tickvals": list(next(iter(costs.values())).sizes),
            },
            "yaxis": _metric_axis(metric),
            "legend": legend_below() | {"y": -0.2},
            "hovermode": "closest",
            "dragmode": False,
        },
    }


def stale_figure(costs: StaleCosts, shift: float, metric: str) -> dict[str, Any]:
    """Held-out score against the shift of the test inputs, for each way to serve."""
    shifts = f32(costs.shifts)
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
            "y": f32([metric_value(s, metric) for s in scores]),
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
            "title": chart_title("After a shift of the inputs"),
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
            "legend": legend_below() | {"y": -0.2},
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
                    "y": f32([metric_value(s, metric) for s in scores[variant]]),
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
                "y": f32([metric_value(before, metric)] * 2),
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
            "title": chart_title("After fine-tuning on 32 shifted examples"),
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
            "legend": legend_below() | {"y": -0.2},
            "hovermode": "closest",
            "dragmode": False,
        },
    }


def variance_figure(shift: Shift, costs: DropoutCosts | None) -> dict[str, Any]:
    """Eval's variance over training's against the dropout rate: measured on a
    batch (mean over features), the formula, 1 − p, and what the trained
    classifier's BatchNorms meet."""
    rates = f32(shift.rates)
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "1 − p (zero-mean inputs)",
            "x": rates,
            "y": f32(1 - np.asarray(shift.rates)),
            "line": {"color": GREY, "dash": "dot", "width": 1.5},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "formula, v / ((v + m²)/(1 − p) − m²)",
            "x": rates,
            "y": f32(shift.predicted.mean(axis=1)),
            "line": {"color": BLUE, "width": 2},
            "hovertemplate": "p = %{x}: formula %{y:.3f}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": "measured on a batch (engine)",
            "x": rates,
            "y": f32(shift.ratio.mean(axis=1)),
            "marker": {"color": BLUE, "size": 8},
            "hovertemplate": "p = %{x}: measured %{y:.3f}<extra></extra>",
        },
    ]
    if costs is not None:
        for name, values, color, symbol in (
            ("classifier, 1st BatchNorm", costs.ratio_first, VERMILLION, "diamond"),
            ("classifier, 2nd BatchNorm", costs.ratio_second, ORANGE, "square"),
            ("control (dropout after), 2nd BN", costs.ratio_after, GREEN, "circle"),
        ):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": name,
                    "x": f32(costs.rates),
                    "y": f32(values),
                    "line": {"color": color, "width": 1.5, "dash": "dash"},
                    "marker": {"color": color, "size": 7, "symbol": symbol},
                    "hovertemplate": f"{name}, p = %{{x}}: %{{y:.3f}}<extra></extra>",
                }
            )
    return {
        "data": data,
        "layout": {
            "title": chart_title("Variance in eval ÷ variance BatchNorm learned"),
            "height": 400,
            "margin": {"l": 56, "r": 10, "t": 40, "b": 40},
            "xaxis": {"title": {"text": "dropout rate p"}, "range": [-0.02, 0.72]},
            "yaxis": {"title": {"text": "eval ÷ training variance"}, "range": [0, 1.1]},
            "legend": legend_below() | {"y": -0.22},
            "hovermode": "closest",
            "dragmode": False,
        },
    }


def dropout_figure(costs: DropoutCosts, metric: str) -> dict[str, Any]:
    """Held-out score in eval mode against the dropout rate, dropout before
    each BatchNorm, after the last, and before with statistics re-estimated."""
    fmt = ".1%" if metric != "auc" else ".3f"
    every = [*costs.before, *costs.after, *costs.reestimated]
    low = max(0.4, min(metric_value(s, metric) for s in every) - 0.03)
    lines = (
        ("dropout before each BatchNorm", costs.before, VERMILLION, "solid", 3),
        ("dropout after the last BatchNorm", costs.after, GREEN, "solid", 2.5),
        ("before, statistics re-estimated", costs.reestimated, BLUE, "dash", 2),
    )
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": f32(costs.rates),
                "y": f32([metric_value(s, metric) for s in scores]),
                "name": name,
                "line": {"color": color, "dash": dash, "width": width},
                "marker": {"size": 6},
                "hovertemplate": f"{name}<br>p = %{{x}}: %{{y:{fmt}}}<extra></extra>",
            }
            for name, scores, color, dash, width in lines
        ],
        "layout": {
            "title": chart_title("The classifier in eval mode"),
            "height": 400,
            "margin": {"l": 56, "r": 10, "t": 40, "b": 40},
            "xaxis": {"title": {"text": "dropout rate p"}, "range": [-0.02, 0.52]},
            "yaxis": _metric_axis(metric) | {"range": [low, 1.005]},
            "legend": legend_below() | {"y": -0.22},
            "hovermode": "closest",
            "dragmode": False,
        },
    }
