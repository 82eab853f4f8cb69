"""The "Why normalize" page's state, its URL round trip, and what the runs say.

The numerics live in `lab.why_models` (torch.nn networks, synthetic data) and
`lab.why_runs` (the training sweep and the measurements); the figures in
`lab.why_figures`. This module holds the page's settings (a frozen dataclass
that a link reproduces exactly) and turns finished runs into the sentences the
page shows. The sentences are computed from the runs, never written in advance:
when a norm does not win, the page says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from lab.params import Choice, Num, as_lists, fmt, read_params, summarize
from lab.params import write_params as _write
from lab.texts import why as T
from lab.why_models import INITS, VARIANT_NAMES
from lab.why_runs import (
    LR_GRID,
    PROBE_SIZES,
    XIONG_DEPTHS,
    Sweep,
    SweepConfig,
    XiongResult,
)

MAX_SEED = 2**31 - 1
WIDTHS: tuple[int, ...] = (32, 64, 128)
BATCHES: tuple[int, ...] = (8, 16, 32, 64, 128, 256)


def lr_label(lr: float) -> str:
    """A learning rate as the page writes it: two significant digits (0.32, 3.2)."""
    return f"{lr:.2g}"


@dataclass(frozen=True)
class OnGrid:
    """A number that must be one of ``options``; others snap to the nearest one
    (in log scale when ``log``). Values within ``tol`` (relative) of an option are
    read silently, so a link can say ``lr=0.32`` for 10^−½."""

    options: tuple[float, ...]
    log: bool = False
    tol: float = 1e-9
    integer: bool = False

    def parse(self, raw: str) -> tuple[Any, str | None]:
        try:
            v = float(raw)
        except ValueError:
            return None, "not a number"
        if not math.isfinite(v):
            return None, "not a finite number"
        if self.log and v <= 0:
            return None, "must be a positive number"

        def dist(o: float) -> float:
            return abs(math.log(o / v)) if self.log else abs(o - v)

        best = min(self.options, key=dist)
        best = int(best) if self.integer else best
        if not math.isclose(best, v, rel_tol=self.tol):
            return best, f"snapped to {self.format(best)}"
        return best, None

    def format(self, value: Any) -> str:
        if self.integer:
            return str(int(value))
        return lr_label(value) if self.log else fmt(value)


@dataclass(frozen=True)
class WhyState:
    """Every setting of the page; the URL holds exactly these."""

    scenario: str = "deep"
    depth: int = 10
    width: int = 64
    steps: int = 150
    batch: int = 64
    init: str = "he"
    noise: float = 1.0
    seed: int = 0
    lr: float = LR_GRID[3]  # 10^−½ ≈ 0.32
    blocks: int = 12

    @property
    def config(self) -> SweepConfig:
        """The arguments of the learning-rate sweep (``lr`` and ``blocks`` only
        choose what to look at; they do not change the runs)."""
        return SweepConfig(
            depth=self.depth,
            width=self.width,
            steps=self.steps,
            batch=self.batch,
            init=self.init,
            noise=self.noise,
            seed=self.seed,
        )


NUMERIC: Mapping[str, Num] = {
    "depth": Num(4, 20, 1, integer=True),
    "steps": Num(50, 400, 50, integer=True),
    "noise": Num(0.0, 3.0, 0.25),
    "seed": Num(0, MAX_SEED, 1, integer=True),
    "blocks": Num(min(XIONG_DEPTHS), max(XIONG_DEPTHS), 2, integer=True),
}
GRIDS: Mapping[str, OnGrid] = {
    "width": OnGrid(tuple(float(w) for w in WIDTHS), log=True, integer=True),
    "batch": OnGrid(tuple(float(b) for b in BATCHES), log=True, integer=True),
    "lr": OnGrid(LR_GRID, log=True, tol=0.02),
}
SPECS: Mapping[str, Any] = {
    **NUMERIC,
    **GRIDS,
    "init": Choice(INITS),
    "scenario": Choice(("custom", *T.SCENARIO_BY_KEY)),
}
NAMES: tuple[str, ...] = tuple(f.name for f in fields(WhyState))
FREE = frozenset({"scenario", "seed", "lr", "blocks"})
"""Settings a user may change without leaving the scenario: the seed re-runs
the same experiment; lr and blocks only choose what to look at."""


def scenario_base(key: str) -> WhyState:
    """The defaults with a scenario's settings applied (``custom``: the defaults)."""
    if key not in T.SCENARIO_BY_KEY:
        return WhyState(scenario="custom")
    return replace(WhyState(scenario=key), **T.SCENARIO_BY_KEY[key].params)


def matches_scenario(state: WhyState, key: str) -> bool:
    """True while every setting the scenario fixes still has the scenario's value."""
    if key not in T.SCENARIO_BY_KEY:
        return False
    base = scenario_base(key)
    return all(getattr(state, n) == getattr(base, n) for n in NAMES if n not in FREE)


def settle(state: WhyState) -> WhyState:
    """The scenario name follows the settings: custom once they leave it."""
    if state.scenario != "custom" and not matches_scenario(state, state.scenario):
        return replace(state, scenario="custom")
    return state


def parse(params: Mapping[str, str | Iterable[str]]) -> tuple[WhyState, str | None]:
    """Read a state from query parameters; never raises (see `lab.state.parse`)."""
    parsed, problems = read_params(as_lists(params), SPECS)
    scenario = parsed.pop("scenario", WhyState.scenario)
    state = replace(scenario_base(scenario), **parsed)
    return settle(state), summarize(problems)


def to_params(state: WhyState) -> dict[str, str]:
    """Query parameters for ``state``: the scenario plus what differs from it."""
    out = {} if state.scenario == WhyState.scenario else {"scenario": state.scenario}
    base = scenario_base(state.scenario)
    return out | _write(state, base, SPECS, skip={"scenario"})


# ---- how much work a sweep is ----

MAX_WORK = 4.0
"""The heaviest sweep the page trains, in multiples of the default's work: on
2 shared cores the default takes seconds, so this bounds a run to well under a
minute and keeps one visitor from holding the server's one training slot."""


def sweep_work(config: SweepConfig) -> float:
    """A sweep's cost relative to the default's, from a model fitted on this
    machine: per step and layer, a fixed ~2 ms of dispatch plus a part that
    grows with width × batch (4 ms at 64 × 64, 10 ms at 128 × 256)."""

    def units(c: SweepConfig) -> float:
        return c.steps * c.depth * (1 + c.width * c.batch / 8192)

    return units(config) / units(SweepConfig())


# ---- what the runs say ----


@dataclass(frozen=True)
class Row:
    """One line of the sweep's table."""

    variant: str
    name: str
    highest: str  # the highest learning rate that trained, or "none"
    best: str  # the best final loss and where
    diverged: str  # the lowest learning rate that diverged, or "none"


def summary_rows(sweep: Sweep) -> list[Row]:
    rows = []
    for v, run in sweep.runs.items():
        hi = sweep.highest_lr(v)
        best = sweep.best(v)
        div = [lr for lr, d in zip(sweep.lrs, run.diverged_at, strict=True) if d >= 0]
        rows.append(
            Row(
                variant=v,
                name=VARIANT_NAMES[v],
                highest=lr_label(hi) if hi is not None else T.NONE_TRAINED,
                best=(
                    f"{best[1]:.3f} at lr {lr_label(best[0])}"
                    if best is not None
                    else T.ALL_DIVERGED
                ),
                diverged=lr_label(min(div)) if div else "none",
            )
        )
    return rows


def lr_verdict(sweep: Sweep) -> tuple[str, str]:
    """(level, text): the sweep's result in words, norm by norm against no norm."""
    names = VARIANT_NAMES
    plain = sweep.highest_lr("none") if "none" in sweep.runs else None
    parts: list[str] = []
    wins = 0
    for v in ("batch", "layer", "rms"):
        if v not in sweep.runs:
            continue
        hi = sweep.highest_lr(v)
        if hi is None:
            parts.append(T.NORM_NEVER.format(name=names[v]))
        elif plain is None:
            wins += 1
            parts.append(T.NORM_ONLY.format(name=names[v], lr=lr_label(hi)))
        elif hi > plain * 1.01:
            wins += 1
            parts.append(
                T.NORM_HIGHER.format(
                    name=names[v],
                    lr=lr_label(hi),
                    ratio=f"{hi / plain:.2g}",
                    plain=lr_label(plain),
                )
            )
        elif hi < plain * 0.99:
            parts.append(
                T.NORM_LOWER.format(
                    name=names[v], lr=lr_label(hi), plain=lr_label(plain)
                )
            )
        else:
            parts.append(T.NORM_SAME.format(name=names[v], lr=lr_label(hi)))
    head = (
        T.PLAIN_NEVER.format(steps=sweep.config.steps)
        if plain is None
        else T.PLAIN_HIGHEST.format(lr=lr_label(plain))
    )
    level = "success" if wins else "warning"
    return level, " ".join([head, *parts])


def _median(a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else math.nan


@dataclass(frozen=True)
class Landscape:
    """Santurkar et al.'s three measurements of one run, as medians over the
    probed steps (NaN where the run had diverged before any probe)."""

    loss_range: float  # max_c L(w − c·lr·g) − min_c L(w − c·lr·g)
    grad_change: float  # max_c ‖∇L(w − c·lr·g) − ∇L(w)‖
    beta: float  # max_c ‖Δ∇L‖ / ‖Δw‖: the "effective β-smoothness"
    points: int  # how many probed steps the medians are over


def landscape_series(sweep: Sweep, variant: str, lr: float) -> dict[str, np.ndarray]:
    """Per probed step (P,): the range of the loss and of the gradient change
    along the gradient, and the effective β-smoothness, for one run."""
    run = sweep.runs[variant]
    i = sweep.lrs.index(lr)
    loss = run.probe_loss[:, i].astype(np.float64)  # P,C
    gdiff = run.probe_gdiff[:, i].astype(np.float64)  # P,C
    gnorm = run.grad_norm[:, i].astype(np.float64)  # P
    c = np.asarray(PROBE_SIZES)  # C
    with np.errstate(invalid="ignore", divide="ignore"):
        moved = c[None, :] * lr * gnorm[:, None]  # P,C  ‖Δw‖ = c·lr·‖g‖
        beta = np.max(gdiff / moved, axis=1)
        return {
            "steps": run.probe_steps,
            "loss_lo": np.min(loss, axis=1),
            "loss_hi": np.max(loss, axis=1),
            "grad_lo": np.min(gdiff, axis=1),
            "grad_hi": np.max(gdiff, axis=1),
            "beta": beta,
        }


def landscape(sweep: Sweep, variant: str, lr: float) -> Landscape:
    s = landscape_series(sweep, variant, lr)
    ok = np.isfinite(s["loss_hi"]) & np.isfinite(s["loss_lo"])
    return Landscape(
        loss_range=_median(s["loss_hi"][ok] - s["loss_lo"][ok]),
        grad_change=_median(s["grad_hi"][ok]),
        beta=_median(s["beta"][ok]),
        points=int(ok.sum()),
    )


def compare(with_norm: float, without: float) -> str:
    """How ``with_norm`` compares with ``without`` in words ("12× less")."""
    if not (math.isfinite(with_norm) and math.isfinite(without)):
        return "—"
    if with_norm <= 0 or without <= 0:
        return "—"
    r = with_norm / without
    if 0.8 <= r <= 1.25:
        return "about as much"
    return f"{fold(1 / r)} less" if r < 1 else f"{fold(r)} more"


def fold(r: float) -> str:
    """A factor as people write it: 1.8×, 12×, 504×, 1,250×."""
    return f"{r:.2g}×" if r < 100 else f"{r:,.0f}×"


def landscape_verdict(sweep: Sweep, lr: float) -> tuple[str, str]:
    """(level, text): at learning rate ``lr``, is BatchNorm's landscape smoother?"""
    plain, bn = landscape(sweep, "none", lr), landscape(sweep, "batch", lr)
    label = lr_label(lr)
    if plain.points == 0 or bn.points == 0:
        who = "no norm" if plain.points == 0 else "BatchNorm"
        return "info", T.LANDSCAPE_NO_DATA.format(who=who, lr=label)
    text = T.LANDSCAPE_NUMBERS.format(
        lr=label,
        plain_loss=f"{plain.loss_range:.3g}",
        bn_loss=f"{bn.loss_range:.3g}",
        plain_grad=f"{plain.grad_change:.3g}",
        bn_grad=f"{bn.grad_change:.3g}",
        plain_beta=f"{plain.beta:.3g}",
        bn_beta=f"{bn.beta:.3g}",
    )
    for v, ls in (("none", plain), ("batch", bn)):
        d = int(sweep.runs[v].diverged_at[sweep.lrs.index(lr)])
        if d >= 0:
            few = T.LANDSCAPE_ONE if ls.points == 1 else T.LANDSCAPE_FEW
            text += " " + few.format(name=VARIANT_NAMES[v], step=d, points=ls.points)
    smoother = bn.loss_range < plain.loss_range and bn.grad_change < plain.grad_change
    rougher = bn.loss_range > plain.loss_range and bn.grad_change > plain.grad_change
    if smoother:
        return "success", text + " " + T.LANDSCAPE_SMOOTHER.format(
            loss=compare(bn.loss_range, plain.loss_range),
            grad=compare(bn.grad_change, plain.grad_change),
        )
    if rougher:
        return "warning", text + " " + T.LANDSCAPE_ROUGHER
    return "info", text + " " + T.LANDSCAPE_MIXED


def noise_bounds(level: float) -> tuple[float, float, float]:
    """(shift bound, smallest scale, largest scale) of `draw_noise` at ``level``."""
    return level, math.exp(-level / 2), math.exp(level / 2)


def unit_wander(sweep: Sweep, variant: str, lr: float) -> float:
    """How far the probed unit's median moves during the run: the std over the
    probed steps of its batch median (NaN without data)."""
    i = sweep.lrs.index(lr)
    med = sweep.runs[variant].unit[:, i, 1]
    med = med[np.isfinite(med)]
    return float(np.std(med)) if med.size > 1 else math.nan


def noise_verdict(sweep: Sweep, lr: float) -> tuple[str, str]:
    """(level, text): does noisy BatchNorm still train, and how much did its
    layer inputs move compared with plain BatchNorm's?"""
    shift, lo, hi = noise_bounds(sweep.config.noise)
    noisy_hi = sweep.highest_lr("noisy")
    plain_hi = sweep.highest_lr("none")
    bn_hi = sweep.highest_lr("batch")
    moved = T.NOISE_MOVED.format(
        lr=lr_label(lr),
        noisy=f"{unit_wander(sweep, 'noisy', lr):.2g}",
        bn=f"{unit_wander(sweep, 'batch', lr):.2g}",
    )
    setup = T.NOISE_SETUP.format(shift=f"{shift:g}", lo=f"{lo:.2f}", hi=f"{hi:.2f}")
    if sweep.config.noise == 0:
        return "info", T.NOISE_OFF
    if noisy_hi is None:
        return "warning", f"{setup} {T.NOISE_FAILED} {moved}"

    def show(v: float | None) -> str:
        return lr_label(v) if v is not None else "no rate"

    text = T.NOISE_TRAINED.format(
        lr=lr_label(noisy_hi), bn=show(bn_hi), plain=show(plain_hi)
    )
    level = "success" if plain_hi is None or noisy_hi >= plain_hi else "info"
    return level, f"{setup} {text} {moved}"


def _trend(ratio: float) -> str:
    if ratio > 1.25:
        return "grows toward the output"
    if ratio < 0.8:
        return "shrinks toward the output"
    return "stays about even across layers"


def xiong_verdict(xiong: XiongResult, depth: int) -> str:
    """What the per-layer gradient norms show at ``depth``, and over depth."""
    post, pre = xiong.layers(depth, "post"), xiong.layers(depth, "pre")
    first, last = xiong.depths[0], xiong.depths[-1]
    lp, lq = xiong.last("post"), xiong.last("pre")
    post_ratio, pre_ratio = post[-1] / post[0], pre[-1] / pre[0]
    return T.XIONG_TEXT.format(
        depth=depth,
        post_trend=_trend(post_ratio),
        pre_trend=_trend(pre_ratio),
        post_ratio=f"{post_ratio:.2g}",
        pre_ratio=f"{pre_ratio:.2g}",
        vs_pre=f"{post[-1] / pre[-1]:.2g}",
        first=first,
        last=last,
        post_from=f"{lp[0]:.3g}",
        post_to=f"{lp[-1]:.3g}",
        pre_from=f"{lq[0]:.3g}",
        pre_to=f"{lq[-1]:.3g}",
        predicted=f"{math.sqrt(first / last):.2g}",
        measured=f"{lq[-1] / lq[0]:.2g}",
    )
