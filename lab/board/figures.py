"""The Lab's pictures: what its canvas component draws (`board_panels`, with
the readouts under the heatmaps) and the same heatmaps as Plotly figure dicts
for notebooks (`board_figures`)."""

from __future__ import annotations

import numpy as np

from lab.board.model import Board
from lab.board.state import BoardState
from lab.board.texts import SKIP_LINK
from lab.core.families import SET_NAME
from lab.core.figures import HALO, OUTLINE, b64, heatmap, heatmap_spec, symmetric_range
from lab.core.helpers import fmt
from lab.core.norms import FAMILY_NAMES


def _ranges(board: Board) -> tuple[float, float]:
    """Colour half-widths: shared, so equal colours mean equal numbers in both
    heatmaps (independent ranges would hide the very change normalization makes),
    or each its own when the user asks."""
    if board.state.colors == "shared":
        z = symmetric_range(board.x, board.y)
        return z, z
    return symmetric_range(board.x), symmetric_range(board.y)


def _titles(s: BoardState) -> tuple[str, str]:
    """The heatmaps' titles: the mode only where it changes the output."""
    mode = f" ({s.mode})" if s.norm == "batch" else ""
    return "Raw activations x", f"After {FAMILY_NAMES[s.norm]}{mode}"


def _cells(n: int) -> str:
    return "1 cell" if n == 1 else f"{n} cells"


def readout_panel(board: Board) -> dict:
    """The readouts under the heatmaps, as the component shows them: the focus
    sentence (runs of plain and bold text), six numbers with their meaning, the
    coupling badge and where the focused cell's statistics came from.

    Drawn by the heatmap component rather than as Streamlit metrics: eleven
    Streamlit elements re-rendered on every family switch cost ~20 ms in the
    browser (bench/latency.py); the component updates a few text nodes.
    """
    s, ro = board.state, board.readouts
    r, c = s.focus
    set_name = SET_NAME[s.norm]
    what = {"batch": f"feature {c}", "group": f"example {r}'s group"}.get(
        s.norm, f"example {r}"
    )
    sentence = [
        ("Focused cell: ", False),
        (f"example {r}, feature {c}", True),
        (
            f". Outlined: its {set_name} ({what}, {_cells(ro.pool_size)}), every cell "
            "that shares its statistics. Click any cell to move the focus.",
            False,
        ),
    ]
    pairs = "RMS values" if s.norm == "rms" else "(μ, σ) pairs"
    metrics = [
        (
            "Raw std",
            ro.raw_std,
            f"Standard deviation of the raw values in the {set_name}.",
        ),
        ("Output mean", ro.out_mean, f"Mean of the outputs in the {set_name}."),
        (
            "Output std",
            ro.out_std,
            f"Standard deviation of the outputs in the {set_name}.",
        ),
        (f"Ex. {r} mean", ro.row_mean, f"Mean of example {r}'s outputs (its row)."),
        (f"Ex. {r} RMS", ro.row_rms, f"Root mean square of example {r}'s outputs."),
        (pairs, ro.num_stats, "How many statistics the layer computes for this input."),
    ]
    used = f"σ = {fmt(ro.stat_std)}"
    if ro.stat_mean is not None:
        used = f"μ = {fmt(ro.stat_mean)}, {used}"
    if s.norm == "rms":
        used = f"RMS = {fmt(ro.stat_std)}"
    source = (
        "running estimates from training"
        if board.result.from_running
        else f"pooled over {_cells(ro.pool_size)}"
    )
    badge = (
        ("Batch-coupled", "orange", "An example's output depends on its batch-mates.")
        if ro.coupled
        else ("Per-example", "green", "An example's output depends only on itself.")
    )
    return {
        "sentence": [[text, bold] for text, bold in sentence],
        "metrics": [
            [label, str(v) if isinstance(v, int) else fmt(v), help_text]
            for label, v, help_text in metrics
        ],
        "badge": list(badge),
        "caption": f"Statistics for the focused cell: {used} ({source}).",
    }


def board_panels(board: Board) -> dict:
    """What the Lab page's heatmap component draws: both matrices, their colour
    ranges, which statistic every cell used (to outline a set on click without
    asking the server), and the focus."""
    s = board.state
    zr, zy = _ranges(board)
    raw_title, out_title = _titles(s)
    b, f = board.x.shape
    return {
        "norm": s.norm,
        "rows": b,
        "cols": f,
        "focus": list(s.focus),
        "readouts": readout_panel(board),
        "pool": b64(board.result.pool.numpy(), np.int32),
        "colors": {"outline": OUTLINE, "halo": HALO},
        "words": {"set": SET_NAME[s.norm], "skip": SKIP_LINK},
        "charts": [
            heatmap_spec(
                board.x,
                title=raw_title,
                zmax=zr,
                label="raw x",
                other=board.y,
                other_label="normalized y",
                show_scale=s.colors == "own",
                filename="raw",
            ),
            heatmap_spec(
                board.y,
                title=out_title,
                zmax=zy,
                label="normalized y",
                other=board.x,
                other_label="raw x",
                filename=f"normalized-{s.norm}",
            ),
        ],
    }


def board_figures(board: Board) -> tuple[tuple[dict, dict], tuple[dict, dict]]:
    """The same two heatmaps as Plotly figures, (figure dict, chart config) each,
    for notebooks (``plotly.io.show(fig)``) and anywhere Plotly is wanted."""
    s = board.state
    zr, zy = _ranges(board)
    raw_title, out_title = _titles(s)
    common = {"outline": board.outline, "focus": s.focus}
    raw = heatmap(
        board.x,
        title=raw_title,
        zmax=zr,
        other=board.y,
        labels=("raw x", "normalized y"),
        show_scale=s.colors == "own",
        filename="raw",
        **common,
    )
    out = heatmap(
        board.y,
        title=out_title,
        zmax=zy,
        other=board.x,
        labels=("normalized y", "raw x"),
        filename=f"normalized-{s.norm}",
        **common,
    )
    return raw, out
