"""The Lab's "try next" hints: when each can be followed, the move it asks
for, and what then holds (checked by tests on the boards before and after)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import torch

from lab.board import model
from lab.board.claims import CLAIMS, TOL, beta_of, out_scale, set_values
from lab.board.state import PAGE, BoardState, clean
from lab.core.helpers import MAX_SEED, divisors
from lab.core.norms import normalize

if TYPE_CHECKING:
    from lab.board.model import Board


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


def _all_beta_off(after: Board) -> bool:
    return not CLAIMS["all_beta"](after)


def _set_mean_is_beta(after: Board) -> bool:
    _, ys = set_values(after)
    return abs(ys.mean() - beta_of(after.state)) <= TOL


def _layer_rows_own_scale(after: Board) -> bool:
    """LayerNorm: each row's output std is |γ|·√(σ²/(σ² + ε)) of its own σ²."""
    v = after.result.var.double().numpy()  # B
    want = abs(after.state.gamma) * np.sqrt(v / (v + after.result.eps))
    return bool(np.allclose(after.y.astype(np.float64).std(axis=1), want, rtol=1e-3))


def _rest_of_batch_unmoved_by_outlier(after: Board) -> bool:
    plain = model.build_board(replace(after.state, outlier=1.0))
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
            lambda s: PAGE.pick(s, "tiny"),
            lambda b, a: a.result.pool_size == 4,
        ),
        "to_rms": HintRule(
            lambda s, n: s.norm == "layer",
            lambda s: replace(s, norm="rms"),
            lambda b, a: (
                a.outline == b.outline
                and abs(a.readouts.row_rms - abs(a.state.gamma)) <= TOL
                and CLAIMS["row_mean_rescaled"](a)
            ),
        ),
        "groups_to_one": HintRule(
            lambda s, n: s.norm == "group" and s.groups > 1,
            lambda s: replace(s, groups=1),
            lambda b, a: bool(
                np.allclose(
                    a.y, model.build_board(replace(a.state, norm="layer")).y, atol=1e-5
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
                CLAIMS["row_mean_rescaled"](a)
                and bool(
                    np.allclose(
                        model.build_board(replace(a.state, norm="layer")).y.mean(
                            axis=1
                        ),
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
            lambda b, a: CLAIMS["all_beta"](a),
        ),
        "to_eval_one_or_layer": HintRule(
            lambda s, n: s.training and s.features > 1,
            lambda s: replace(s, mode="eval"),
            lambda b, a: (
                _all_beta_off(a)
                and _all_beta_off(model.build_board(replace(b.state, norm="layer")))
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
            lambda b, a: abs(out_scale(a) - abs(a.state.gamma)) <= TOL,
        ),
        "other_set": HintRule(lambda s, n: n["num_stats"] > 1),
        "seed": HintRule(
            lambda s, n: True,
            lambda s: replace(s, seed=s.seed + 1 if s.seed < MAX_SEED else s.seed - 1),
        ),
        "fix_input": HintRule(lambda s, n: True),
    }
)
"""Every hint's rule, by its key in `lab.board.texts.HINTS`."""


def _suggested(state: BoardState) -> float:
    return model.build_board(state).diagnosis.numbers["eps_suggest"]
