"""Figures of the "Why normalize" page: plain Plotly dicts with float32 arrays.

Colours are Okabe & Ito's colour-blind-safe set, one per variant, the same in
every chart so a reader learns them once. Bands show ranges (Santurkar et al.
2018 draw the loss landscape the same way); lines show the run itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lab.why.landscape import SMOOTH, landscape_series, running_mean
from lab.why.models import VARIANT_NAMES
from lab.why.runs import QUANTILES, Sweep
from lab.why.state import lr_label
from lab.why.xiong import XiongResult

VARIANT_COLORS: dict[str, str] = {
    "none": "#8a8a8a",
    "batch": "#0072b2",
    "layer": "#e69f00",
    "rms": "#009e73",
    "noisy": "#cc79a7",
}
FORM_COLORS: dict[str, str] = {"post": "#d55e00", "pre": "#0072b2"}
GUIDE = "#888888"
HEIGHT = 400


def _f32(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _layout(
    title: str, x: str, y: str, *, xlog: bool = False, ylog: bool = False
) -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "height": HEIGHT,
        "margin": {"l": 56, "r": 12, "t": 40, "b": 44},
        "xaxis": {
            "title": {"text": x, "standoff": 4},
            "type": "log" if xlog else "linear",
            "zeroline": False,
        },
        "yaxis": {
            "title": {"text": y, "standoff": 4},
            "type": "log" if ylog else "linear",
            "zeroline": False,
            # log ticks at 1, 2, 5 × 10^k, written out in full (0.2, not "2")
            **({"dtick": "D2", "tickformat": ".2~g"} if ylog else {}),
        },
        "legend": {
            "orientation": "h",
            "y": -0.22,
            "x": 0,
            "font": {"size": 11},
            "itemwidth": 30,
        },
        "hovermode": "closest",
        "dragmode": False,
        "shapes": [],
        "annotations": [],
    }


def _hline(y: float, dash: str, label: str) -> tuple[dict, dict]:
    shape = {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": y,
        "y1": y,
        "line": {"color": GUIDE, "width": 1.2, "dash": dash},
    }
    note = {
        "xref": "paper",
        "x": 1,
        "xanchor": "right",
        "yref": "y",
        "y": y,
        "yanchor": "bottom",
        "text": label,
        "showarrow": False,
        "font": {"size": 11, "color": GUIDE},
    }
    return shape, note


def _guides(fig: dict, sweep: Sweep) -> None:
    for y, dash, label in (
        (sweep.baseline, "dot", "guessing the class frequencies"),
        (sweep.threshold, "dash", "trains below this line"),
    ):
        shape, note = _hline(y, dash, label)
        fig["layout"]["shapes"].append(shape)
        fig["layout"]["annotations"].append(note)


def _top(sweep: Sweep) -> float:
    """The loss axes' upper end: room above the baseline for failed runs."""
    return 1.5 * sweep.baseline


def lr_figure(sweep: Sweep, lr: float) -> dict[str, Any]:
    """Final loss against learning rate, one line per variant; diverged runs as ×
    at the top; the highest rate that trains ringed."""
    top = _top(sweep)
    fig: dict[str, Any] = {
        "data": [],
        "layout": _layout(
            "Final loss against learning rate",
            "learning rate (log scale)",
            "final training loss",
            xlog=True,
        ),
    }
    lrs = _f32(sweep.lrs)
    for k, (v, run) in enumerate(sweep.runs.items()):
        color, name = VARIANT_COLORS[v], VARIANT_NAMES[v]
        final = sweep.final_loss(v)
        fig["data"].append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "legendgroup": v,
                "x": lrs,
                "y": np.minimum(final, top * 0.98).astype(np.float32),
                "customdata": final,
                "line": {"color": color, "width": 2},
                "marker": {"color": color, "size": 7},
                "hovertemplate": f"{name}<br>lr %{{x:.2g}}<br>final loss "
                "%{customdata:.3f}<extra></extra>",
            }
        )
        div = run.diverged_at >= 0
        if div.any():
            fig["data"].append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": f"{name}: diverged",
                    "legendgroup": v,
                    "showlegend": False,
                    "x": lrs[div],
                    "y": np.full(int(div.sum()), top * (0.96 - 0.035 * k), np.float32),
                    "customdata": run.diverged_at[div].astype(np.int32),
                    "marker": {
                        "color": color,
                        "size": 10,
                        "symbol": "x-thin",
                        "line": {"color": color, "width": 2},
                    },
                    "hovertemplate": f"{name}<br>lr %{{x:.2g}}<br>diverged at step "
                    "%{customdata}<extra></extra>",
                }
            )
        hi = sweep.highest_lr(v)
        if hi is not None:
            i = sweep.lrs.index(hi)
            fig["data"].append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": f"{name}: highest rate that trains",
                    "legendgroup": v,
                    "showlegend": False,
                    "x": _f32([hi]),
                    "y": _f32([final[i]]),
                    "marker": {
                        "color": color,
                        "size": 17,
                        "symbol": "circle-open",
                        "line": {"width": 2.5},
                    },
                    "hovertemplate": f"{name}: highest rate that trains, "
                    f"{lr_label(hi)}<extra></extra>",
                }
            )
    _guides(fig, sweep)
    fig["layout"]["shapes"].append(
        {
            "type": "line",
            "xref": "x",
            "x0": lr,
            "x1": lr,
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "line": {"color": GUIDE, "width": 1, "dash": "dot"},
        }
    )
    fig["layout"]["yaxis"]["range"] = [0, top]
    fig["layout"]["xaxis"]["tickvals"] = lrs
    fig["layout"]["xaxis"]["ticktext"] = [lr_label(x) for x in sweep.lrs]
    return fig


def curves_figure(sweep: Sweep, lr: float) -> dict[str, Any]:
    """Training loss against step at one learning rate, one line per variant."""
    i = sweep.lrs.index(lr)
    top = _top(sweep)
    fig: dict[str, Any] = {
        "data": [],
        "layout": _layout(
            f"Loss curves at lr {lr_label(lr)}",
            "SGD step",
            f"training loss (mean of {SMOOTH} steps)",
        ),
    }
    for v, run in sweep.runs.items():
        color, name = VARIANT_COLORS[v], VARIANT_NAMES[v]
        y = running_mean(run.losses[:, i], SMOOTH)
        steps = np.arange(len(y), dtype=np.int32)
        fig["data"].append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "legendgroup": v,
                "x": steps,
                "y": np.minimum(y, top * 0.98).astype(np.float32),
                "customdata": y.astype(np.float32),
                "line": {"color": color, "width": 2},
                "hovertemplate": f"{name}<br>step %{{x}}<br>loss %{{customdata:.3f}}"
                "<extra></extra>",
            }
        )
        d = int(run.diverged_at[i])
        if d >= 0:
            fig["data"].append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": f"{name}: diverged",
                    "legendgroup": v,
                    "showlegend": False,
                    "x": np.array([d], dtype=np.int32),
                    "y": _f32([top * 0.96]),
                    "marker": {
                        "color": color,
                        "size": 11,
                        "symbol": "x-thin",
                        "line": {"color": color, "width": 2},
                    },
                    "hovertemplate": f"{name} diverged at step {d}<extra></extra>",
                }
            )
    _guides(fig, sweep)
    fig["layout"]["yaxis"]["range"] = [0, top]
    return fig


LANDSCAPE_VISIBLE = frozenset({"none", "batch"})
"""Variants drawn at first in the landscape plots (the others: one click on the
legend), since overlapping bands of five variants hide each other."""


def _band(
    x: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    mid: np.ndarray,
    v: str,
    unit: str,
    positive: bool,
) -> list[dict]:
    color, name = VARIANT_COLORS[v], VARIANT_NAMES[v]
    ok = np.isfinite(lo) & np.isfinite(hi)
    if positive:
        ok &= (lo > 0) & (hi > 0)
    xs = x[ok]
    visible = True if v in LANDSCAPE_VISIBLE else "legendonly"
    band = {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "legendgroup": v,
        "visible": visible,
        "x": np.concatenate([xs, xs[::-1]]).astype(np.int32),
        "y": np.concatenate([hi[ok], lo[ok][::-1]]).astype(np.float32),
        "fill": "toself",
        "fillcolor": _rgba(color, 0.22),
        "line": {"color": _rgba(color, 0.5), "width": 0.8},
        "hoverinfo": "skip",
    }
    line = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": f"{name} (the step itself)",
        "legendgroup": v,
        "showlegend": False,
        "visible": visible,
        "x": xs.astype(np.int32),
        "y": mid[ok].astype(np.float32),
        "line": {"color": color, "width": 1.8},
        "marker": {"color": color, "size": 4},
        "hovertemplate": f"{name}<br>step %{{x}}<br>{unit} %{{y:.3g}}<extra></extra>",
    }
    return [band, line]


def landscape_figure(sweep: Sweep, lr: float, which: str) -> dict[str, Any]:
    """Santurkar et al.'s Figure 4, on these runs, per probed step: ``which`` =
    "loss" (the loss variation along the gradient, max − min over the step
    sizes: not the loss level, which falls as a network learns) or "grad" (the
    ℓ2 change of the gradient along it: the band spans the step sizes, the line
    is the optimizer's own step)."""
    i = sweep.lrs.index(lr)
    c1 = 2  # PROBE_SIZES[2] == 1: the optimizer's own step
    if which == "loss":
        title = f"Loss variation, lr {lr_label(lr)}"
        ytitle = "max − min of the loss along −∇L"
        unit = "loss variation"
    else:
        title = f"Gradient predictiveness, lr {lr_label(lr)}"
        ytitle = "change of the gradient (ℓ2, log)"
        unit = "gradient change over the step"
    fig: dict[str, Any] = {
        "data": [],
        "layout": _layout(title, "SGD step", ytitle, ylog=True),
    }
    for v, run in sweep.runs.items():
        s = landscape_series(sweep, v, lr)
        x = np.asarray(s["steps"])
        if which == "loss":
            fig["data"].append(_line(x, s["loss_var"], v, unit))
        else:
            mid = run.probe_gdiff[:, i, c1].astype(np.float64)
            fig["data"] += _band(x, s["grad_lo"], s["grad_hi"], mid, v, unit, True)
    return fig


def _line(x: np.ndarray, y: np.ndarray, v: str, unit: str) -> dict:
    color, name = VARIANT_COLORS[v], VARIANT_NAMES[v]
    ok = np.isfinite(y) & (y > 0)
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": name,
        "legendgroup": v,
        "visible": True if v in LANDSCAPE_VISIBLE else "legendonly",
        "x": x[ok].astype(np.int32),
        "y": y[ok].astype(np.float32),
        "line": {"color": color, "width": 1.8},
        "marker": {"color": color, "size": 5},
        "hovertemplate": f"{name}<br>step %{{x}}<br>{unit} %{{y:.3g}}<extra></extra>",
    }


def unit_figure(sweep: Sweep, lr: float) -> dict[str, Any]:
    """One unit's input distribution over training (5th–95th percentile band and
    median), the distribution the covariate-shift story is about."""
    i = sweep.lrs.index(lr)
    q_lo, q_mid, q_hi = (f"{round(q * 100)}" for q in QUANTILES)
    fig: dict[str, Any] = {
        "data": [],
        "layout": _layout(
            f"One unit's input over training, lr {lr_label(lr)}",
            "SGD step",
            f"unit value ({q_lo}th–{q_hi}th percentile)",
        ),
    }
    visible = {"batch", "noisy"}
    for v, run in sweep.runs.items():
        u = run.unit[:, i].astype(np.float64)  # P,Q
        traces = _band(
            run.probe_steps,
            u[:, 0],
            u[:, 2],
            u[:, 1],
            v,
            f"{q_mid}th percentile",
            positive=False,
        )
        for t in traces:
            t["visible"] = True if v in visible else "legendonly"
        fig["data"] += traces
    return fig


def xiong_layers_figure(xiong: XiongResult, depth: int) -> dict[str, Any]:
    """Gradient norm of each layer's W₂ at initialization, post vs pre-norm."""
    fig: dict[str, Any] = {
        "data": [],
        "layout": _layout(
            f"Gradient norm by layer, {depth} layers",
            "layer (1 = next to the input)",
            "‖∂L/∂W₂‖ at initialization",
            ylog=True,
        ),
    }
    layers = np.arange(1, depth + 1, dtype=np.int32)
    for form, name in (("post", "Post-norm"), ("pre", "Pre-norm")):
        fig["data"].append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": layers,
                "y": _f32(xiong.layers(depth, form)),
                "line": {"color": FORM_COLORS[form], "width": 2},
                "marker": {"color": FORM_COLORS[form], "size": 6},
                "hovertemplate": f"{name}<br>layer %{{x}}<br>‖∂L/∂W₂‖ %{{y:.3g}}"
                "<extra></extra>",
            }
        )
    return fig


def xiong_depth_figure(xiong: XiongResult, depth: int) -> dict[str, Any]:
    """The last layer's gradient norm against the number of layers, with the
    1/√L law drawn through pre-norm's first point."""
    fig: dict[str, Any] = {
        "data": [],
        "layout": _layout(
            "Last layer's gradient norm over depth",
            "layers in the stack (L)",
            "‖∂L/∂W₂‖ of layer L",
            ylog=True,
        ),
    }
    depths = np.asarray(xiong.depths, dtype=np.int32)
    for form, name in (("post", "Post-norm"), ("pre", "Pre-norm")):
        fig["data"].append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": depths,
                "y": xiong.last(form),
                "line": {"color": FORM_COLORS[form], "width": 2},
                "marker": {"color": FORM_COLORS[form], "size": 6},
                "hovertemplate": f"{name}<br>L = %{{x}}<br>‖∂L/∂W₂‖ %{{y:.3g}}"
                "<extra></extra>",
            }
        )
    pre = xiong.last("pre")
    fig["data"].append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": "∝ 1/√L",
            "x": depths,
            "y": _f32(pre[0] * np.sqrt(depths[0] / depths)),
            "line": {"color": GUIDE, "width": 1.2, "dash": "dot"},
            "hoverinfo": "skip",
        }
    )
    fig["layout"]["shapes"].append(
        {
            "type": "line",
            "xref": "x",
            "x0": depth,
            "x1": depth,
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "line": {"color": GUIDE, "width": 1, "dash": "dot"},
        }
    )
    return fig
