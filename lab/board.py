"""The main page's model: data, normalization, readouts and diagnosis for one state.

Everything here is pure and cached on plain values, so a notebook gets the very
numbers the page shows: ``build_board(BoardState(norm="layer"))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from lab.activations import (
    OUTLIER_ROW,
    ActivationSpec,
    make_activations,
    serving_drift,
    training_batches,
)
from lab.figures import HALO, OUTLINE, b64, heatmap, heatmap_spec, symmetric_range
from lab.norms import FAMILY_NAMES, NormResult, normalize
from lab.state import BoardState, clean
from lab.texts.board import DIAGNOSES, NEXT_OK
from lab.texts.families import SET_NAME

WARMUP_STEPS = 100
WARMUP_BATCH = 32
WARMUP_MOMENTUM = 0.1


@dataclass(frozen=True)
class Readouts:
    """The numbers beside the heatmaps, all about the focused cell's set."""

    raw_std: float  # std of the raw values in the focused set
    out_mean: float  # mean of the outputs in the focused set
    out_std: float  # std of the outputs in the focused set
    row_mean: float  # the focused example's output mean
    row_rms: float  # the focused example's output RMS
    stat_mean: float | None  # μ that normalized the focused cell (None: RMSNorm)
    stat_std: float  # √(σ² + ε) that normalized it (RMSNorm: the RMS)
    coupled: bool  # does an example's output depend on its batch-mates?
    num_stats: int
    pool_size: int


@dataclass(frozen=True)
class Diagnosis:
    code: str
    level: str
    title: str
    body: str
    try_next: str


@dataclass(frozen=True, eq=False)
class Board:
    state: BoardState
    x: np.ndarray  # B,F  float32, what the layer receives
    y: np.ndarray  # B,F  float32, what it returns
    result: NormResult
    outline: tuple[int, int, int, int]  # first row, last row, first col, last col
    readouts: Readouts
    diagnosis: Diagnosis


@lru_cache(maxsize=64)
def running_statistics(
    spec: ActivationSpec,
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """BatchNorm's running mean and variance after a training run on ``spec``'s data.

    A real run of the engine's BatchNorm over `WARMUP_STEPS` fresh batches
    (momentum 0.1, torch's default): eval mode shows what those estimates do.
    """
    rm = rv = None
    nbt = 0
    for xb in training_batches(spec, WARMUP_STEPS, WARMUP_BATCH):
        r = normalize(
            torch.from_numpy(xb),
            "batch",
            running_mean=rm,
            running_var=rv,
            num_batches_tracked=nbt,
            momentum=WARMUP_MOMENTUM,
        )
        rm, rv, nbt = r.running_mean, r.running_var, r.num_batches_tracked
    return rm, rv, nbt


def board_input(state: BoardState) -> np.ndarray:
    """What the layer receives: the generated batch, plus any shift since training."""
    x = make_activations(state.activations)  # B,F
    if not state.training and state.stale:
        x = x + serving_drift(state.activations, state.stale)  # B,F
    return x


def _training_spec(state: BoardState) -> ActivationSpec:
    spec = state.activations
    return ActivationSpec(
        batch=1,
        features=spec.features,
        shift=spec.shift,
        drift=spec.drift,
        offset=spec.offset,
        spread=spec.spread,
        seed=spec.seed,
    )


def compute(state: BoardState) -> NormResult:
    """Run the engine for ``state`` (eval: with running statistics from training)."""
    x = torch.from_numpy(board_input(state))  # B,F
    kwargs = {}
    if state.norm == "batch" and not state.training:
        rm, rv, nbt = running_statistics(_training_spec(state))
        kwargs = {"running_mean": rm, "running_var": rv, "num_batches_tracked": nbt}
    return normalize(
        x,
        state.norm,
        groups=state.groups,
        eps=state.eps,
        gamma=state.gamma,
        beta=0.0 if state.norm == "rms" else state.beta,
        training=state.training,
        **kwargs,
    )


@lru_cache(maxsize=256)
def build_board(state: BoardState) -> Board:
    """Everything the main page shows for ``state``."""
    state = clean(state)
    result = compute(state)
    x = result.x.numpy()
    y = result.output.numpy()
    r, c = state.focus
    mask = result.pooled_with((r, c)).numpy()  # B,F
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    outline = (int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1]))
    k = result.stat_index((r, c))
    ys = y[mask].astype(np.float64)
    row = y[r].astype(np.float64)
    readouts = Readouts(
        raw_std=float(x[mask].astype(np.float64).std()),
        out_mean=float(ys.mean()),
        out_std=float(ys.std()),
        row_mean=float(row.mean()),
        row_rms=float(np.sqrt(np.mean(row**2))),
        stat_mean=None if result.mean is None else float(result.mean[k]),
        stat_std=float(result.std[k]),
        coupled=state.norm == "batch" and state.training,
        num_stats=result.num_stats,
        pool_size=result.pool_size,
    )
    diagnosis = diagnose(state, result, readouts, mask)
    return Board(state, x, y, result, outline, readouts, diagnosis)


def fmt(v: float | None, small: bool = False) -> str:
    """A number as the lab prints it: 3 decimals (−0 shown as 0); scientific when
    huge, or when tiny and ``small`` asks for it (a variance below ε, say)."""
    if v is None:
        return "—"
    if not np.isfinite(v):
        return "NaN" if np.isnan(v) else ("∞" if v > 0 else "−∞")
    if abs(v) >= 1e4 or (small and 0 < abs(v) < 1e-3):
        s = f"{v:.3g}" if abs(v) < 1e4 else f"{v:.3e}"
    else:
        s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "0") else s.replace("-", "−")


def diagnose(
    state: BoardState, result: NormResult, ro: Readouts, mask: np.ndarray
) -> Diagnosis:
    """Say in words what the board shows, and what to try next.

    Rules run from the most to the least severe; the numbers come from the
    result, not from the settings, so the words match what is on screen.
    """
    x = result.x.numpy().astype(np.float64)
    fam = state.norm
    values = {
        "family": FAMILY_NAMES[fam],
        "set": SET_NAME[fam],
        "beta": fmt(0.0 if fam == "rms" else state.beta),
        "gamma_abs": fmt(abs(state.gamma)),
        "raw_std": fmt(ro.raw_std),
        "out_mean": fmt(ro.out_mean),
        "out_std": fmt(ro.out_std),
        "row": state.focus[0],
        "row_mean": fmt(ro.row_mean),
        "row_rms": fmt(ro.row_rms),
        "raw_rms": fmt(float(np.sqrt(np.mean(x[state.focus[0]] ** 2)))),
        "batch": state.batch,
        "groups": state.groups,
        "features": state.features,
        "eps": fmt(result.eps, small=True),
        "var": fmt(float(result.var[result.stat_index(state.focus)]), small=True),
        "next_ok": NEXT_OK[fam],
    }
    code = "ok"
    col = x[:, state.focus[1]]
    share = _largest_share(col)
    if result.has_note("nonfinite"):
        code = "nonfinite"
    elif fam == "batch" and state.training and state.batch == 1:
        code = "batch_of_one"
    elif fam in ("layer", "rms") and state.features == 1:
        code = "features_of_one"
    elif fam == "group" and state.features == state.groups:
        code = "group_of_one"
    elif result.from_running:
        code = "stale" if state.stale > 0 else "eval_ok"
        values["off"] = fmt(float(result.output.mean()) - state.beta)
    elif fam == "batch" and state.outlier > 1 and _is_outlier_dominated(col, share):
        code = "outlier"
        others = np.delete(result.output.numpy()[:, state.focus[1]], OUTLIER_ROW)
        values |= {
            "share": f"{share:.0%}",
            "outlier_row": OUTLIER_ROW,
            "others": state.batch - 1,
            "others_std": fmt(float(others.std())),
            "others_mean": fmt(float(others.mean())),
        }
    elif fam == "batch" and state.batch >= 8 and share > 0.5:
        code = "mixed_scale"
        values["share"] = f"{share:.0%}"
    elif fam == "batch" and state.training and state.batch <= 8:
        code = "tiny_batch"
        values["noise"] = fmt(1 / np.sqrt(state.batch))
    elif fam == "rms" and abs(ro.row_mean) > 0.4 * max(abs(state.gamma), 1e-6):
        code = "rms_mean"
    elif fam == "rms":
        code = "rms_ok"
    elif (
        fam != "rms" and float(result.var[result.stat_index(state.focus)]) < result.eps
    ):
        code = "eps_dominates"
    text = DIAGNOSES[code]
    return Diagnosis(
        code,
        text.level,
        text.title,
        text.body.format(**values),
        text.try_next.format(**values),
    )


def _largest_share(col: np.ndarray) -> float:
    """Fraction of a column's variance contributed by its single largest example."""
    dev = (col - col.mean()) ** 2
    total = dev.sum()
    return float(dev.max() / total) if total > 0 else 0.0


def _is_outlier_dominated(col: np.ndarray, share: float) -> bool:
    """Example 0 is the column's largest deviation and over half its variance."""
    dev = (col - col.mean()) ** 2
    return col.size >= 3 and share > 0.5 and int(np.argmax(dev)) == OUTLIER_ROW


def _ranges(board: Board) -> tuple[float, float]:
    """Colour half-widths: shared, so equal colours mean equal numbers in both
    heatmaps (independent ranges would hide the very change normalization makes),
    or each its own when the user asks."""
    if board.state.colors == "shared":
        z = symmetric_range(board.x, board.y)
        return z, z
    return symmetric_range(board.x), symmetric_range(board.y)


def _titles(s: BoardState) -> tuple[str, str]:
    return "Raw activations x", f"After {FAMILY_NAMES[s.norm]} ({s.mode})"


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
            f". Outlined: its {set_name} ({what}, {ro.pool_size} cells), every cell "
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
        else f"pooled over {ro.pool_size} cells"
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
