"""The Sequences & padding page's pictures, as Plotly figure dicts with float32
arrays (lab/core/figures.py says why dicts): the token heatmaps with the pads
greyed and the pooled set outlined, the corruption against the padded
fraction, the running statistics learned with and without pads, and the real
run's accuracies. Line colours are Okabe–Ito, and every line also differs by
its dash and marker, so no reading depends on colour alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lab.core.figures import HALO, OUTLINE, heatmap, rect, symmetric_range
from lab.sequences.data import Padded
from lab.sequences.model import NAMES, SeqView
from lab.sequences.run import RunResult
from lab.sequences.serving import Serving
from lab.sequences.sweep import Sweep

BLUE = "#0072B2"
GREEN = "#009E73"
PINK = "#CC79A7"
SKY = "#56B4E9"
VERMILLION = "#D55E00"
GREY = "#8c8c8c"
PAD_FILL = "rgba(120,120,120,0.62)"
PAD_LINE = "#3a3a3a"

STYLE: dict[str, dict[str, Any]] = {
    "batch": {"color": BLUE, "dash": "solid", "symbol": "circle"},
    "masked": {"color": GREEN, "dash": "dash", "symbol": "square"},
    "layer": {"color": PINK, "dash": "dot", "symbol": "diamond"},
    "rms": {"color": SKY, "dash": "dashdot", "symbol": "x"},
}


def f32(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def chart_title(text: str, size: int = 14) -> dict[str, Any]:
    return {"text": text, "x": 0, "xanchor": "left", "font": {"size": size}}


def chart_layout(title: str, height: int, bottom: int, **rest: Any) -> dict[str, Any]:
    """A line or bar chart's layout: its title flush left, the page's margins,
    ``rest`` (axes, legend, shapes), hover on the nearest point, no dragging."""
    return {
        "title": chart_title(title),
        "height": height,
        "margin": {"l": 52, "r": 10, "t": 36, "b": bottom},
        **rest,
        "hovermode": "closest",
        "dragmode": False,
    }


def heatmap_height(rows: int) -> int:
    """Pixels for a heatmap of ``rows`` token rows."""
    return int(min(max(140 + 5 * rows, 300), 620))


def pooled_outlines(
    batch: Padded, key: str, focus: tuple[int, int]
) -> list[tuple[int, int, int, int]]:
    """The cells the focused cell's statistic pooled, as (r0, r1, c0, c1)
    rectangles: a channel's column (BatchNorm), its real segments (masked),
    a token's row (LayerNorm, RMSNorm)."""
    row, c = focus
    n, t, cols = batch.x.shape
    if key == "batch":
        return [(0, n * t - 1, c, c)]
    if key == "masked":
        return [
            (i * t, i * t + int(k) - 1, c, c) for i, k in enumerate(batch.lengths) if k
        ]
    return [(row, row, 0, cols - 1)]


def _pad_shapes(batch: Padded) -> list[dict[str, Any]]:
    """A greyed, dashed box over each sequence's padding, and a rule between
    sequences."""
    _, t, c = batch.x.shape
    shapes = []
    for i, k in enumerate(batch.lengths.tolist()):
        if k < t:
            box = rect(i * t + k, i * t + t - 1, 0, c - 1, PAD_LINE, 1)
            box["fillcolor"] = PAD_FILL
            box["line"]["dash"] = "dash"
            shapes.append(box)
        if i:
            y = i * t - 0.5
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "y",
                    "x0": -0.5,
                    "x1": c - 0.5,
                    "y0": y,
                    "y1": y,
                    "line": {"color": OUTLINE, "width": 1.5},
                }
            )
    return shapes


def _markers(
    batch: Padded, custom: np.ndarray, real: bool, labels: tuple[str, str]
) -> dict[str, Any]:
    """Transparent markers on the real (or the padded) cells: their hover text,
    and Plotly's clicks in a notebook (docs/streamlit.md)."""
    n, t, c = batch.x.shape
    rows, cols = np.divmod(np.arange(n * t * c), c)
    keep = np.repeat(batch.mask.reshape(-1), c) == real
    what = "real token" if real else "pad"
    return {
        "type": "scatter",
        "mode": "markers",
        "x": cols[keep].astype(np.int16),
        "y": rows[keep].astype(np.int16),
        "customdata": custom[keep],
        "marker": {"size": 6, "opacity": 0, "color": OUTLINE},
        "hovertemplate": f"sequence %{{customdata[2]}}, position %{{customdata[3]}}: "
        f"{what}<br>channel %{{x}}<br>{labels[0]} = %{{customdata[0]:.4g}}<br>"
        f"{labels[1]} = %{{customdata[1]:.4g}}<extra></extra>",
        "showlegend": False,
    }


def token_heatmaps(
    view: SeqView, key: str, focus: tuple[int, int]
) -> list[tuple[str, dict[str, Any]]]:
    """The padded batch before and after family ``key``: tokens × channels,
    the pads greyed, the focused cell's pooled set outlined. The output's
    colour range is set by the real tokens (a pad's output can be huge and
    means nothing)."""
    b = view.batch
    n, t, c = b.x.shape
    x = b.rows()  # N·T,C
    y = view.families[key].y  # N·T,C
    real_rows = b.mask.reshape(-1)
    seq, pos = np.divmod(np.arange(n * t), t)
    where = np.repeat(np.stack([seq, pos], 1), c, axis=0)  # N·T·C,2
    custom = np.column_stack([x.ravel(), y.ravel(), where]).astype(np.float32)
    swapped = custom[:, [1, 0, 2, 3]]
    r, col = focus
    boxes = pooled_outlines(b, key, focus)  # none: a masked batch of pads only
    extra = [
        shape
        for box in boxes[1:]
        for shape in (rect(*box, HALO, 5), rect(*box, OUTLINE, 2.5))
    ]
    panels = (
        ("x", "Tokens x (pads greyed)", x, symmetric_range(x), custom, ("x", "y")),
        (
            "y",
            f"{NAMES[key]}: output y",
            y,
            symmetric_range(y[real_rows]) if real_rows.any() else 1.0,
            swapped,
            ("y", "x"),
        ),
    )
    ticks = [i * t + (t - 1) / 2 for i in range(n)]
    out = []
    for chart, title, z, zmax, cd, labels in panels:
        # the Lab's heatmap, with the tokens' axes, marks and hover
        fig, _ = heatmap(
            z,
            title=title,
            zmax=zmax,
            outline=boxes[0] if boxes else (r, r, col, col),
            focus=focus,
            other=None,
            labels=labels,
            filename=f"tokens-{chart}",
        )
        fig["data"][0]["hoverinfo"] = "skip"  # the markers carry the hover
        fig["data"] += [_markers(b, cd, True, labels), _markers(b, cd, False, labels)]
        layout = fig["layout"]
        shapes = layout["shapes"]  # pooled set (halo, line), focus (halo, line)
        layout |= {
            "height": heatmap_height(n * t),
            "margin": {"l": 52, "r": 4, "t": 30, "b": 34},
            "clickmode": "event+select",
            "hoverdistance": -1,
            "shapes": [
                *_pad_shapes(b),
                *(shapes[:2] if boxes else []),
                *extra,
                *shapes[2:],
            ],
        }
        layout["title"]["font"]["size"] = 13
        layout["xaxis"] |= {
            "title": {"text": "channel", "standoff": 2},
            "dtick": 1 if c <= 8 else 2,
        }
        layout["yaxis"] = {
            "range": [n * t - 0.5, -0.5],
            "tickvals": ticks,
            "ticktext": [f"seq {i}" for i in range(n)],
            "showgrid": False,
            "zeroline": False,
        }
        out.append((chart, fig))
    return out


def corruption_figure(sweep: Sweep, now: float) -> dict[str, Any]:
    """The largest change of a real token's output against the padded
    fraction, one line per family; a rule at this batch's fraction."""
    pct = f32(100 * sweep.fractions)
    data = []
    for key in NAMES:
        st = STYLE[key]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": pct,
                "y": f32(sweep.change[key]),
                "name": NAMES[key],
                "line": {"color": st["color"], "dash": st["dash"], "width": 2.5},
                "marker": {"color": st["color"], "symbol": st["symbol"], "size": 7},
                "hovertemplate": f"{NAMES[key]}: %{{y:.4g}} at %{{x:.0f}}% padded"
                "<extra></extra>",
            }
        )
    finite = [v[np.isfinite(v)] for v in sweep.change.values()]
    top = max((float(v.max()) for v in finite if v.size), default=0.0) or 1.0
    zero = [
        NAMES[k] for k, v in zip(NAMES, finite, strict=True) if v.size and v.max() == 0
    ]
    notes = [
        {
            "xref": "x",
            "yref": "paper",
            "x": 100 * now,
            "y": 1.0,
            "text": "this batch",
            "xanchor": "left",
            "yanchor": "top",
            "xshift": 4,
            "font": {"size": 11, "color": GREY},
        }
    ]
    if zero:
        notes.append(
            {
                "xref": "x",
                "yref": "y",
                "x": 90,
                "y": 0.04 * top,
                "text": ", ".join(zero) + ": 0 at every fraction",
                "xanchor": "right",
                "yanchor": "bottom",
                "font": {"size": 11},
            }
        )
    return {
        "data": data,
        "layout": chart_layout(
            "Largest change of a real token's output",
            340,
            44,
            xaxis={
                "title": {"text": "padded fraction of the batch (%)", "standoff": 4},
                "range": [-3, 93],
                "dtick": 10,
            },
            yaxis={
                "title": {"text": "|with pads − without|"},
                "range": [-0.06 * top, 1.1 * top],  # the 0 lines above the axis
            },
            annotations=notes,
            shapes=[
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": 100 * now,
                    "x1": 100 * now,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": GREY, "width": 1.5, "dash": "dot"},
                }
            ],
            legend={"orientation": "h", "y": -0.2, "x": 0, "yanchor": "top"},
        ),
    }


def running_figure(serve: Serving) -> dict[str, Any]:
    """Per channel, the running mean and variance learned with pads pooled
    and with a mask (grouped bars, two panels)."""
    c = serve.padded.mean.shape[0]
    ch = np.arange(c, dtype=np.int16)
    data = []
    for axis, stat in (("", "mean"), ("2", "var")):
        for key, run, color in (
            ("batch", serve.padded, BLUE),
            ("masked", serve.masked, GREEN),
        ):
            data.append(
                {
                    "type": "bar",
                    "x": ch,
                    "y": f32(getattr(run, stat)),
                    "name": "pads pooled" if key == "batch" else "masked",
                    "marker": {"color": color},
                    "xaxis": "x" + axis,
                    "yaxis": "y" + axis,
                    "legendgroup": key,
                    "showlegend": axis == "",
                    "hovertemplate": f"channel %{{x}}: running_{stat} %{{y:.4g}} "
                    f"({'pads pooled' if key == 'batch' else 'masked'})<extra></extra>",
                }
            )
    return {
        "data": data,
        "layout": chart_layout(
            "Running statistics after training",
            330,
            40,
            xaxis={
                "anchor": "y",
                "domain": [0, 0.46],
                "range": [-0.5, c - 0.5],
                "dtick": 1 if c <= 8 else 2,
                "title": {"text": "channel"},
            },
            xaxis2={
                "anchor": "y2",
                "domain": [0.54, 1],
                "range": [-0.5, c - 0.5],
                "dtick": 1 if c <= 8 else 2,
                "title": {"text": "channel"},
            },
            yaxis={"anchor": "x", "title": {"text": "running_mean"}},
            yaxis2={
                "anchor": "x2",
                "title": {"text": "running_var"},
                "rangemode": "tozero",
            },
            legend={"orientation": "h", "y": -0.22, "x": 0, "yanchor": "top"},
        ),
    }


def run_figure(result: RunResult) -> dict[str, Any]:
    """Eval accuracy of each variant on the two test sets (grouped bars)."""
    names = [NAMES[v] for v in result.variants]
    data = []
    for test, label, color in (
        ("little", "little padding", SKY),
        ("much", "much padding", VERMILLION),
    ):
        data.append(
            {
                "type": "bar",
                "x": names,
                "y": f32([100 * a for a in getattr(result, test)]),
                "name": label,
                "marker": {"color": color},
                "hovertemplate": f"%{{x}}, {label}: %{{y:.1f}}%<extra></extra>",
            }
        )
    lo = min(min(result.little), min(result.much))
    return {
        "data": data,
        "layout": chart_layout(
            f"Eval accuracy, seed {result.seed}",
            320,
            40,
            xaxis={"type": "category"},
            yaxis={
                "title": {"text": "accuracy (%)"},
                "range": [max(0.0, np.floor(100 * lo / 5) * 5 - 5), 100],
            },
            legend={"orientation": "h", "y": -0.16, "x": 0, "yanchor": "top"},
        ),
    }
