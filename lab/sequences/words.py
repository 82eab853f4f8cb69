"""Sentences built from the page's numbers: each says only what the numbers it
prints show (tests/unit/sequences/test_words.py checks them against the
numbers), as lab/why/verdicts.py does for the runs of Why normalize."""

from __future__ import annotations

import math

import numpy as np

from lab.core.helpers import fmt, plural
from lab.sequences.model import NAMES, SeqView
from lab.sequences.run import RunResult
from lab.sequences.serving import OneToken, Serving

SMALL_POINTS = 1.0
"""Accuracy differences under this many percentage points are called small:
on 2,048 test sequences one point is about 20 of them, and seeds move a
variant's score by that much (the run's seed control shows it)."""


def exact(v: float | None) -> str:
    """A difference as the page prints it: "0 exactly" when it is 0."""
    if v is None:
        return "—"
    return "0 exactly" if v == 0 else fmt(v, small=True)


def one_decimal(v: float) -> str:
    """A statistic with at least one decimal, as the toy case is quoted
    (3.0 → 1.5): `fmt`, then ".0" on a whole number."""
    s = fmt(v)
    finite = math.isfinite(v) and abs(v) < 1e4
    return s + ".0" if finite and s.lstrip("−").isdigit() else s


def percent(v: float) -> str:
    return f"{100 * v:.1f}%"


def points(v: float) -> str:
    """Percentage points, to the tenth the accuracies are printed with."""
    return f"{v:.1f}".replace("-", "−")


def most_moved(before: np.ndarray, after: np.ndarray) -> int:
    """The channel whose value moved most from ``before`` to ``after`` (the
    first on a tie; 0 when nothing is finite)."""
    moved = np.nan_to_num(np.abs(np.asarray(after) - np.asarray(before)), nan=-1.0)
    return int(np.argmax(moved))


def channel_sentence(view: SeqView) -> str:
    """What the pads did to the statistics of the channel they moved most."""
    ch, b = view.channels, view.batch
    c = most_moved(ch.real_mean, ch.all_mean)
    pads = b.positions - b.real
    if b.real == 0:
        return (
            "Every position is padding: no channel has a real token, so the "
            "masked statistics are undefined; pooled over the "
            f"{plural(pads, 'pad')}, channel {c}'s mean is "
            f"{one_decimal(ch.all_mean[c])}."
        )
    which = f"Channel {c}" + (
        ", whose mean the pads moved most" if view.spec.features > 1 and pads else ""
    )
    head = f"{which}: the {plural(b.real, 'real token')} have mean "
    head += f"{one_decimal(ch.real_mean[c])} and variance {one_decimal(ch.real_var[c])}"
    if pads == 0:
        return head + "; nothing is padded, so BatchNorm pools exactly these."
    return (
        head + f"; pooled with the {plural(pads, 'pad')}, mean "
        f"{one_decimal(ch.all_mean[c])} and variance {one_decimal(ch.all_var[c])}."
    )


def corruption_sentence(view: SeqView) -> str:
    """The largest change padding made to a real token, per family, in words."""
    b = view.batch
    fams = view.families
    if b.real == 0:
        return "There is no real token, so there is nothing for padding to change."
    bn = fams["batch"].change
    share = f"{100 * b.padded_fraction:.0f}%"
    others = [k for k in ("masked", "layer", "rms") if fams[k].change == 0]
    rest = ", ".join(NAMES[k] for k in others)
    if bn == 0:
        if b.real == b.positions:
            return "Nothing is padded: every family's outputs are the unpadded ones."
        return (
            f"With {share} of the positions padded, BatchNorm's change is 0 here: "
            "the pads' values leave every channel's mean and variance as they were."
        )
    s = (
        f"With {share} of the positions padded, pooling the pads moved a real "
        f"token's BatchNorm output by up to {fmt(bn)}."
    )
    if others:
        s += f" {rest}: 0 exactly."
    return s


def serving_sentence(serve: Serving) -> str:
    """How far the BatchNorm that learned with pads serves from the masked one,
    in the channel where their running means differ most."""
    if serve.gap is None:
        return "There is no real token to serve."
    p, m = serve.padded, serve.masked
    if not p.updates or not m.updates:
        return (
            "No training batch held two values per channel, so the running "
            "statistics never moved from their start (mean 0, variance 1)."
        )
    c = most_moved(m.mean, p.mean)
    d_mean = p.mean[c] - m.mean[c]
    ratio = p.var[c] / m.var[c] if m.var[c] > 0 else math.inf
    var_words = (
        f"{fmt(ratio)}× the masked one"
        if math.isfinite(ratio)
        else f"{fmt(p.var[c])} where the masked one is 0"
    )
    where = f"In channel {c}" + (", where they differ most," if len(p.mean) > 1 else "")
    s = (
        f"{where} the running mean learned with pads is "
        f"{fmt(p.mean[c])} against {fmt(m.mean[c])} with the mask "
        f"({'+' if d_mean >= 0 else '−'}{fmt(abs(d_mean))}), and its running "
        f"variance {var_words}. "
    )
    if serve.gap == 0:
        return s + "Served, the two give every real token the same output."
    return s + (
        f"Served, their outputs for the same tokens differ by up to {fmt(serve.gap)}: "
        "the model sees inputs shifted and rescaled by the pads of training."
    )


def one_token_sentences(token: OneToken) -> list[str]:
    """BatchNorm's three answers for a lone token, LayerNorm's and RMSNorm's one."""
    out = []
    beta = float(token.train_alone.output[0, 0])
    refused = (
        f" torch refuses it ('{token.torch_error.split(',')[0]}')."
        if token.torch_error
        else ""
    )
    out.append(
        "BatchNorm in train mode has nothing to pool: each channel's mean is the "
        f"token's own value, so every output is β = {fmt(beta)}.{refused}"
    )
    d_pad = float(np.abs(token.eval_padded - token.in_batch.astype(np.float64)).max())
    d_mask = float(np.abs(token.eval_masked - token.in_batch.astype(np.float64)).max())
    out.append(
        "In eval mode it uses running statistics (learned from the training "
        "stream of Train vs eval with padding, below): against the token's output "
        f"in its training batch (masked), up to {exact(d_mask)} apart with the "
        f"masked layer's and {exact(d_pad)} with the one that pooled pads."
    )
    same = [k for k in ("layer", "rms") if token.diff(k) == 0]
    if same:
        names = " and ".join(NAMES[k] for k in same)
        out.append(
            f"{names} give the token alone exactly its output inside the full "
            "batch: difference 0."
        )
    for k in ("layer", "rms"):
        if k not in same:
            d = fmt(token.diff(k), small=True)
            out.append(f"{NAMES[k]} alone differs from inside the batch by {d}.")
    return out


def run_sentences(result: RunResult) -> list[str]:
    """What the real run showed, in words, small differences called small."""
    acc = {
        (v, t): result.accuracy(v, t)
        for v in result.variants
        for t in ("little", "much")
    }
    scores = "; ".join(
        f"{NAMES[v]} {percent(acc[v, 'little'])} and {percent(acc[v, 'much'])}"
        for v in result.variants
    )
    out = [f"Accuracy with little and with much padding: {scores}."]
    gains = [100 * (acc["masked", t] - acc["batch", t]) for t in ("little", "much")]
    biggest = max(gains, key=abs)
    if all(abs(g) < SMALL_POINTS for g in gains):
        out.append(
            "The mask made a small difference here: under "
            f"{fmt(SMALL_POINTS)} point on both test sets ({points(gains[0])} and "
            f"{points(gains[1])} points)."
        )
    elif all(g > 0 for g in gains):
        out.append(
            f"The mask helped on both test sets, by {points(gains[0])} and "
            f"{points(gains[1])} points."
        )
    elif all(g < 0 for g in gains):
        out.append(
            "Here BatchNorm pooling the pads scored higher than the masked one, "
            f"by {points(-gains[0])} and {points(-gains[1])} points: with this "
            "seed the pads did not hurt."
        )
    else:
        out.append(
            f"The mask's effect changed sign between the test sets (largest "
            f"{points(biggest)} points): no clear winner with this seed."
        )
    loss = dict(zip(result.variants, result.final_loss, strict=True))
    lowest = min(loss, key=loss.get)
    best = max(result.variants, key=lambda v: acc[v, "little"] + acc[v, "much"])
    if lowest == "batch" and best != "batch":
        out.append(
            "BatchNorm pooling the pads reached the lowest training loss "
            f"({fmt(loss['batch'])}) but not the best eval accuracy: in training "
            "it normalized each batch with that batch's pads, which eval mode's "
            "running averages do not reproduce."
        )
    return out
