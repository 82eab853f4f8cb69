"""The Lab's diagnosis: what the board shows, in words, and what to try next.

The words are data (`lab.board.texts.DIAGNOSES`); which of them is shown, and
the numbers they print, come from the engine's result for the state. Each
diagnosis names the claims its words make (`lab.board.claims`) and the hints it
may offer (`lab.board.hints`), so tests can hold every sentence to its numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np

from lab.board import model
from lab.board.claims import TOL, beta_of
from lab.board.hints import HINT_RULES
from lab.board.state import EPS_CHOICES, BoardState
from lab.board.texts import DIAGNOSES, HINTS
from lab.core.activations import OUTLIER_ROW
from lab.core.families import SET_NAME
from lab.core.helpers import fmt
from lab.core.norms import FAMILY_NAMES, NormResult


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


def diagnose(
    state: BoardState, result: NormResult, ro: model.Readouts, mask: np.ndarray
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
    beta = beta_of(state)
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
            base = model.build_board(replace(state, stale=0.0))
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


def _largest_share(col: np.ndarray) -> float:
    """Fraction of a column's variance contributed by its single largest example."""
    dev = (col - col.mean()) ** 2
    total = dev.sum()
    return float(dev.max() / total) if total > 0 else 0.0


def _is_outlier_dominated(col: np.ndarray, share: float) -> bool:
    """Example 0 is the column's largest deviation and over half its variance."""
    dev = (col - col.mean()) ** 2
    return col.size >= 3 and share > 0.5 and int(np.argmax(dev)) == OUTLIER_ROW
