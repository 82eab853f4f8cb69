"""What the classifier section says about each pitfall's numbers: a row of
readouts and its sentences, built from `lab.train_eval.costs`' results.

Pure, apart from the view, for the reason the live panels are
(`lab.train_eval.panels`): the words are the page's claims about the numbers,
so a test reads them without a server, and the view only draws them, as
Streamlit's own metric, markdown and caption elements.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lab.core.helpers import fmt
from lab.train_eval import texts as T
from lab.train_eval.classifier import Score
from lab.train_eval.cost_figures import metric_value
from lab.train_eval.costs import (
    FT_EXAMPLES,
    FT_STEPS,
    N_ADAPT,
    FinetuneCosts,
    ServingCosts,
    StaleCosts,
)
from lab.train_eval.dropout import SWEEP_FEATURES, SWEEP_ROWS, DropoutCosts, Shift

Block = tuple[str, Any]
"""One thing the section shows, in order: ``("metrics", [(label, value,
help), ...])``, a row of readouts; ``("text", markdown)``; ``("caption",
markdown)``."""


def pct(s: Score, metric: str) -> str:
    """A score as the section prints it: AUC to 3 decimals, accuracy in %."""
    return f"{s.auc:.3f}" if metric == "auc" else f"{s.accuracy:.1%}"


def eval_readouts(costs: Mapping[str, ServingCosts], metric: str) -> list[Block]:
    """Forgetting ``model.eval()``: BatchNorm served in train mode at batch
    sizes 1, 8 and 64 against eval mode, and the other families beside it."""
    bn = costs["batch"]
    size = {b: i for i, b in enumerate(bn.sizes)}
    one, eight, sixtyfour = (pct(bn.train[size[b]], metric) for b in (1, 8, 64))
    evaluated = pct(bn.eval[0], metric)
    return [
        (
            "metrics",
            [
                ("Eval mode", evaluated, "Any batch size."),
                (
                    "Train mode, batch 1",
                    one,
                    "torch raises here; the engine's answer: every BatchNorm "
                    "output is β.",
                ),
                ("Train mode, batch 8", eight, None),
                ("Train mode, batch 64", sixtyfour, None),
            ],
        ),
        (
            "text",
            T.EVAL_BODY.format(
                one=one,
                error=bn.torch_error or T.EVAL_NO_ERROR,
                eight=eight,
                sixtyfour=sixtyfour,
                eval=evaluated,
                layer=pct(costs["layer"].eval[0], metric),
                rms=pct(costs["rms"].eval[0], metric),
            ),
        ),
        ("text", T.EVAL_SORTED.format(sorted=pct(bn.sorted_train, metric))),
    ]


def stale_readouts(costs: StaleCosts, shift: float, metric: str) -> list[Block]:
    """Stale statistics after a shift: at the measured shift nearest ``shift``,
    the old statistics against re-estimated ones and the other families."""
    i = min(range(len(costs.shifts)), key=lambda k: abs(costs.shifts[k] - shift))
    stale, recal = pct(costs.stale[i], metric), pct(costs.recalibrated[i], metric)
    layer = pct(costs.layer[i], metric)
    out: list[Block] = [
        (
            "metrics",
            [
                ("Stale statistics", stale, None),
                ("Re-estimated", recal, None),
                ("LayerNorm model", layer, None),
            ],
        )
    ]
    if shift == 0:
        out.append(("caption", T.STALE_ZERO))
    body = T.STALE_BODY.format(
        shift=fmt(shift),
        stale=stale,
        adapt=N_ADAPT,
        recal=recal,
        batch=pct(costs.batch_stats[i], metric),
        layer=layer,
        rms=pct(costs.rms[i], metric),
    )
    return [*out, ("text", body), ("caption", T.STALE_CAVEAT)]


def finetune_readouts(costs: FinetuneCosts, shift: float, metric: str) -> list[Block]:
    """Fine-tuning with BatchNorm updating or frozen: the scores before, after
    each at batch 4 (or the smallest measured), and which way it went."""
    before = T.FINETUNE_BODY.format(
        examples=FT_EXAMPLES,
        shift=fmt(shift),
        steps=FT_STEPS,
        before_new=pct(costs.before_new, metric),
        before_old=pct(costs.before_old, metric),
    )
    b = 4 if 4 in costs.batches else costs.batches[0]
    i = costs.batches.index(b)
    up_new, fr_new = costs.new["update"][i], costs.new["frozen"][i]
    result = T.FINETUNE_RESULT.format(
        batch=b,
        up_new=pct(up_new, metric),
        up_old=pct(costs.old["update"][i], metric),
        fr_new=pct(fr_new, metric),
        fr_old=pct(costs.old["frozen"][i], metric),
        re_new=pct(costs.recal_new, metric),
        re_old=pct(costs.recal_old, metric),
    )
    gap = up_new.accuracy - fr_new.accuracy
    if abs(gap) < 0.01:
        verdict = T.FINETUNE_VERDICT_TIE.format(gap=f"{abs(gap):.1%}")
    elif gap > 0:
        verdict = T.FINETUNE_VERDICT_UPDATE
    else:
        verdict = T.FINETUNE_VERDICT_FROZEN.format(batch=b)
    smallest = T.FINETUNE_SMALLEST.format(
        small=costs.batches[0],
        small_new=pct(costs.new["update"][0], metric),
        large=costs.batches[-1],
        large_new=pct(costs.new["update"][-1], metric),
    )
    return [
        ("text", before),
        ("text", result),
        ("text", verdict),
        ("caption", smallest),
    ]


def _reestimated(re: str, gap: float, recovered: float) -> str:
    """What re-estimating the statistics recovers of the gap between the two
    placements: a share of it, none, or there was no gap to close."""
    if gap <= 0:
        return T.DROPOUT_NO_GAP.format(re=re, p=f"{HEADLINE:g}")
    part = "none" if recovered <= 0 else f"{min(recovered / gap, 1.0):.0%}"
    return T.DROPOUT_REESTIMATED.format(re=re, part=part, p=f"{HEADLINE:g}")


HEADLINE = 0.5
"""The dropout rate the section's sentences quote."""


def dropout_readouts(
    shift: Shift, costs: DropoutCosts, metric: str, seed: int
) -> list[Block]:
    """Dropout before BatchNorm: the variance shift on a batch at p = 0.5,
    then the classifier before and after, and with its statistics re-estimated."""
    i = shift.rates.index(HEADLINE)
    k = costs.rates.index(HEADLINE)
    before, after = costs.before[k], costs.after[k]
    re = costs.reestimated[k]
    gap = metric_value(after, metric) - metric_value(before, metric)
    recovered = metric_value(re, metric) - metric_value(before, metric)
    return [
        (
            "metrics",
            [
                (
                    "Eval ÷ training variance",
                    fmt(float(shift.ratio[i].mean())),
                    (
                        f"A batch through dropout at p = {HEADLINE:g}, mean over its "
                        "features."
                    ),
                ),
                (f"Dropout before BN, p = {HEADLINE:g}", pct(before, metric), None),
                (f"Dropout after BN, p = {HEADLINE:g}", pct(after, metric), None),
                (
                    "Re-estimated",
                    pct(re, metric),
                    "Before-model, statistics re-estimated with dropout off.",
                ),
            ],
        ),
        (
            "text",
            T.DROPOUT_SHIFT.format(
                rows=f"{SWEEP_ROWS:,}",
                p=f"{HEADLINE:g}",
                ratio=fmt(float(shift.ratio[i].mean())),
                predicted=fmt(float(shift.predicted[i].mean())),
                one=fmt(1 - HEADLINE),
                std=fmt(float(shift.eval_std[i].mean())),
            ),
        ),
        (
            "text",
            T.DROPOUT_RESULT.format(
                before=pct(before, metric),
                p=f"{HEADLINE:g}",
                after=pct(after, metric),
                zero=pct(costs.before[costs.rates.index(0.0)], metric),
                ratio2=fmt(costs.ratio_second[k]),
                ratio_after=fmt(costs.ratio_after[k]),
            ),
        ),
        ("text", _reestimated(pct(re, metric), gap, recovered)),
        (
            "caption",
            T.DROPOUT_CHECK.format(
                rows=f"{SWEEP_ROWS:,}", features=SWEEP_FEATURES, seed=seed
            ),
        ),
    ]
