"""What the Lab's diagnoses claim, as predicates on the board they are shown for.

Each diagnosis's words name the claims they make
(`lab.board.texts.DiagnosisText.claims`); here each claim is recomputed from the
matrices and checked against the numbers the words print, so a test can hold
every sentence on screen to its own numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from lab.board import model
from lab.board.state import BoardState
from lab.core.activations import OUTLIER_ROW
from lab.core.helpers import fmt

if TYPE_CHECKING:
    from lab.board.model import Board

TOL = 1e-3
"""What three printed decimals can tell apart: words that say two numbers are
equal need them equal to this; words that say they differ need them further."""


def beta_of(state: BoardState) -> float:
    """The β the engine used (RMSNorm has none)."""
    return 0.0 if state.norm == "rms" else state.beta


def set_values(board: Board) -> tuple[np.ndarray, np.ndarray]:
    """Raw and output values of the focused cell's set, float64."""
    mask = board.result.pooled_with(board.state.focus).numpy()
    return board.x[mask].astype(np.float64), board.y[mask].astype(np.float64)


def _printed(board: Board, name: str, value: float) -> bool:
    """The number the words print is the board's own."""
    shown = board.diagnosis.numbers[name]
    return bool(np.isclose(shown, value, rtol=1e-6, atol=1e-9))


def _row(board: Board) -> tuple[np.ndarray, np.ndarray]:
    r = board.state.focus[0]
    return board.x[r].astype(np.float64), board.y[r].astype(np.float64)


def _rms(v: np.ndarray) -> float:
    return float(np.sqrt(np.mean(v**2)))


def out_scale(board: Board) -> float:
    _, ys = set_values(board)
    return _rms(_row(board)[1]) if board.state.norm == "rms" else float(ys.std())


def _claim_out_mean_is_beta(b: Board) -> bool:
    _, ys = set_values(b)
    return (
        _printed(b, "out_mean", ys.mean()) and abs(ys.mean() - beta_of(b.state)) <= TOL
    )


def _claim_out_std_is_gamma(b: Board) -> bool:
    _, ys = set_values(b)
    return (
        _printed(b, "out_std", ys.std()) and abs(ys.std() - abs(b.state.gamma)) <= TOL
    )


def _claim_row_rms_is_gamma(b: Board) -> bool:
    rms = _rms(_row(b)[1])
    return _printed(b, "row_rms", rms) and abs(rms - abs(b.state.gamma)) <= TOL


def _claim_row_mean_small(b: Board) -> bool:
    xr, _ = _row(b)
    return _printed(b, "raw_row_mean", xr.mean()) and abs(xr.mean()) <= 0.4 * _rms(xr)


def _claim_row_mean_rescaled(b: Board) -> bool:
    """RMSNorm's row mean is the raw one divided by the RMS, times γ: not removed."""
    xr, yr = _row(b)
    want = b.state.gamma * xr.mean() / np.sqrt(np.mean(xr**2) + b.result.eps)
    return bool(np.isclose(yr.mean(), want, rtol=1e-4, atol=1e-6))


def _claim_row_mean_nonzero(b: Board) -> bool:
    _, yr = _row(b)
    return _printed(b, "row_mean", yr.mean()) and fmt(yr.mean()) != "0"


def _claim_not_coupled(b: Board) -> bool:
    return not b.readouts.coupled and b.result.from_running


def _eval_gaps(b: Board) -> tuple[float, float]:
    _, ys = set_values(b)
    return abs(ys.mean() - beta_of(b.state)), abs(ys.std() - abs(b.state.gamma))


def _claim_eval_close(b: Board) -> bool:
    dm, ds = _eval_gaps(b)
    return max(dm, ds) <= 0.25 * abs(b.state.gamma)


def _claim_eval_not_exact(b: Board) -> bool:
    _, ys = set_values(b)
    s = b.state
    return fmt(ys.mean()) != fmt(beta_of(s)) or fmt(ys.std()) != fmt(abs(s.gamma))


def _claim_eval_far(b: Board) -> bool:
    return not _claim_eval_close(b)


def _claim_batch_is_one(b: Board) -> bool:
    return b.x.shape[0] == 1


def _claim_out_std_zero(b: Board) -> bool:
    _, ys = set_values(b)
    return ys.std() == 0 and _printed(b, "out_std", 0.0)


def _claim_focus_from_running(b: Board) -> bool:
    r, c = b.state.focus
    res = b.result
    mu, var = float(res.running_mean[c]), float(res.running_var[c])
    want = b.state.gamma * (float(b.x[r, c]) - mu) / np.sqrt(var + res.eps)
    want += b.state.beta
    return (
        _printed(b, "stat_mean", mu)
        and _printed(b, "y_focus", float(b.y[r, c]))
        and bool(np.isclose(b.y[r, c], want, rtol=1e-5, atol=1e-5))
    )


def _claim_all_beta(b: Board) -> bool:
    return bool(np.allclose(b.y, beta_of(b.state), rtol=0, atol=1e-6))


def _claim_rms_sign_only(b: Board) -> bool:
    g = b.state.gamma
    y, x = b.y.astype(np.float64), b.x.astype(np.float64)
    signs = np.sign(y) == np.sign(g * x)
    return bool((np.abs(y) <= abs(g) * (1 + 1e-6)).all() and signs.all())


def _claim_one_per_group(b: Board) -> bool:
    return b.result.pool_size == 1 and b.state.features == b.state.groups


def _claim_stale_moves_columns(b: Board) -> bool:
    """Every output in a column moved by one amount: the focused one's as printed."""
    base = model.build_board(replace(b.state, stale=0.0))
    d = b.y.astype(np.float64) - base.y.astype(np.float64)  # B,F
    r, c = b.state.focus
    same = np.allclose(d, d[:1], rtol=1e-4, atol=1e-4 * (1 + np.abs(b.y).max()))
    return same and _printed(b, "moved", d[r, c]) and abs(d[r, c]) > TOL


def _claim_outlier_share(b: Board) -> bool:
    col = b.x[:, b.state.focus[1]].astype(np.float64)
    dev = (col - col.mean()) ** 2
    share = dev[OUTLIER_ROW] / dev.sum()
    return _printed(b, "share", share) and share > 0.5 and np.argmax(dev) == 0


def _claim_others_squeezed(b: Board) -> bool:
    c = b.state.focus[1]
    col = b.y[:, c].astype(np.float64)
    others = np.delete(col, OUTLIER_ROW)
    return (
        _printed(b, "others_std", others.std())
        and _printed(b, "others_mean", others.mean())
        and others.std() < col.std() - TOL
    )


def _claim_largest_share(b: Board) -> bool:
    col = b.x[:, b.state.focus[1]].astype(np.float64)
    dev = (col - col.mean()) ** 2
    return _printed(b, "share", dev.max() / dev.sum()) and dev.max() > 0.5 * dev.sum()


def _claim_others_near_beta(b: Board) -> bool:
    c = b.state.focus[1]
    xcol = b.x[:, c].astype(np.float64)
    col = b.y[:, c].astype(np.float64)
    others = np.delete(col, np.argmax((xcol - xcol.mean()) ** 2))
    dist = float(np.sqrt(np.mean((others - beta_of(b.state)) ** 2)))
    return _printed(b, "others_rms", dist) and dist < col.std() - TOL


def _claim_coupled(b: Board) -> bool:
    return b.readouts.coupled and b.x.shape[0] >= 2


def _claim_noise_printed(b: Board) -> bool:
    return _printed(b, "noise", 1 / np.sqrt(b.x.shape[0]))


def _claim_var_below_eps(b: Board) -> bool:
    v = float(b.result.var[b.result.stat_index(b.state.focus)])
    return _printed(b, "var", v) and v < b.result.eps


def _claim_var_not_below_eps(b: Board) -> bool:
    v = float(b.result.var[b.result.stat_index(b.state.focus)])
    return _printed(b, "var", v) and v >= b.result.eps


def _claim_out_scale_short(b: Board) -> bool:
    scale = out_scale(b)
    return _printed(b, "out_scale", scale) and abs(b.state.gamma) - scale > TOL


def _claim_out_scale_formula(b: Board) -> bool:
    """The shortfall is ε's: |γ|·√(σ² / (σ² + ε)), exactly."""
    v = float(b.result.var[b.result.stat_index(b.state.focus)])
    want = abs(b.state.gamma) * np.sqrt(v / (v + b.result.eps))
    return bool(np.isclose(out_scale(b), want, rtol=1e-3, atol=1e-6))


CLAIMS: Mapping[str, Callable[[Board], bool]] = MappingProxyType(
    {
        name.removeprefix("_claim_"): fn
        for name, fn in dict(globals()).items()
        if name.startswith("_claim_")
    }
)
"""What each diagnosis's words claim (`lab.board.texts.DiagnosisText.claims`),
as predicates on the board they are shown for: recomputed from the matrices, and
checked against the numbers the words print."""
