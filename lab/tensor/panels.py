"""What the Tensor view's canvas component (lab/tensor/tensor.js) draws, as JSON.

The page draws its cubes and flat maps on canvas, not with Plotly: four 3-D
scenes took seconds in a browser without a GPU. So the page's pictures are
data for that component, built here from a `lab.tensor.model.TensorView`:
arrays as base64, each cell's (μ, σ) index so a click redraws the set at once,
and every sentence as text pieces, never HTML. Kept apart from the numbers
(`lab.tensor.model`), which it only reads, and from the same pictures as Plotly
figures for notebooks (`lab.tensor.figures`), which the page never sends.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from lab.core.figures import DIVERGING, HALO, OUTLINE, b64, symmetric_range
from lab.core.helpers import fmt, noun
from lab.core.norms import FAMILY_NAMES
from lab.tensor.figures import FOCUS_COLOR, SET_COLOR
from lab.tensor.model import FamilyReadout, TensorView, group1_result, token_result
from lab.tensor.state import TENSOR_FAMILIES
from lab.tensor.texts import (
    COUNTS_CAPTION,
    COUNTS_HEAD,
    FOCUS_LINE,
    ONE_METRICS,
    PICKERS,
    PITFALL_FOCUS,
    PITFALL_MEANS,
    PITFALL_METRICS,
    POOLED_AXES,
)


def count_caption(ro: FamilyReadout) -> list[tuple[str, bool]]:
    """Under each cube: how many (μ, σ) pairs the family keeps and how many cells
    each pools, as (text, bold) pieces; numbers in bold, nouns in the singular
    for one ("1 (μ, σ) pair", "1 cell each")."""
    pairs = noun(ro.num_stats, "(μ, σ) pair")
    cells = noun(ro.pool_size, "cell") + " each"
    return [
        (str(ro.num_stats), True),
        (f" {pairs} ({ro.count_formula}), ", False),
        (str(ro.pool_size), True),
        (f" {cells} ({ro.pool_formula})", False),
    ]


PANEL_COLORS: Mapping[str, str] = MappingProxyType(
    {"set": SET_COLOR, "focus": FOCUS_COLOR, "outline": OUTLINE, "halo": HALO}
)


def _shared(view: TensorView, kind: str, big: bool) -> dict[str, Any]:
    return {
        "kind": kind,
        "big": big,
        "norm": view.state.norm,
        "shape": list(view.x.shape),
        "focus": list(view.state.focus),
        "colors": dict(PANEL_COLORS),
    }


def parts(md: str) -> list[list[str]]:
    """A sentence with **bold** and `code` as [text, style] pieces ("b", "code"
    or ""), for the canvas component, which sets them as text, never as HTML."""
    out = []
    for piece in re.split(r"(\*\*[^*]+\*\*|`[^`]+`)", md):
        if piece.startswith("**") and piece.endswith("**") and len(piece) > 4:
            out.append([piece[2:-2], "b"])
        elif piece.startswith("`") and piece.endswith("`") and len(piece) > 2:
            out.append([piece[1:-1], "code"])
        elif piece:
            out.append([piece, ""])
    return out


def pickers_block(view: TensorView) -> dict[str, Any]:
    """The focused cell as four numbers to type, and the sentence naming it
    (``{n}``, ``{c}``, ``{h}``, ``{w}`` are filled in by the browser with the
    focus, so they follow a click at once)."""
    return {
        "type": "pickers",
        "items": [
            [label, size, help_]
            for (label, help_), size in zip(PICKERS, view.x.shape, strict=True)
        ],
        "line": parts(FOCUS_LINE),
    }


def counts_blocks(view: TensorView) -> list[dict[str, Any]]:
    """The table of (μ, σ) pairs and pool sizes per family, with the focused
    cell's μ, √(σ² + ε) and output, and its caption."""
    n, c, h, w = view.x.shape
    rows = []
    for fam in TENSOR_FAMILIES:
        ro = view.readouts[fam]
        rows.append(
            [
                FAMILY_NAMES[fam],
                POOLED_AXES[fam],
                f"{ro.count_formula} = {ro.num_stats}",
                f"{ro.pool_formula} = {ro.pool_size}",
                fmt(ro.mean),
                fmt(ro.std),
                fmt(ro.y),
            ]
        )
    caption = COUNTS_CAPTION.format(
        n=n,
        c=c,
        h=h,
        w=w,
        g=view.state.groups,
        total=n * c * h * w,
        x=fmt(view.readouts["batch"].x),
    )
    return [
        {"type": "table", "head": list(COUNTS_HEAD), "rows": rows, "right": [4, 5, 6]},
        {"type": "caption", "parts": parts(caption)},
    ]


def one_metrics(view: TensorView, family: str) -> dict[str, Any]:
    """The One family layout's readouts: pairs, pool size, μ, divisor, x, y."""
    ro = view.readouts[family]
    values = (
        str(ro.num_stats),
        str(ro.pool_size),
        fmt(ro.mean),
        fmt(ro.std),
        fmt(ro.x),
        fmt(ro.y),
    )
    items = [
        [label.format(count=ro.count_formula, pool=ro.pool_formula), v, help_]
        for (label, help_), v in zip(ONE_METRICS, values, strict=True)
    ]
    return {"type": "metrics", "items": items}


def cube_panels(view: TensorView, families: Iterable[str]) -> dict[str, Any]:
    """What the Tensor view's cube component (lab/tensor/tensor.js) draws: Wu & He's
    cube for each of ``families``, the same picture as `cube_figure` in 2-D.

    Each cube travels as the raw tensor, the family's output and, for every
    cell, the index of the (μ, σ) pair it uses (``NormResult.pool``), all in
    (n, c, p) order: the browser finds the focused cell's set as the cells
    sharing its index, so a click redraws the set at once, before the server
    answers. One family is drawn large (``big``).
    """
    fams = tuple(families)
    x = b64(view.x.reshape(-1), np.float32)
    panels = []
    for fam in fams:
        r = view.results[fam]
        panels.append(
            {
                "title": FAMILY_NAMES[fam],
                "family": fam,
                "z": x,
                "label": "raw x",
                "other": b64(r.output.numpy().reshape(-1), np.float32),
                "other_label": f"after {FAMILY_NAMES[fam]}",
                "pool": b64(r.pool.numpy().reshape(-1), np.int32),
                "caption": count_caption(view.readouts[fam]),
                "filename": f"tensor-cube-{fam}",
            }
        )
    after = counts_blocks(view)
    if len(fams) == 1:
        after = [one_metrics(view, fams[0]), *after]
    return _shared(view, "cubes", len(fams) == 1) | {
        "panels": panels,
        "before": [pickers_block(view)],
        "after": after,
    }


def _map_panel(
    z: np.ndarray,
    other: np.ndarray,
    pool: np.ndarray | None,
    **spec: Any,
) -> dict[str, Any]:
    rows, cols = z.shape
    return {
        "rows": rows,
        "cols": cols,
        "z": b64(z, np.float32),
        "other": b64(other, np.float32),
        "pool": None if pool is None else b64(pool, np.int32),
        "colorscale": DIVERGING,
        **spec,
    }


def unfolded_panels(view: TensorView, family: str) -> dict[str, Any]:
    """The unfolded raw and normalized (N, C·H·W) maps for the canvas component:
    the same pictures as `unfolded_figures`, with each cell's (μ, σ) index so
    the browser outlines a clicked cell's set at once."""
    n, c, h, w = view.x.shape
    p = h * w
    x = view.x.reshape(n, c * p)
    y = view.results[family].output.numpy().reshape(n, c * p)
    pool = view.results[family].pool.numpy().reshape(n, c * p)
    step = max(1, math.ceil(c / 16))
    common = {
        "layout": "unfolded",
        "zmax": symmetric_range(x, y),
        "block": p,
        "xticks": [[k * p + (p - 1) / 2, str(k)] for k in range(0, c, step)],
        "xlabel": "channel c (a block of H·W positions each)",
        "ylabel": "example n",
        "height": 110 + 30 * n,
    }
    name = FAMILY_NAMES[family]
    raw = _map_panel(
        x,
        y,
        pool,
        title="Raw x, unfolded to N × (C·H·W)",
        label="raw x",
        other_label=f"after {name}",
        showscale=False,
        filename="tensor-raw",
        **common,
    )
    out = _map_panel(
        y,
        x,
        pool,
        title=f"After {name}",
        label=f"after {name}",
        other_label="raw x",
        showscale=True,
        filename=f"tensor-{family}",
        **common,
    )
    return _shared(view, "maps", False) | {"panels": [raw, out], "after": []}


def pitfall_panels(view: TensorView) -> dict[str, Any]:
    """The focused example as C × (H·W) maps (GroupNorm(1, C), nn.LayerNorm(C) on
    tokens, their difference) for the canvas component: the pictures of
    `pitfall_figures`, each outlining the set that normalized the clicked cell."""
    pf = view.pitfall
    spec = view.state.spec
    _, c, h, w = view.x.shape
    p = h * w
    fn = view.state.focus[0]
    raw = view.x[fn].reshape(c, p)
    g1_pool = group1_result(spec).pool.numpy()[fn].reshape(c, p)
    tok_pool = token_result(spec).pool.numpy()[fn].reshape(c, p)
    step = max(1, math.ceil(p / 8))
    common = {
        "layout": "example",
        "example": fn,
        "zmax": symmetric_range(pf.group1, pf.token, pf.diff),
        "block": 0,
        "xticks": [[i, f"{i // w},{i % w}"] for i in range(0, p, step)],
        "xlabel": "position (h, w)",
        "height": 150 + 18 * c,
        "other_label": "raw x",
    }
    maps = (
        ("GroupNorm(1, C)", pf.group1, g1_pool, "group1", "channel c"),
        ("nn.LayerNorm(C) on tokens", pf.token, tok_pool, "ln", ""),
        ("Difference", pf.diff, None, "difference", ""),
    )
    panels = [
        _map_panel(
            z,
            raw,
            pool,
            title=f"{title}, example {fn}",
            label=title,
            ylabel=ylabel,
            showscale=i == 2,
            filename=f"pitfall-{name}",
            **common,
        )
        for i, (title, z, pool, name, ylabel) in enumerate(maps)
    ]
    return _shared(view, "maps", False) | {
        "panels": panels,
        "after": pitfall_blocks(view),
    }


def pitfall_blocks(view: TensorView) -> list[dict[str, Any]]:
    """Under the comparison's maps: its four readouts and two sentences, with
    the numbers for the focused cell and its example."""
    pf = view.pitfall
    s = view.state
    n, c, h, w = s.focus
    values = (
        fmt(pf.max_abs_diff),
        str(pf.group1_stats),
        str(pf.token_stats),
        fmt(float(pf.diff[c, h * s.width + w])),
    )
    items = [
        [label, v, help_]
        for (label, help_), v in zip(PITFALL_METRICS, values, strict=True)
    ]
    focus = PITFALL_FOCUS.format(
        n=n,
        c=c,
        h=h,
        w=w,
        x=fmt(view.readouts["batch"].x),
        g1_mu=fmt(pf.group1_mu),
        g1_sd=fmt(pf.group1_sd),
        g1_y=fmt(float(pf.group1[c, pf.position])),
        tok_mu=fmt(pf.token_mu),
        tok_sd=fmt(pf.token_sd),
        tok_y=fmt(float(pf.token[c, pf.position])),
    )
    means = PITFALL_MEANS.format(
        n=n, g1_spread=fmt(pf.group1_spread), tok_spread=fmt(pf.token_spread)
    )
    return [
        {"type": "metrics", "items": items},
        {"type": "text", "parts": parts(focus)},
        {"type": "text", "parts": parts(means)},
    ]
