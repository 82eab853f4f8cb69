"""Figures of the LayerNorm vs RMSNorm page: plain Plotly dicts, float32 arrays.

LayerNorm is orange and RMSNorm green everywhere on the page (Okabe & Ito's
colour-blind-safe set, as the Why normalize page draws them); the library
kernels are solid lines and the tensor-op references dashed. A notebook
shows any of them with ``plotly.io.show(fig)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lab.rms.rows import EpsCompare, MeanSurvives
from lab.rms.timing import IMPL_NAMES, IMPLS, PASSES, Timing
from lab.rms.training import VARIANTS, TrainRun

COLORS = {"layer": "#e69f00", "rms": "#009e73", "input": "#6b6b6b"}
IMPL_STYLE = {
    "layer": ("#e69f00", "solid"),
    "rms": ("#009e73", "solid"),
    "layer_ref": ("#e69f00", "dash"),
    "rms_ref": ("#009e73", "dash"),
}
CONV_STYLE = {
    "torch": ("#009e73", "solid"),
    "llama": ("#0072b2", "solid"),
    "outside": ("#0072b2", "dot"),
    "layer": ("#e69f00", "solid"),
    "bert": ("#d55e00", "dash"),
    "page": ("#cc79a7", "dashdot"),
}
NAMES = {"layer": "LayerNorm", "rms": "RMSNorm"}
BAND = "rgba(0,114,178,0.12)"
PAPER_SAVING = (7.0, 64.0)  # Zhang & Sennrich (2019): % less running time
HEIGHT = 360


def _f32(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def _axis(title: str, kind: str = "linear", **more: Any) -> dict[str, Any]:
    return {"title": {"text": title, "standoff": 4}, "type": kind, **more}


def _figure(
    title: str, data: list[dict], xaxis: dict, yaxis: dict, **layout: Any
) -> dict[str, Any]:
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
            "height": HEIGHT,
            "margin": {"l": 66, "r": 12, "t": 40, "b": 44},
            "xaxis": xaxis,
            "yaxis": yaxis,
            "legend": {"orientation": "h", "y": -0.24, "x": 0, "font": {"size": 11}},
            "hovermode": "closest",
            "dragmode": False,
            **layout,
        },
    }


def _line(name: str, x: Any, y: Any, color: str, dash: str = "solid", **kw: Any):
    return {
        "type": "scatter",
        "mode": kw.pop("mode", "lines"),
        "name": name,
        "x": _f32(x),
        "y": _f32(y),
        "line": {"color": color, "dash": dash, "width": kw.pop("width", 2)},
        **kw,
    }


def mean_figure(m: MeanSurvives) -> dict[str, Any]:
    """The example and both outputs, feature by feature, each with its mean."""
    d = np.arange(len(m.x))
    series = (
        ("input x", m.x, COLORS["input"], m.mean_in),
        ("LayerNorm(x)", m.y_layer, COLORS["layer"], m.mean_layer),
        ("RMSNorm(x)", m.y_rms, COLORS["rms"], m.mean_rms),
    )
    data = [
        _line(
            name,
            d,
            y,
            color,
            mode="lines+markers",
            marker={"size": 6, "color": color},
            hovertemplate=f"{name}<br>feature %{{x}}: %{{y:.4g}}<extra></extra>",
        )
        for name, y, color, _ in series
    ]
    shapes = [
        {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "yref": "y",
            "y0": mean,
            "y1": mean,
            "line": {"color": color, "dash": "dot", "width": 1.5},
        }
        for _, _, color, mean in series
    ]
    return _figure(
        f"One example (mean {m.mean_in:.3g}) and its two outputs; dotted: means",
        data,
        _axis("feature", dtick=2),
        _axis("value"),
        shapes=shapes,
    )


def eps_figure(e: EpsCompare) -> dict[str, Any]:
    """Each convention's output RMS against the input's RMS."""
    data = [
        _line(
            c.name,
            e.scales,
            e.out[k],
            *CONV_STYLE[c.key],
            hovertemplate=f"{c.name}<br>input RMS %{{x:.2g}}: output RMS "
            "%{y:.4g}<extra></extra>",
        )
        for k, c in enumerate(e.convs)
    ]
    half = {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": 0.5,
        "y1": 0.5,
        "line": {"color": "#888888", "dash": "dot", "width": 1},
    }
    return _figure(
        f"Output RMS against input RMS ({e.dtype}); dotted: half",
        data,
        _axis("RMS of the input (log)", "log", tickformat=".0e"),
        _axis("RMS of the output", range=[-0.03, 1.08]),
        shapes=[half],
    )


def _spread(name: str, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, color: str):
    """Vertical segments from lo to hi at each x (NaN breaks the line)."""
    xs = np.repeat(x, 3).astype(np.float64)
    ys = np.stack([lo, hi, np.full_like(lo, np.nan)], 1).ravel()
    xs[2::3] = np.nan
    return _line(
        name, xs, ys, color, width=3, opacity=0.45, showlegend=False, hoverinfo="skip"
    )


def timing_figure(t: Timing, dtype: str, pass_: str) -> dict[str, Any]:
    """Median time per call against the hidden size, 10th–90th percentile
    segments, for the four implementations."""
    d, p = t.dtypes.index(dtype), PASSES.index(pass_)
    x = np.array(t.sizes, dtype=np.float64)
    data = []
    for i, impl in enumerate(IMPLS):
        q = t.seconds[d, p, :, i] * 1e6  # H,Q  µs
        color, dash = IMPL_STYLE[impl]
        data.append(_spread(IMPL_NAMES[impl], x, q[:, 0], q[:, 2], color))
        data.append(
            _line(
                IMPL_NAMES[impl],
                x,
                q[:, 1],
                color,
                dash,
                mode="lines+markers",
                marker={"size": 6, "color": color},
                hovertemplate=f"{IMPL_NAMES[impl]}<br>hidden %{{x}}: %{{y:.3g}} µs"
                "<extra></extra>",
            )
        )
    what = "forward" if pass_ == "forward" else "forward + backward"
    return _figure(
        f"Time per call, {t.tokens} tokens, {dtype}, {what}",
        data,
        _axis("hidden size (log)", "log", tickvals=list(t.sizes)),
        _axis("µs per call", "log", tickformat=".2~g"),
    )


def saving_figure(t: Timing, dtype: str, pass_: str) -> dict[str, Any]:
    """RMSNorm's time ÷ LayerNorm's over paired rounds (log scale: 2× slower
    and 2× faster are as far from 1), with the paper's 7%–64% less time as a
    band from 0.36 to 0.93."""
    d, p = t.dtypes.index(dtype), PASSES.index(pass_)
    x = np.array(t.sizes, dtype=np.float64)
    data = []
    for k, (name, dash) in enumerate(
        (("F.rms_norm ÷ F.layer_norm", "solid"), ("tensor ops ÷ tensor ops", "dash"))
    ):
        q = t.ratio[d, p, :, k]  # H,Q
        data.append(_spread(name, x, q[:, 0], q[:, 2], "#0072b2"))
        data.append(
            _line(
                name,
                x,
                q[:, 1],
                "#0072b2",
                dash,
                mode="lines+markers",
                marker={"size": 6, "color": "#0072b2"},
                hovertemplate=f"{name}<br>hidden %{{x}}: %{{y:.2f}}× LayerNorm's "
                "time<extra></extra>",
            )
        )
    lo, hi = 1 - PAPER_SAVING[1] / 100, 1 - PAPER_SAVING[0] / 100
    band = {
        "type": "rect",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": lo,
        "y1": hi,
        "fillcolor": BAND,
        "line": {"width": 0},
    }
    one = {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": 1,
        "y1": 1,
        "line": {"color": "#888888", "width": 1},
    }
    note = {
        "xref": "paper",
        "x": 0.01,
        "yref": "y",
        "y": float(np.log10(lo)),  # a log axis: annotations sit at log10(y)
        "text": "Zhang & Sennrich (2019): 7%–64% less time",
        "showarrow": False,
        "xanchor": "left",
        "yanchor": "top",
        "font": {"size": 11},
    }
    finite = t.ratio[d, p][np.isfinite(t.ratio[d, p])]
    top = max(2.0, float(finite.max()) * 1.2) if finite.size else 2.0
    bottom = min(0.3, float(finite.min()) / 1.2) if finite.size else 0.3
    return _figure(
        "RMSNorm's time ÷ LayerNorm's (below 1: RMSNorm faster)",
        data,
        _axis("hidden size (log)", "log", tickvals=list(t.sizes)),
        _axis(
            "time ratio (log)",
            "log",
            range=[float(np.log10(bottom)), float(np.log10(top))],
            tickformat=".2~g",
        ),
        shapes=[band, one],
        annotations=[note],
    )


def loss_figure(run: TrainRun, against: str) -> dict[str, Any]:
    """Loss on the whole training set against steps or seconds of training."""
    data = []
    for i, v in enumerate(VARIANTS):
        steps = run.eval_steps
        x = steps if against == "steps" else run.clock(v)[steps - 1]
        unit = "step %{x}" if against == "steps" else "%{x:.2f} s"
        data.append(
            _line(
                NAMES[v],
                x,
                run.eval_loss[i],
                COLORS[v],
                hovertemplate=f"{NAMES[v]}<br>{unit}: loss %{{y:.4f}}<extra></extra>",
            )
        )
    title = (
        "Loss against steps"
        if against == "steps"
        else "Loss against wall-clock seconds of training"
    )
    xaxis = _axis("Adam step" if against == "steps" else "seconds (steps only)")
    return _figure(title, data, xaxis, _axis("loss on the whole training set"))
