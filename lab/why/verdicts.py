"""What the Why normalize page's runs say, in words.

The numerics live in `lab.why.models` (torch.nn networks, synthetic data),
`lab.why.runs` (the training sweep), `lab.why.xiong` (the transformer stacks)
and `lab.why.landscape` (Santurkar et al.'s measures and the comparison rule);
the figures in `lab.why.figures`; the settings in `lab.why.state`. This module
turns finished runs into the sentences the page shows. The sentences are
computed from the runs, never written in advance: when a norm does not win,
the page says so. The measures themselves are `lab.why.landscape`'s: a
sentence changes with the page's copy, a measure with the paper's definition.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lab.why import texts as T
from lab.why.landscape import (
    LARGER,
    MEASURES,
    SMALLER,
    both_train,
    classify,
    compare_at,
)
from lab.why.models import VARIANT_NAMES
from lab.why.runs import Sweep, SweepConfig
from lab.why.state import PAGE, WhyState, lr_label
from lab.why.xiong import XiongResult

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


def compare(with_norm: float, without: float) -> str:
    """How ``with_norm`` compares with ``without`` in words ("12× less")."""
    if not (math.isfinite(with_norm) and math.isfinite(without)):
        return "—"
    if with_norm <= 0 or without <= 0:
        return "—"
    r = with_norm / without
    if SMALLER <= r <= LARGER:
        return "about as much"
    return f"{fold(1 / r)} less" if r < 1 else f"{fold(r)} more"


def fold(r: float) -> str:
    """A factor as people write it: 1.8×, 12×, 504×, 1,250×."""
    return f"{r:.2g}×" if r < 100 else f"{r:,.0f}×"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _failure(sweep: Sweep, variant: str, lr: float) -> str:
    """Why ``variant`` does not train at ``lr``, in words."""
    i = sweep.lrs.index(lr)
    name = VARIANT_NAMES[variant]
    d = int(sweep.runs[variant].diverged_at[i])
    if d >= 0:
        return T.FAIL_DIVERGED.format(name=name, step=d)
    return T.FAIL_STUCK.format(
        name=name,
        loss=f"{float(sweep.final_loss(variant)[i]):.3f}",
        threshold=f"{sweep.threshold:.3f}",
    )


def rates_hint(sweep: Sweep, lr: float, variant: str = "batch") -> str:
    """A "try next" that is possible here: the other rates where both train, or
    that none does (and then no hint to try a rate)."""
    both = both_train(sweep, variant)
    others = [x for x in both if x != lr]
    name = VARIANT_NAMES[variant]
    if not both:
        plain_any = sweep.highest_lr("none") is not None
        norm_any = sweep.highest_lr(variant) is not None
        if not plain_any and not norm_any:
            return T.HINT_NOTHING_TRAINS.format(name=name, steps=sweep.config.steps)
        if not plain_any:
            return T.HINT_PLAIN_NEVER.format(steps=sweep.config.steps)
        if not norm_any:
            return T.HINT_NORM_NEVER.format(name=name)
        return T.HINT_NO_COMMON.format(name=name)
    if not others:
        return ""
    return T.HINT_OTHER_RATES.format(
        name=name, rates=_join([lr_label(x) for x in others])
    )


def landscape_verdict(
    sweep: Sweep, lr: float, seeds: Mapping | None = None
) -> tuple[str, str]:
    """(level, text): at ``lr`` and matched progress, is BatchNorm's landscape
    smoother than no norm's, measure by measure? Every word follows the numbers
    it prints; ``seeds`` (the scenario's row of the seed table) adds the spread."""
    label = lr_label(lr)
    c = compare_at(sweep, lr, "batch")
    hint = rates_hint(sweep, lr, "batch")
    spread = seed_sentence(seeds, lr) if seeds else ""
    if c.status != "ok":
        if c.status == "no_overlap":
            head = T.LANDSCAPE_NO_OVERLAP.format(lr=label)
        else:
            who = [
                v for v in ("none", "batch") if not sweep.trains(v)[sweep.lrs.index(lr)]
            ]
            head = T.LANDSCAPE_NEEDS_BOTH.format(
                lr=label, why=" ".join(_failure(sweep, v, lr) for v in who)
            )
        return "info", " ".join(x for x in (head, hint, spread) if x)
    p, n = c.plain, c.norm
    text = T.LANDSCAPE_NUMBERS.format(
        lr=label,
        lo=f"{c.lo:.2f}",
        hi=f"{c.hi:.2f}",
        n_plain=p.points,
        n_bn=n.points,
        plain_loss=f"{p.loss_var:.3g}",
        bn_loss=f"{n.loss_var:.3g}",
        plain_grad=f"{p.grad_change:.3g}",
        bn_grad=f"{n.grad_change:.3g}",
        plain_beta=f"{p.beta:.3g}",
        bn_beta=f"{n.beta:.3g}",
    )
    kinds = [classify(r) for r in c.ratios]
    smaller = [m for m, k in zip(MEASURES, kinds, strict=True) if k == "smaller"]
    larger = [m for m, k in zip(MEASURES, kinds, strict=True) if k == "larger"]
    same = [m for m, k in zip(MEASURES, kinds, strict=True) if k == "same"]
    if len(smaller) == 3:
        level, words = "success", T.LANDSCAPE_SMOOTHER
    elif smaller and not larger:
        level, words = (
            "info",
            T.LANDSCAPE_PARTLY.format(smaller=_join(smaller), same=_join(same)),
        )
    elif smaller and larger:
        level, words = (
            "info",
            T.LANDSCAPE_MIXED.format(smaller=_join(smaller), larger=_join(larger)),
        )
    elif larger:
        level, words = "warning", T.LANDSCAPE_ROUGHER.format(larger=_join(larger))
    else:
        level, words = "info", T.LANDSCAPE_SAME
    others = _others_sentence(sweep, lr)
    return level, " ".join(x for x in (text, words, others, hint, spread) if x)


def _others_sentence(sweep: Sweep, lr: float) -> str:
    """LayerNorm's and RMSNorm's ratios at matched progress, where they train."""
    parts = []
    for v in ("layer", "rms"):
        if v not in sweep.runs:
            continue
        c = compare_at(sweep, lr, v)
        if c.status != "ok":
            continue
        rl, rg, rb = c.ratios
        parts.append(
            T.OTHER_RATIOS.format(
                name=VARIANT_NAMES[v],
                loss=f"{rl:.2g}",
                grad=f"{rg:.2g}",
                beta=f"{rb:.2g}",
            )
        )
    return (T.OTHERS_HEAD + " " + "; ".join(parts) + ".") if parts else ""


# ---- the spread over seeds (computed by bench/why_sweep.py, shipped) ----

SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)
"""The seeds bench/why_sweep.py trains each scenario with for the seed table."""


def seed_row(sweep: Sweep) -> dict[str, Any]:
    """What one seed's sweep contributes to the seed table (plain JSON): every
    variant's highest rate, and at every rate BatchNorm's, LayerNorm's and
    RMSNorm's three ratios to no norm at matched progress (None: no comparison)."""
    row: dict[str, Any] = {
        "highest": {v: sweep.highest_lr(v) for v in ("none", "batch", "layer", "rms")},
        "ratios": {},
    }
    for lr in sweep.lrs:
        row["ratios"][lr_label(lr)] = {
            v: (
                [round(r, 4) for r in c.ratios]
                if (c := compare_at(sweep, lr, v)).status == "ok"
                else None
            )
            for v in ("batch", "layer", "rms")
            if v in sweep.runs
        }
    return row


def seed_sentence(table: Mapping, lr: float, variant: str = "batch") -> str:
    """The spread of the three ratios over the table's seeds at ``lr``."""
    rows = table["rows"]
    seeds = table["seeds"]
    got = [r["ratios"].get(lr_label(lr), {}).get(variant) for r in rows]
    ok = [g for g in got if g is not None]
    head = T.SEEDS_HEAD.format(
        first=seeds[0], last=seeds[-1], lr=lr_label(lr), name=VARIANT_NAMES[variant]
    )
    if not ok:
        return head + " " + T.SEEDS_NONE.format(n=len(rows))
    parts = []
    robust, not_robust = [], []
    for k, m in enumerate(MEASURES):
        vals = [g[k] for g in ok]
        n_small = sum(classify(x) == "smaller" for x in vals)
        parts.append(
            T.SEEDS_MEASURE.format(
                measure=m,
                lo=f"{min(vals):.2g}",
                hi=f"{max(vals):.2g}",
                k=n_small,
                n=len(vals),
            )
        )
        (robust if n_small == len(rows) else not_robust).append(m)
    text = head + " " + "; ".join(parts) + "."
    if len(ok) < len(rows):
        text += " " + T.SEEDS_SOME.format(k=len(ok), n=len(rows))
    if robust and not not_robust:
        text += " " + T.SEEDS_ROBUST_ALL
    elif robust:
        text += " " + T.SEEDS_ROBUST_SOME.format(
            robust=_join(robust), not_robust=_join(not_robust)
        )
    else:
        text += " " + T.SEEDS_ROBUST_NONE
    return text


def highest_spread(table: Mapping) -> str:
    """Each variant's highest trained rate over the table's seeds, in words."""
    rows = table["rows"]
    seeds = table["seeds"]
    parts = []
    for v in rows[0]["highest"]:
        his = [r["highest"][v] for r in rows]
        got = [h for h in his if h is not None]
        if not got:
            parts.append(T.SPREAD_NEVER.format(name=VARIANT_NAMES[v]))
            continue
        lo, hi = min(got), max(got)
        rng = lr_label(lo) if lo == hi else f"{lr_label(lo)}–{lr_label(hi)}"
        if len(got) < len(his):
            rng += T.SPREAD_SOME.format(k=len(got), n=len(his))
        parts.append(f"{VARIANT_NAMES[v]} {rng}")
    return (
        T.SPREAD_HEAD.format(first=seeds[0], last=seeds[-1])
        + " "
        + "; ".join(parts)
        + "."
    )


def seed_table_for(table: Mapping, state: WhyState) -> Mapping | None:
    """The seed-table entry of the scenario ``state`` is in (any seed), if any."""
    for key, entry in table.items():
        if PAGE.matches(state, key):
            return entry
    return None


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
    if ratio > LARGER:
        return T.TREND_GROWS
    if ratio < SMALLER:
        return T.TREND_SHRINKS
    return T.TREND_EVEN


def xiong_verdict(xiong: XiongResult, depth: int) -> str:
    """What the per-layer gradient norms show at ``depth``, and over depth: the
    last layer's against the 1/√L scaling of Xiong et al.'s bound, and, where
    the toy departs from it, the measured reasons (`last_layer_factors`)."""
    post, pre = xiong.layers(depth, "post"), xiong.layers(depth, "pre")
    first, last = xiong.depths[0], xiong.depths[-1]
    lp, lq = xiong.last("post"), xiong.last("pre")
    post_ratio, pre_ratio = post[-1] / post[0], pre[-1] / pre[0]
    measured = float(lq[-1] / lq[0])
    predicted = math.sqrt(first / last)
    text = T.XIONG_TEXT.format(
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
        predicted=f"{predicted:.2g}",
        measured=f"{measured:.2g}",
    )
    if pre_ratio < SMALLER:
        text += " " + T.XIONG_NOT_EVEN
    if classify(measured / predicted) == "same":
        return text + " " + T.XIONG_AS_BOUND
    if xiong.pre_resid is None:
        return text + " " + T.XIONG_DIFFERS
    resid = float(xiong.pre_resid[-1] / xiong.pre_resid[0])
    tok = float(xiong.pre_token_grad[-1] / xiong.pre_token_grad[0])
    cos0, cos1 = float(xiong.pre_token_cos[0]), float(xiong.pre_token_cos[-1])
    why = T.XIONG_RESID.format(
        resid=f"{resid:.2g}", sqrt=f"{1 / predicted:.2g}", tok=f"{tok:.2g}"
    )
    if measured > predicted and cos1 > cos0 + 0.1:
        why += " " + T.XIONG_ALIKE.format(cos0=f"{cos0:.2f}", cos1=f"{cos1:.2f}")
    else:
        why += " " + T.XIONG_OTHER
    return text + " " + why
