"""The Tensor view's pictures as Plotly figure dicts, for notebooks.

The page draws these pictures on canvas (`lab.tensor.panels`); a notebook has
Plotly, and ``plotly.io.show(fig)`` draws the same cube, unfolded maps and
comparison with hover and PNG export. They read the numbers
(`lab.tensor.model`) and share only the colours with the canvas, so they live
apart: the page never builds them. Plain dicts with float32 arrays, as every
figure of the lab (`lab.core.figures`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lab.core.figures import (
    CHART_CONFIG,
    CLICKABLE,
    DIVERGING,
    HALO,
    OUTLINE,
    rect,
    symmetric_range,
)
from lab.core.norms import FAMILY_NAMES
from lab.tensor.model import TensorView

SET_COLOR = "#2f6fde"  # Wu & He shade the set blue
FOCUS_COLOR = "#f28e2b"  # orange: tells apart from blue for every colour vision
FAINT_COLOR = "#8c96a3"


_CORNERS = np.array(
    [
        [-1, -1, -1],
        [1, -1, -1],
        [1, 1, -1],
        [-1, 1, -1],
        [-1, -1, 1],
        [1, -1, 1],
        [1, 1, 1],
        [-1, 1, 1],
    ],
    dtype=np.float32,
)
_TRIANGLES = np.array(
    [
        [0, 1, 2],
        [0, 2, 3],
        [4, 5, 6],
        [4, 6, 7],
        [0, 1, 5],
        [0, 5, 4],
        [3, 2, 6],
        [3, 6, 7],
        [0, 3, 7],
        [0, 7, 4],
        [1, 2, 6],
        [1, 6, 5],
    ]
)


def _cubes(centres: np.ndarray, half: float) -> dict[str, np.ndarray]:
    """One mesh of axis-aligned cubes: 8 vertices and 12 triangles each."""
    k = len(centres)
    verts = (centres[:, None, :] + half * _CORNERS[None]).reshape(-1, 3)  # 8K,3
    tri = (_TRIANGLES[None] + 8 * np.arange(k)[:, None, None]).reshape(-1, 3)  # 12K,3
    idx = np.uint16 if 8 * k < 2**16 else np.uint32
    return {
        "x": verts[:, 0].astype(np.float32),
        "y": verts[:, 1].astype(np.float32),
        "z": verts[:, 2].astype(np.float32),
        "i": tri[:, 0].astype(idx),
        "j": tri[:, 1].astype(idx),
        "k": tri[:, 2].astype(idx),
    }


def _grid(n: int, c: int, p: int) -> dict[str, np.ndarray]:
    """Cell boundaries on the six faces of the block, as one broken line.

    Scene axes: x = C, y = N, z = H·W (up), as in Wu & He's Figure 2.
    """
    lo = -0.5
    hi = {"x": c - 0.5, "y": n - 0.5, "z": p - 0.5}
    ticks = {
        "x": np.arange(c + 1) - 0.5,
        "y": np.arange(n + 1) - 0.5,
        "z": np.arange(p + 1) - 0.5,
    }
    segs: list[tuple[tuple[float, float, float], tuple[float, float, float]]] = []
    axes = ("x", "y", "z")
    for fixed in axes:  # the two faces normal to this axis
        a, b = (ax for ax in axes if ax != fixed)
        for level in (lo, hi[fixed]):
            for t in ticks[a]:  # lines along b
                p0 = {fixed: level, a: t, b: lo}
                p1 = {fixed: level, a: t, b: hi[b]}
                segs.append((tuple(p0[q] for q in axes), tuple(p1[q] for q in axes)))
            for t in ticks[b]:  # lines along a
                p0 = {fixed: level, b: t, a: lo}
                p1 = {fixed: level, b: t, a: hi[a]}
                segs.append((tuple(p0[q] for q in axes), tuple(p1[q] for q in axes)))
    pts = np.full((len(segs) * 3, 3), np.nan, dtype=np.float32)  # a NaN ends a line
    arr = np.array(segs, dtype=np.float32)  # S,2,3
    pts[0::3], pts[1::3] = arr[:, 0], arr[:, 1]
    return {"x": pts[:, 0], "y": pts[:, 1], "z": pts[:, 2]}


def _cell_data(view: TensorView, family: str, cells: np.ndarray) -> np.ndarray:
    """Hover data per cell (K, 6): n, c, h, w, raw x, normalized output."""
    _, _, _, w = view.x.shape
    n, c, p = cells[:, 0], cells[:, 1], cells[:, 2]
    h, ww = np.divmod(p, w)
    x = view.x.reshape(view.x.shape[0], view.x.shape[1], -1)  # N,C,P
    y = view.results[family].output.numpy().reshape(x.shape)  # N,C,P
    return np.stack([n, c, h, ww, x[n, c, p], y[n, c, p]], axis=1).astype(np.float32)


def _hover(family: str) -> str:
    return (
        "example %{customdata[0]}, channel %{customdata[1]}, "
        "position (%{customdata[2]}, %{customdata[3]})<br>"
        "x = %{customdata[4]:.4g}<br>"
        f"{FAMILY_NAMES[family]}: %{{customdata[5]:.4g}}<extra></extra>"
    )


def _axis(title: str, size: int, labels: list[str] | None = None) -> dict[str, Any]:
    step = max(1, math.ceil(size / 8))
    vals = np.arange(0, size, step)
    axis: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 15}},
        "range": [-0.6, size - 0.4],
        "tickvals": vals.tolist(),
        "showgrid": False,
        "zeroline": False,
        "showbackground": False,
        "showspikes": False,
        "tickfont": {"size": 10},
    }
    if labels is not None:
        axis["ticktext"] = [labels[v] for v in vals]
    return axis


def cube_figure(
    view: TensorView, family: str, *, height: int = 420, title: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Wu & He's cube for one family: the focused cell's set as solid cubes.

    Axes C, N and H·W (up). The set is drawn blue, the focused cell orange, every
    other cell a faint point; the block's cell grid is drawn on its faces. Hover
    any cube or point for its raw and normalized value. (Streamlit re-creates a
    chart whose figure changed, so a turned camera resets when the focus moves.)
    """
    n, c, h, w = view.x.shape
    p = h * w
    ro = view.readouts[family]
    fn, fc, fh, fw = view.state.focus
    focus = np.array([[fn, fc, fh * w + fw]])
    in_set = ro.mask.copy()
    in_set[fn, fc, fh * w + fw] = False
    members = np.argwhere(in_set)  # K,3  (n, c, p)
    others = np.argwhere(~ro.mask)  # M,3
    hover = _hover(family)

    def xyz(cells: np.ndarray) -> np.ndarray:  # scene coordinates: x=C, y=N, z=P
        return cells[:, [1, 0, 2]].astype(np.float32)

    mesh_style = {
        "type": "mesh3d",
        "flatshading": True,
        "lighting": {
            "ambient": 0.45,
            "diffuse": 0.8,
            "specular": 0.05,
            "roughness": 0.8,
            "fresnel": 0.05,
        },
        "lightposition": {"x": 30000, "y": -100000, "z": 60000},
        "hovertemplate": hover,
        "showscale": False,
    }
    data: list[dict[str, Any]] = [
        {
            "type": "scatter3d",
            "mode": "lines",
            **_grid(n, c, p),
            "line": {"color": FAINT_COLOR, "width": 1.5},
            "opacity": 0.55,
            "hoverinfo": "skip",
            "showlegend": False,
        }
    ]
    if len(others):
        data.append(
            {
                "type": "scatter3d",
                "mode": "markers",
                **dict(zip("xyz", xyz(others).T, strict=True)),
                "customdata": _cell_data(view, family, others),
                "marker": {"size": 2.5, "color": FAINT_COLOR, "opacity": 0.6},
                "hovertemplate": hover,
                "showlegend": False,
            }
        )
    for cells, color, half in ((members, SET_COLOR, 0.43), (focus, FOCUS_COLOR, 0.49)):
        if not len(cells):
            continue
        data.append(
            mesh_style
            | _cubes(xyz(cells), half)
            | {
                "color": color,
                "customdata": np.repeat(_cell_data(view, family, cells), 8, axis=0),
                "name": "focused cell" if color == FOCUS_COLOR else "its set",
            }
        )
    far = 1.0 if height >= 400 else 1.3  # small charts: room for axis titles
    sizes = np.array([c, n, p], dtype=np.float64)
    ratio = np.clip(sizes / sizes.max(), 0.3, 1.0)
    pos_labels = [f"{i // w},{i % w}" for i in range(p)]
    fig = {
        "data": data,
        "layout": {
            "title": {
                "text": title or FAMILY_NAMES[family],
                "x": 0.5,
                "xanchor": "center",
                "y": 0.97,
                "font": {"size": 16},
            },
            "height": height,
            "margin": {"l": 0, "r": 0, "t": 30, "b": 0},
            "showlegend": False,
            "scene": {
                "xaxis": _axis("C", c),
                "yaxis": _axis("N", n),
                "zaxis": _axis("H·W", p, pos_labels),
                "aspectmode": "manual",
                "aspectratio": dict(zip("xyz", ratio.round(3).tolist(), strict=True)),
                "camera": {
                    "eye": {"x": 1.4 * far, "y": -1.3 * far, "z": 0.85 * far},
                    "center": {"x": 0, "y": 0, "z": -0.1},
                },
                "dragmode": "turntable",
            },
        },
    }
    config = CHART_CONFIG | {
        "toImageButtonOptions": CHART_CONFIG["toImageButtonOptions"]
        | {"filename": f"tensor-cube-{family}"}
    }
    return fig, config


def _outlines(
    box: tuple[int, int, int, int] | None, focus: tuple[int, int]
) -> list[dict[str, Any]]:
    """The set's outline (if any) and the focused cell's, each on a white halo."""
    shapes = []
    if box is not None:
        shapes += [rect(*box, HALO, 5), rect(*box, OUTLINE, 2.5)]
    r, c = focus
    return [*shapes, rect(r, r, c, c, HALO, 3), rect(r, r, c, c, OUTLINE, 1.5)]


def _heatmap(
    z: np.ndarray,
    custom: np.ndarray,
    hover: str,
    *,
    title: str,
    zmax: float,
    shapes: list[dict[str, Any]],
    xaxis: dict[str, Any],
    yaxis: dict[str, Any],
    height: int,
    filename: str,
    show_scale: bool = True,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A clickable heatmap: a transparent marker per cell carries clicks and
    hover, because Plotly's heatmap cells emit no selection events
    (docs/streamlit.md, "Clicks and selections")."""
    rows, cols = np.divmod(np.arange(z.size, dtype=np.int32), z.shape[1])
    fig = {
        "data": [
            {
                "type": "heatmap",
                "z": np.asarray(z, dtype=np.float32),
                "zmin": -zmax,
                "zmax": zmax,
                "colorscale": DIVERGING,
                "hoverinfo": "skip",
                "showscale": show_scale,
                "colorbar": {
                    "thickness": 12,
                    "outlinewidth": 0,
                    "len": 0.9,
                    "x": 1.02,
                    "xanchor": "left",
                },
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": cols.astype(np.int16),
                "y": rows.astype(np.int16),
                "customdata": custom.astype(np.float32),
                "marker": {"size": 6, "opacity": 0, "color": OUTLINE},
                "hovertemplate": hover,
                "showlegend": False,
            },
        ],
        "layout": {
            "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
            "height": height,
            "margin": {"l": 44, "r": 72, "t": 34, "b": 40},
            "xaxis": xaxis | {"showgrid": False, "zeroline": False},
            "yaxis": yaxis | {"showgrid": False, "zeroline": False},
            "shapes": shapes,
            **CLICKABLE,
        },
    }
    config = CHART_CONFIG | {
        "toImageButtonOptions": CHART_CONFIG["toImageButtonOptions"]
        | {"filename": filename}
    }
    return fig, config


def unfolded_figures(
    view: TensorView, family: str
) -> tuple[tuple[dict, dict], tuple[dict, dict]]:
    """The tensor unfolded to (N, C·H·W), raw and after ``family``, set outlined.

    One block of H·W columns per channel, separated by thin lines; both maps on
    one symmetric colour range so equal colours mean equal numbers.
    """
    n, c, h, w = view.x.shape
    p = h * w
    x = view.x.reshape(n, c * p)  # N,C·P
    y = view.results[family].output.numpy().reshape(n, c * p)  # N,C·P
    ro = view.readouts[family]
    fn, fc, fh, fw = view.state.focus
    focus = (fn, fc * p + fh * w + fw)
    nn_, cc, pp = np.meshgrid(np.arange(n), np.arange(c), np.arange(p), indexing="ij")
    hh, ww = np.divmod(pp, w)
    custom = np.stack(
        [nn_.ravel(), cc.ravel(), hh.ravel(), ww.ravel(), x.ravel(), y.ravel()], axis=1
    )  # N·C·P, 6
    separators = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": k * p - 0.5,
            "x1": k * p - 0.5,
            "y0": 0,
            "y1": 1,
            "line": {"color": FAINT_COLOR, "width": 1},
        }
        for k in range(1, c)
    ]
    step = max(1, math.ceil(c / 16))
    xaxis = {
        "title": {"text": "channel c (a block of H·W positions each)", "standoff": 4},
        "range": [-0.5, c * p - 0.5],
        "tickvals": [k * p + (p - 1) / 2 for k in range(0, c, step)],
        "ticktext": [str(k) for k in range(0, c, step)],
        "ticks": "",
    }
    yaxis = {
        "title": {"text": "example n", "standoff": 4},
        "range": [n - 0.5, -0.5],
        "tickvals": list(range(n)),
    }
    zmax = symmetric_range(x, y)
    height = 110 + 30 * n
    shapes = separators + _outlines(ro.rect, focus)
    raw = _heatmap(
        x,
        custom,
        _hover(family),
        title="Raw x, unfolded to N × (C·H·W)",
        zmax=zmax,
        shapes=shapes,
        xaxis=xaxis,
        yaxis=yaxis,
        height=height,
        filename="tensor-raw",
        show_scale=False,
    )
    out = _heatmap(
        y,
        custom,
        _hover(family),
        title=f"After {FAMILY_NAMES[family]}",
        zmax=zmax,
        shapes=shapes,
        xaxis=xaxis,
        yaxis=yaxis,
        height=height,
        filename=f"tensor-{family}",
    )
    return raw, out


def pitfall_figures(view: TensorView) -> tuple[tuple[dict, dict], ...]:
    """The focused example as C × (H·W) maps: GroupNorm(1, C), nn.LayerNorm(C)
    on tokens, and their difference, on one colour range; each map outlines the
    set that normalized the focused cell."""
    pf = view.pitfall
    _, c, h, w = view.x.shape
    p = h * w
    fn, fc, fh, fw = view.state.focus
    focus = (fc, fh * w + fw)
    cc, pp = np.meshgrid(np.arange(c), np.arange(p), indexing="ij")
    hh, ww = np.divmod(pp, w)
    zmax = symmetric_range(pf.group1, pf.token, pf.diff)
    step = max(1, math.ceil(p / 8))
    xaxis = {
        "title": {"text": "position (h, w)", "standoff": 4},
        "range": [-0.5, p - 0.5],
        "tickvals": list(range(0, p, step)),
        "ticktext": [f"{i // w},{i % w}" for i in range(0, p, step)],
        "tickangle": 0,
    }
    yaxis = {
        "title": {"text": "channel c", "standoff": 2},
        "range": [c - 0.5, -0.5],
        "tickvals": list(range(0, c, max(1, math.ceil(c / 8)))),
    }
    height = 150 + 18 * c
    maps = (
        ("GroupNorm(1, C)", pf.group1, (0, c - 1, 0, p - 1), "group1"),
        ("nn.LayerNorm(C) on tokens", pf.token, (0, c - 1, focus[1], focus[1]), "ln"),
        ("Difference", pf.diff, None, "difference"),
    )
    out = []
    for i, (title, z, box, name) in enumerate(maps):
        custom = np.stack(
            [
                np.full(c * p, fn),
                cc.ravel(),
                hh.ravel(),
                ww.ravel(),
                view.x[fn].reshape(c, p).ravel(),
                z.ravel(),
            ],
            axis=1,
        )
        hover = (
            "channel %{customdata[1]}, position (%{customdata[2]}, "
            "%{customdata[3]})<br>x = %{customdata[4]:.4g}<br>"
            f"{title}: %{{customdata[5]:.4g}}<extra></extra>"
        )
        out.append(
            _heatmap(
                z,
                custom,
                hover,
                title=f"{title}, example {fn}",
                zmax=zmax,
                shapes=_outlines(box, focus),
                xaxis=xaxis,
                yaxis=yaxis if i == 0 else yaxis | {"title": {"text": ""}},
                height=height,
                filename=f"pitfall-{name}",
                show_scale=i == 2,
            )
        )
    return tuple(out)
