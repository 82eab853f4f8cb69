"""The Choose a norm page's one chart, as a plain Plotly dict: what a norm layer
holds, keeps and moves per step, family by family, on a log scale.

Dots rather than bars: the quantities span six or more orders of magnitude
(γ of a few thousand numbers against activations of tens of megabytes) and a
log axis has no zero for a bar to start from. A quantity a family does not
have (buffers outside BatchNorm) has no dot.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lab.choose.cost import BYTES, Cost, Sync, size

SERIES: tuple[tuple[str, str, str, str, int], ...] = (
    ("params", "γ and β", "#0072b2", "circle", 18),
    ("buffers", "running statistics", "#cc79a7", "square-open", 12),
    ("kept", "kept for backward", "#009e73", "x", 9),
    ("activations", "input read + output written", "#e69f00", "circle", 11),
    ("sync", "SyncBatchNorm, sent per device", "#d55e00", "diamond", 10),
)
"""Name, legend, colour, symbol, size: BatchNorm's γ and β, buffers and what it
keeps are all about 8 KiB at C = 1,024, so each later mark must show on the
earlier ones (a disc, a square's outline, a cross)."""
HEIGHT = 300
TICKS = [2**k for k in range(0, 41, 5)]
"""1 B, 32 B, 1 KiB, 32 KiB, 1 MiB, …: the axis's ticks in the table's units."""


def _bytes(c: Cost, what: str, sync: Sync | None) -> float:
    value = {
        "params": c.params * BYTES,
        "buffers": c.buffers * BYTES,
        "kept": c.kept * BYTES,
        "activations": 2 * c.elements * BYTES,
        "sync": sync.sent_bytes if sync is not None and c.family == "batch" else 0,
    }[what]
    return float(value) if value > 0 else float("nan")


def cost_figure(costs: list[Cost], sync: Sync | None) -> dict[str, Any]:
    """Bytes per device and step for every family (rows) and quantity (dots)."""
    rows = costs[::-1]  # a category axis counts upwards: the first family on top
    labels = [c.label for c in rows]
    data = []
    for what, name, color, symbol, size_ in SERIES:
        if what == "sync" and (sync is None or sync.devices < 2):
            continue
        values = [_bytes(c, what, sync) for c in rows]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "x": np.asarray(values, dtype=np.float32),
                "y": labels,
                "text": [size(v) if v == v else "" for v in values],
                "marker": {"color": color, "size": size_, "symbol": symbol},
                "hovertemplate": f"%{{y}}: {name}, %{{text}}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            "title": {
                "text": "Bytes per device and step (log scale)",
                "x": 0,
                "xanchor": "left",
                "font": {"size": 15},
            },
            "height": HEIGHT,
            "margin": {"l": 170, "r": 16, "t": 40, "b": 70},
            "xaxis": {
                "type": "log",
                "title": {"text": "bytes", "standoff": 4},
                "tickvals": TICKS,
                "ticktext": [size(v) for v in TICKS],
            },
            "yaxis": {"type": "category"},
            "legend": {"orientation": "h", "y": -0.3, "x": 0, "font": {"size": 11}},
            "hovermode": "closest",
            "dragmode": False,
        },
    }
