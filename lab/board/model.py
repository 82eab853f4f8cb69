"""The Lab page's numbers for one state: the input, the engine's result, the
readouts of the focused cell's set and the diagnosis (`lab.board.diagnosis`).

Everything here is pure and cached on plain values, so a notebook gets the very
numbers the page shows: ``build_board(BoardState(norm="layer"))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import torch

from lab.board import diagnosis
from lab.board.state import BoardState, clean
from lab.core.activations import (
    ActivationSpec,
    make_activations,
    serving_drift,
    training_batches,
)
from lab.core.norms import NormResult, normalize

if TYPE_CHECKING:
    from lab.board.diagnosis import Diagnosis

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
    words = diagnosis.diagnose(state, result, readouts, mask)
    return Board(state, x, y, result, outline, readouts, words)
