"""The main page's model: data, normalization, readouts and diagnosis for one state.

Everything here is pure and cached on plain values, so a notebook gets the very
numbers the page shows: ``build_board(BoardState(norm="layer"))``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType

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
from lab.state import EPS_CHOICES, MAX_SEED, BoardState, clean, divisors, scenario_base
from lab.texts.board import DIAGNOSES, HINTS, SKIP_LINK
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
    """What the board shows, in words, with the numbers the words print.

    ``claims`` name predicates in `CLAIMS` that hold on this board; ``hint``
    names the rule in `HINT_RULES` behind ``try_next``; ``numbers`` are the
    values the words print, unrounded, so a test can check the words against
    the board.
    """

    code: str
    level: str
    title: str
    body: str
    try_next: str
    hint: str = ""
    claims: tuple[str, ...] = ()
    numbers: Mapping[str, float] = field(default_factory=dict)


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


TOL = 1e-3
"""What three printed decimals can tell apart: words that say two numbers are
equal need them equal to this; words that say they differ need them further."""


def _beta(state: BoardState) -> float:
    """The β the engine used (RMSNorm has none)."""
    return 0.0 if state.norm == "rms" else state.beta


def diagnose(
    state: BoardState, result: NormResult, ro: Readouts, mask: np.ndarray
) -> Diagnosis:
    """Say in words what the board shows, and what to try next.

    Rules run from the most to the least severe; the numbers come from the
    result, not from the settings, so the words match what is on screen. Each
    diagnosis names the claims its words make (`CLAIMS`), and the first hint of
    its list that is possible in this state is shown (`HINT_RULES`).
    """
    x = result.x.numpy().astype(np.float64)  # B,F
    y = result.output.numpy().astype(np.float64)  # B,F
    fam = state.norm
    r, c = state.focus
    k = result.stat_index(state.focus)
    var = float(result.var[k])
    gamma = abs(state.gamma)
    beta = _beta(state)
    out_scale = ro.row_rms if fam == "rms" else ro.out_std
    raw_row = x[r]
    nums: dict[str, float] = {
        "beta": beta,
        "gamma_abs": gamma,
        "raw_std": ro.raw_std,
        "out_mean": ro.out_mean,
        "out_std": ro.out_std,
        "row_mean": ro.row_mean,
        "row_rms": ro.row_rms,
        "raw_rms": float(np.sqrt(np.mean(raw_row**2))),
        "raw_row_mean": float(raw_row.mean()),
        "eps": result.eps,
        "var": var,
        "out_scale": out_scale,
        "x_focus": float(x[r, c]),
        "y_focus": float(y[r, c]),
        "stat_mean": ro.stat_mean if ro.stat_mean is not None else float("nan"),
        "stat_std": ro.stat_std,
        "num_stats": result.num_stats,
    }
    words = {
        "family": FAMILY_NAMES[fam],
        "set": SET_NAME[fam],
        "row": r,
        "batch": state.batch,
        "groups": state.groups,
        "features": state.features,
        "stale": fmt(state.stale),
        "stat_word": "mean square" if fam == "rms" else "variance",
        "out_word": "RMS" if fam == "rms" else "std",
        "outlier_clause": "",
    }
    col = x[:, c]
    share = _largest_share(col)
    eps_suggest = _smaller_eps(var, result.eps, gamma)
    if eps_suggest is not None:
        nums["eps_suggest"] = eps_suggest
    code = "ok"
    if result.has_note("nonfinite"):
        code = "nonfinite"
    elif state.gamma == 0:
        code = "gamma_zero"
    elif fam == "batch" and state.training and state.batch == 1:
        code = "batch_of_one"
    elif fam in ("layer", "rms") and state.features == 1:
        code = "features_of_one" if fam == "layer" else "features_of_one_rms"
    elif fam == "group" and state.features == state.groups:
        code = "group_of_one"
    elif result.from_running:
        moved = 0.0
        if state.stale > 0:
            base = build_board(replace(state, stale=0.0))
            moved = float(y[r, c]) - float(base.y[r, c])
        if abs(moved) > TOL:
            code = "stale"
            nums["moved"] = moved
        elif state.batch == 1:
            code = "eval_one"
        else:
            dm, ds = abs(ro.out_mean - beta), abs(ro.out_std - gamma)
            if dm > 0.25 * gamma or ds > 0.25 * gamma:
                code = "eval_off"
                if state.outlier > 1:
                    words["outlier_clause"] = (
                        f", whose example {OUTLIER_ROW} is scaled "
                        f"×{fmt(state.outlier)} (training never saw the outlier)"
                    )
            elif dm <= TOL and ds <= TOL:
                code = "eval_exact"
            else:
                code = "eval_ok"
    elif var < result.eps:
        code = "eps_dominates"
    elif gamma - out_scale > TOL:
        code = "eps_shrinks"
    elif fam == "batch" and state.outlier > 1 and _is_outlier_dominated(col, share):
        code = "outlier"
        others = np.delete(y[:, c], OUTLIER_ROW)
        nums |= {
            "share": share,
            "others_std": float(others.std()),
            "others_mean": float(others.mean()),
        }
        words |= {"outlier_row": OUTLIER_ROW, "others": state.batch - 1}
    elif fam == "batch" and state.batch >= 8 and share > 0.5:
        code = "mixed_scale"
        big = int(np.argmax((col - col.mean()) ** 2))
        others = np.delete(y[:, c], big)
        nums |= {
            "share": share,
            "others_rms": float(np.sqrt(np.mean((others - beta) ** 2))),
        }
        words |= {"big": big, "others": state.batch - 1}
    elif fam == "batch" and state.training and state.batch <= 8:
        code = "tiny_batch"
        nums["noise"] = 1 / np.sqrt(state.batch)
    elif fam == "rms" and abs(nums["raw_row_mean"]) > 0.4 * nums["raw_rms"]:
        code = "rms_mean"
    elif fam == "rms":
        code = "rms_ok"
    text = DIAGNOSES[code]
    values = {
        **words,
        **{
            name: fmt(v, small=name in ("eps", "var", "eps_suggest"))
            for name, v in nums.items()
        },
    }
    if "share" in nums:
        values["share"] = f"{nums['share']:.0%}"
    if "noise" in nums:
        values["noise"] = fmt(nums["noise"])
    # Every list ends in a hint that is always possible where its diagnosis is
    # shown (tests/unit/test_board.py); the last one stands in, never raising.
    possible = [h for h in text.try_next if HINT_RULES[h].possible(state, nums)]
    hint = possible[0] if possible else text.try_next[-1]
    return Diagnosis(
        code,
        text.level,
        text.title,
        text.body.format(**values),
        HINTS[hint].format(**values),
        hint,
        text.claims,
        MappingProxyType(nums),
    )


def _smaller_eps(var: float, eps: float, gamma: float) -> float | None:
    """The largest ε on the slider, below the current one, small enough beside
    ``var`` that the output scale is |γ| to the printed digits (None: none is)."""
    ok = [
        e
        for e in EPS_CHOICES
        if e is not None
        and e < eps
        and gamma * (1 - np.sqrt(var / (var + e))) <= TOL / 4
    ]
    return max(ok) if ok else None


# ---- what the words claim, checkable on the board they are shown for ----


def _set_values(board: Board) -> tuple[np.ndarray, np.ndarray]:
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


def _out_scale(board: Board) -> float:
    _, ys = _set_values(board)
    return _rms(_row(board)[1]) if board.state.norm == "rms" else float(ys.std())


def _claim_out_mean_is_beta(b: Board) -> bool:
    _, ys = _set_values(b)
    return _printed(b, "out_mean", ys.mean()) and abs(ys.mean() - _beta(b.state)) <= TOL


def _claim_out_std_is_gamma(b: Board) -> bool:
    _, ys = _set_values(b)
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
    _, ys = _set_values(b)
    return abs(ys.mean() - _beta(b.state)), abs(ys.std() - abs(b.state.gamma))


def _claim_eval_close(b: Board) -> bool:
    dm, ds = _eval_gaps(b)
    return max(dm, ds) <= 0.25 * abs(b.state.gamma)


def _claim_eval_not_exact(b: Board) -> bool:
    _, ys = _set_values(b)
    s = b.state
    return fmt(ys.mean()) != fmt(_beta(s)) or fmt(ys.std()) != fmt(abs(s.gamma))


def _claim_eval_far(b: Board) -> bool:
    return not _claim_eval_close(b)


def _claim_batch_is_one(b: Board) -> bool:
    return b.x.shape[0] == 1


def _claim_out_std_zero(b: Board) -> bool:
    _, ys = _set_values(b)
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
    return bool(np.allclose(b.y, _beta(b.state), rtol=0, atol=1e-6))


def _claim_rms_sign_only(b: Board) -> bool:
    g = b.state.gamma
    y, x = b.y.astype(np.float64), b.x.astype(np.float64)
    signs = np.sign(y) == np.sign(g * x)
    return bool((np.abs(y) <= abs(g) * (1 + 1e-6)).all() and signs.all())


def _claim_one_per_group(b: Board) -> bool:
    return b.result.pool_size == 1 and b.state.features == b.state.groups


def _claim_stale_moves_columns(b: Board) -> bool:
    """Every output in a column moved by one amount: the focused one's as printed."""
    base = build_board(replace(b.state, stale=0.0))
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
    dist = float(np.sqrt(np.mean((others - _beta(b.state)) ** 2)))
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
    scale = _out_scale(b)
    return _printed(b, "out_scale", scale) and abs(b.state.gamma) - scale > TOL


def _claim_out_scale_formula(b: Board) -> bool:
    """The shortfall is ε's: |γ|·√(σ² / (σ² + ε)), exactly."""
    v = float(b.result.var[b.result.stat_index(b.state.focus)])
    want = abs(b.state.gamma) * np.sqrt(v / (v + b.result.eps))
    return bool(np.isclose(_out_scale(b), want, rtol=1e-3, atol=1e-6))


CLAIMS: Mapping[str, Callable[[Board], bool]] = MappingProxyType(
    {
        name.removeprefix("_claim_"): fn
        for name, fn in dict(globals()).items()
        if name.startswith("_claim_")
    }
)
"""What each diagnosis's words claim (`lab.texts.board.DiagnosisText.claims`),
as predicates on the board they are shown for: recomputed from the matrices, and
checked against the numbers the words print."""


# ---- the hints: possible in the state, and true once followed ----


@dataclass(frozen=True)
class HintRule:
    """When a hint can be followed, the move it asks for, and what then holds.

    ``possible`` sees the state and the diagnosis's numbers; ``move`` is the
    state after following the hint (None: not a move on the board); ``expect``
    checks the promise on the boards before and after.
    """

    possible: Callable[[BoardState, Mapping[str, float]], bool]
    move: Callable[[BoardState], BoardState] | None = None
    expect: Callable[[Board, Board], bool] | None = None


def _pick(state: BoardState, key: str) -> BoardState:
    keep = {"seed": state.seed, "focus": state.focus, "colors": state.colors}
    return clean(replace(scenario_base(key), **keep))


def _all_beta_off(after: Board) -> bool:
    return not _claim_all_beta(after)


def _set_mean_is_beta(after: Board) -> bool:
    _, ys = _set_values(after)
    return abs(ys.mean() - _beta(after.state)) <= TOL


def _layer_rows_own_scale(after: Board) -> bool:
    """LayerNorm: each row's output std is |γ|·√(σ²/(σ² + ε)) of its own σ²."""
    v = after.result.var.double().numpy()  # B
    want = abs(after.state.gamma) * np.sqrt(v / (v + after.result.eps))
    return bool(np.allclose(after.y.astype(np.float64).std(axis=1), want, rtol=1e-3))


def _rest_of_batch_unmoved_by_outlier(after: Board) -> bool:
    plain = build_board(replace(after.state, outlier=1.0))
    return bool(np.array_equal(np.delete(after.y, 0, 0), np.delete(plain.y, 0, 0)))


def _train_absorbs_shift(before: Board, after: Board) -> bool:
    """Batch statistics on the shifted input give the unshifted output."""
    s = after.state
    shifted = normalize(
        torch.from_numpy(before.x),
        "batch",
        eps=s.eps,
        gamma=s.gamma,
        beta=s.beta,
        training=True,
    ).output.numpy()
    scale = 1 + np.abs(after.y).max()
    return bool(np.allclose(shifted, after.y, rtol=1e-3, atol=1e-3 * scale))


def _focus_row_moves(before: Board, after: Board) -> bool:
    r = before.state.focus[0]
    same_input = np.array_equal(before.x[r], after.x[r])
    return same_input and float(np.abs(before.y[r] - after.y[r]).max()) > 1e-4


def _next_divisor(state: BoardState) -> int:
    return divisors(state.features)[1]


def _lower_divisor(state: BoardState) -> int:
    return max(d for d in divisors(state.features) if d < state.groups)


HINT_RULES: Mapping[str, HintRule] = MappingProxyType(
    {
        "tiny_scenario": HintRule(
            lambda s, n: s.norm == "batch",
            lambda s: _pick(s, "tiny"),
            lambda b, a: a.result.pool_size == 4,
        ),
        "to_rms": HintRule(
            lambda s, n: s.norm == "layer",
            lambda s: replace(s, norm="rms"),
            lambda b, a: (
                a.outline == b.outline
                and abs(a.readouts.row_rms - abs(a.state.gamma)) <= TOL
                and _claim_row_mean_rescaled(a)
            ),
        ),
        "groups_to_one": HintRule(
            lambda s, n: s.norm == "group" and s.groups > 1,
            lambda s: replace(s, groups=1),
            lambda b, a: bool(
                np.allclose(
                    a.y, build_board(replace(a.state, norm="layer")).y, atol=1e-5
                )
            ),
        ),
        "groups_up": HintRule(
            lambda s, n: s.norm == "group" and s.groups == 1 and s.features > 1,
            lambda s: replace(s, groups=_next_divisor(s)),
            lambda b, a: a.readouts.num_stats == a.state.batch * a.state.groups > 1,
        ),
        "more_offset": HintRule(
            lambda s, n: s.norm == "rms" and s.offset < 5.0,
            lambda s: replace(s, offset=min(5.0, round(s.offset + 2.0, 1))),
            lambda b, a: (
                _claim_row_mean_rescaled(a)
                and bool(
                    np.allclose(
                        build_board(replace(a.state, norm="layer")).y.mean(axis=1),
                        a.state.beta,
                        atol=TOL,
                    )
                )
            ),
        ),
        "to_layer_mean": HintRule(
            lambda s, n: s.norm == "rms" and s.features > 1,
            lambda s: replace(s, norm="layer"),
            lambda b, a: abs(a.readouts.row_mean - a.state.beta) <= TOL,
        ),
        "to_layer_speed": HintRule(
            lambda s, n: s.norm == "rms" and s.features > 1,
            lambda s: replace(s, norm="layer"),
            lambda b, a: abs(a.readouts.row_mean - a.state.beta) <= TOL,
        ),
        "drag_stale": HintRule(
            lambda s, n: s.norm == "batch" and not s.training and s.stale < 5.0,
            lambda s: replace(s, stale=min(5.0, round(s.stale + 2.0, 1))),
            lambda b, a: float(np.abs(a.y - b.y).max()) > TOL,
        ),
        "to_train_batch": HintRule(
            lambda s, n: not s.training and s.batch > 1,
            lambda s: replace(s, mode="train"),
            lambda b, a: not a.result.from_running and _set_mean_is_beta(a),
        ),
        "to_train_one": HintRule(
            lambda s, n: not s.training and s.batch == 1,
            lambda s: replace(s, mode="train"),
            lambda b, a: _claim_all_beta(a),
        ),
        "to_eval_one_or_layer": HintRule(
            lambda s, n: s.training and s.features > 1,
            lambda s: replace(s, mode="eval"),
            lambda b, a: (
                _all_beta_off(a)
                and _all_beta_off(build_board(replace(b.state, norm="layer")))
            ),
        ),
        "to_eval_one": HintRule(
            lambda s, n: s.training,
            lambda s: replace(s, mode="eval"),
            lambda b, a: _all_beta_off(a),
        ),
        "features_up": HintRule(
            lambda s, n: s.features < 64,
            lambda s: clean(replace(s, features=s.features + 1)),
            lambda b, a: not a.diagnosis.code.startswith("features_of_one"),
        ),
        "groups_down": HintRule(
            lambda s, n: s.groups > 1,
            lambda s: replace(s, groups=_lower_divisor(s)),
            lambda b, a: a.result.pool_size >= 2,
        ),
        "features_up_group": HintRule(
            lambda s, n: s.features < 64,
            lambda s: clean(replace(s, features=min(64, 2 * s.features))),
            lambda b, a: a.result.pool_size >= 2,
        ),
        "gamma_one": HintRule(
            lambda s, n: s.gamma == 0,
            lambda s: replace(s, gamma=1.0),
            lambda b, a: a.diagnosis.code != "gamma_zero",
        ),
        "to_train_stale": HintRule(
            lambda s, n: not s.training and s.batch > 1,
            lambda s: replace(s, mode="train"),
            _train_absorbs_shift,
        ),
        "stale_to_zero": HintRule(
            lambda s, n: s.stale > 0,
            lambda s: replace(s, stale=0.0),
            lambda b, a: a.diagnosis.code != "stale",
        ),
        "to_layer_outlier": HintRule(
            lambda s, n: s.features > 1,
            lambda s: replace(s, norm="layer"),
            lambda b, a: _rest_of_batch_unmoved_by_outlier(a),
        ),
        "outlier_down": HintRule(
            lambda s, n: s.outlier > 1,
            lambda s: replace(s, outlier=1.0),
            lambda b, a: a.diagnosis.code != "outlier",
        ),
        "to_layer_mixed": HintRule(
            lambda s, n: s.features > 1,
            lambda s: replace(s, norm="layer"),
            lambda b, a: _layer_rows_own_scale(a),
        ),
        "spread_down": HintRule(
            lambda s, n: s.spread > 0, lambda s: replace(s, spread=0.0)
        ),
        "batch_up": HintRule(
            lambda s, n: s.batch < 64, lambda s: replace(s, batch=min(64, 2 * s.batch))
        ),
        "batch_up_one": HintRule(
            lambda s, n: s.batch < 64,
            lambda s: replace(s, batch=s.batch + 1),
            _focus_row_moves,
        ),
        "eps_smaller": HintRule(
            lambda s, n: "eps_suggest" in n,
            lambda s: replace(s, eps=_suggested(s)),
            lambda b, a: abs(_out_scale(a) - abs(a.state.gamma)) <= TOL,
        ),
        "other_set": HintRule(lambda s, n: n["num_stats"] > 1),
        "seed": HintRule(
            lambda s, n: True,
            lambda s: replace(s, seed=s.seed + 1 if s.seed < MAX_SEED else s.seed - 1),
        ),
        "fix_input": HintRule(lambda s, n: True),
    }
)
"""Every hint's rule, by its key in `lab.texts.board.HINTS`."""


def _suggested(state: BoardState) -> float:
    return build_board(state).diagnosis.numbers["eps_suggest"]


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
