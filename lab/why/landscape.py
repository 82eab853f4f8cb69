"""Santurkar et al. 2018's measures of the loss landscape along the gradient,
and the rule that compares two runs by them at matched training progress.

Numbers only: `lab.why.runs` records the probes, this module turns them into
the loss variation, the gradient change and the effective β-smoothness, and
says which of them is smaller with a norm than without; `lab.why.verdicts`
words the result. Apart from the words because the figures (`lab.why.figures`)
and the seed table draw on the same measures, and because the measures are
checked against closed forms (a quadratic) that no sentence enters into.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lab.why.runs import PROBE_SIZES, Sweep


def _median(a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else math.nan


def loss_variation(losses: np.ndarray) -> np.ndarray:
    """max − min over the step sizes (last axis) of L(w − η·∇L): how much the
    loss varies along the gradient, not its level (Santurkar et al.'s Fig. 4a)."""
    losses = np.asarray(losses, dtype=np.float64)
    return np.max(losses, axis=-1) - np.min(losses, axis=-1)


def gradient_change(changes: np.ndarray) -> np.ndarray:
    """The largest ℓ2 change of the gradient, ‖∇L(w) − ∇L(w − η·∇L)‖, over the
    step sizes (last axis): "gradient predictiveness", small when predictive."""
    return np.max(np.asarray(changes, dtype=np.float64), axis=-1)


def effective_beta(
    changes: np.ndarray, etas: np.ndarray, grad_norm: np.ndarray
) -> np.ndarray:
    """Effective β-smoothness: the largest gradient change per unit of distance
    moved, max over η of ‖Δ∇L‖ / ‖η·∇L‖ (for a quadratic ½wᵀAw it is at most
    A's largest eigenvalue). ``changes`` (…, C), ``etas`` (C,), ``grad_norm`` (…)."""
    changes = np.asarray(changes, dtype=np.float64)
    moved = np.asarray(etas, dtype=np.float64) * np.asarray(grad_norm)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.max(changes / moved, axis=-1)


SMOOTH = 5
"""Steps in the running mean of the training loss (the loss curves', and the
measure of training progress used to match two runs)."""


def running_mean(a: np.ndarray, k: int) -> np.ndarray:
    """Trailing mean over up to ``k`` steps (fewer at the start); NaN stays NaN."""
    a = np.asarray(a, dtype=np.float64)
    c = np.concatenate([[0.0], np.cumsum(np.where(np.isfinite(a), a, 0.0))])
    idx = np.arange(1, len(a) + 1)
    lo = np.maximum(idx - k, 0)
    out = (c[idx] - c[lo]) / (idx - lo)
    return np.where(np.isfinite(a), out, np.nan)


def landscape_series(sweep: Sweep, variant: str, lr: float) -> dict[str, np.ndarray]:
    """Per probed step (P,) of one run: its training loss then (mean of the last
    SMOOTH steps), the loss variation, the range of the gradient change, and the
    effective β-smoothness, over the steps η = c·lr for c in PROBE_SIZES."""
    run = sweep.runs[variant]
    i = sweep.lrs.index(lr)
    loss = run.probe_loss[:, i].astype(np.float64)  # P,C
    gdiff = run.probe_gdiff[:, i].astype(np.float64)  # P,C
    gnorm = run.grad_norm[:, i].astype(np.float64)  # P
    etas = np.asarray(PROBE_SIZES) * lr  # C
    return {
        "steps": run.probe_steps,
        "progress": running_mean(run.losses[:, i], SMOOTH)[run.probe_steps],
        "loss_var": loss_variation(loss),
        "grad_lo": np.min(gdiff, axis=1),
        "grad_hi": gradient_change(gdiff),
        "beta": effective_beta(gdiff, etas, gnorm),
    }


@dataclass(frozen=True)
class Landscape:
    """Santurkar et al.'s three measures of one run, as medians over the probed
    steps of a window (NaN where there are none)."""

    loss_var: float  # max_η L(w − η·g) − min_η L(w − η·g)
    grad_change: float  # max_η ‖∇L(w − η·g) − ∇L(w)‖
    beta: float  # max_η ‖Δ∇L‖ / ‖η·g‖: the "effective β-smoothness"
    points: int  # how many probed steps the medians are over

    def ratios(self, base: Landscape) -> tuple[float, float, float]:
        """Each measure divided by ``base``'s (NaN when undefined)."""

        def r(a: float, b: float) -> float:
            ok = math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0
            return a / b if ok else math.nan

        return (
            r(self.loss_var, base.loss_var),
            r(self.grad_change, base.grad_change),
            r(self.beta, base.beta),
        )


def _summarize(s: dict[str, np.ndarray], keep: np.ndarray) -> Landscape:
    ok = keep & np.isfinite(s["loss_var"]) & np.isfinite(s["beta"])
    return Landscape(
        loss_var=_median(s["loss_var"][ok]),
        grad_change=_median(s["grad_hi"][ok]),
        beta=_median(s["beta"][ok]),
        points=int(ok.sum()),
    )


def landscape(sweep: Sweep, variant: str, lr: float) -> Landscape:
    """The measures of one run over all its probed steps before any divergence."""
    s = landscape_series(sweep, variant, lr)
    return _summarize(s, np.isfinite(s["progress"]))


@dataclass(frozen=True)
class Comparison:
    """A normalized run against no norm at one learning rate, at matched training
    progress: only the probed steps where both training losses lay in the same
    range [lo, hi] count, so a run is not called smoother for having trained
    further (the loss and its gradient shrink as a network learns)."""

    variant: str
    lr: float
    status: str  # "ok", or why there is nothing to compare (see COMPARE_STATUS)
    lo: float = math.nan
    hi: float = math.nan
    plain: Landscape | None = None
    norm: Landscape | None = None

    @property
    def ratios(self) -> tuple[float, float, float]:
        if self.plain is None or self.norm is None:
            return (math.nan,) * 3
        return self.norm.ratios(self.plain)


COMPARE_STATUS = ("ok", "plain_fails", "norm_fails", "both_fail", "no_overlap")


def both_train(sweep: Sweep, variant: str = "batch") -> list[float]:
    """The learning rates at which both no norm and ``variant`` train."""
    ok = sweep.trains("none") & sweep.trains(variant)
    return [lr for lr, k in zip(sweep.lrs, ok, strict=True) if k]


def compare_at(sweep: Sweep, lr: float, variant: str = "batch") -> Comparison:
    """`Comparison` of ``variant`` with no norm at ``lr``: measured only where
    both networks train at that rate, over their common range of training loss."""
    i = sweep.lrs.index(lr)
    plain_ok, norm_ok = bool(sweep.trains("none")[i]), bool(sweep.trains(variant)[i])
    if not (plain_ok and norm_ok):
        status = (
            "both_fail"
            if not (plain_ok or norm_ok)
            else ("plain_fails" if not plain_ok else "norm_fails")
        )
        return Comparison(variant, lr, status)
    a, b = landscape_series(sweep, "none", lr), landscape_series(sweep, variant, lr)
    pa, pb = a["progress"], b["progress"]
    if not (np.isfinite(pa).any() and np.isfinite(pb).any()):
        return Comparison(variant, lr, "no_overlap")
    lo = max(np.nanmin(pa), np.nanmin(pb))
    hi = min(np.nanmax(pa), np.nanmax(pb))
    plain = _summarize(a, (pa >= lo) & (pa <= hi))
    norm = _summarize(b, (pb >= lo) & (pb <= hi))
    if lo > hi or plain.points < 2 or norm.points < 2:
        return Comparison(variant, lr, "no_overlap", lo, hi)
    return Comparison(variant, lr, "ok", float(lo), float(hi), plain, norm)


SMALLER, LARGER = 0.8, 1.25
"""A measure counts as smaller (larger) with the norm below 0.8× (above 1.25×)
no norm's; in between the runs are "about the same" (one seed's noise is that
large: see the seed spread the page shows)."""

MEASURES = ("loss variation", "gradient change", "β-smoothness")


def classify(ratio: float) -> str:
    """ "smaller", "larger", "same" (within 0.8–1.25×) or "unknown" (NaN)."""
    if not math.isfinite(ratio):
        return "unknown"
    if ratio < SMALLER:
        return "smaller"
    if ratio > LARGER:
        return "larger"
    return "same"
