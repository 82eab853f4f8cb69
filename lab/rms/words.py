"""What the page's numbers say, in words, computed from the numbers.

Every sentence here is filled from a computed result and chosen by it (which
is faster, which moved, by how much), never written in advance: where this
server's timing disagrees with the paper, the sentence says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from lab.core.helpers import fmt
from lab.core.norms import FAMILY_NAMES
from lab.rms.invariance import BY_KEY, Cell, Table, Transform, disagreements
from lab.rms.rows import TABLE_SCALES, EpsCompare, MeanSurvives
from lab.rms.timing import IMPL_NAMES, PASSES, Timing
from lab.rms.training import TrainRun

PAPER = (7.0, 64.0)
"""Zhang & Sennrich (2019): RMSNorm reduces running time by 7%–64% against
LayerNorm on different models."""


def num(v: float) -> str:
    """A change as a cell shows it: 0 exactly, else 2 significant digits."""
    if math.isnan(v):
        return "NaN"
    if v == 0:
        return "0"
    if 0.01 <= abs(v) < 1000:
        return fmt(float(f"{v:.2g}"))
    return plain(float(f"{v:.2g}"))


def plain(v: float) -> str:
    """A value as short as Python writes it (1e+08, 0.001, −1), true minus."""
    return f"{v:g}".replace("-", "−")


def cell_text(cell: Cell) -> str:
    """ "✓ 1.8e−05": the verdict and the largest change of any output."""
    if cell.verdict == "refused":
        return "refused (ε = 0)"
    return f"{cell.verdict} {num(cell.change)}"


def paper_text(t: Transform) -> str:
    """Zhang & Sennrich's (2019) marks for BatchNorm · LayerNorm · RMSNorm."""
    if t.paper is None:
        return "not in it"
    return " · ".join("✓" if t.paper[f] else "✗" for f in ("batch", "layer", "rms"))


def us(v: float) -> str:
    """Microseconds as a table shows them: whole ones from 100 up."""
    return f"{v:,.0f}" if v >= 100 else f"{v:.3g}"


def _where(items: Sequence[tuple[Transform, str, Cell]], value: bool = True) -> str:
    parts = [
        f"{FAMILY_NAMES[f]}, {t.name.lower()}" + (f" ({cell_text(c)})" if value else "")
        for t, f, c in items
    ]
    return "; ".join(parts)


def _spacing(v: float, dtype: str) -> float:
    kind = np.float32 if dtype == "float32" else np.float64
    return float(np.spacing(kind(abs(v))))


def table_notes(table: Table) -> list[tuple[str, str]]:
    """(reason, sentence) for every group of cells whose verdict is not the
    reference's, in the order of `lab.rms.invariance.reasons`."""
    groups: dict[str, list] = {}
    for t, f, cell in disagreements(table):
        key = cell.reasons[0] if cell.reasons else "other"
        groups.setdefault(key, []).append((t, f, cell))
    out = []
    c = table.c
    keys = ("nan", "nan_out", "refused", "zero", "identity", "sign", "eps", "precision")
    for key in keys:
        items = groups.get(key)
        if not items:
            continue
        if key == "nan":
            text = (
                f"**Not a number.** {_where(items, False)}: the transformation "
                "is NaN or infinite, so every output it touches is NaN."
            )
        elif key == "nan_out":
            why = (
                "with ε = 0, a row the norm pools whose values are all equal has "
                "variance 0, and the norm divides 0 by 0"
                if _eps0(items)
                else f"the transformed input does not fit in {table.dtype}"
            )
            text = (
                f"**Not finite.** {_where(items, False)}: the outputs are NaN: {why}."
            )
        elif key == "refused":
            text = (
                "**ε = 0 and BatchNorm.** torch refuses ε = 0 for BatchNorm in "
                "training ('batch_norm eps must be positive during training'), "
                "and so does the lab's engine: the column stays empty. With ε → 0 "
                "it is invariant where the paper says so."
            )
        elif key == "zero":
            text = (
                f"**c = 0.** {_where(items)}: scaling by 0 leaves zeros, and "
                "nothing can be recovered from zeros. Zeros have variance 0, so "
                "the norms return 0 there (β = 0) whatever the input was"
                + (": with ε = 0 that is 0/0, NaN." if _eps0(items) else ".")
            )
        elif key == "identity":
            what = "c = 1" if all(t.uses == "c" for t, _, _ in items) else "δ = 0"
            if len({t.uses for t, _, _ in items}) > 1:
                what = "c = 1 and δ = 0"
            text = (
                f"**Nothing to undo.** {what} leaves the input as it was, so "
                f"even the reference's ✗ cells read 0: {_where(items, False)}."
            )
        elif key == "sign":
            text = (
                f"**Sign of c.** With c = {plain(c)} < 0, {_where(items)}: every "
                "output c scales changes sign (y′ = −y there), so these are "
                "invariant up to sign only. The paper's ✓ is for c > 0."
            )
        elif key == "eps":
            worst = max(cell.limit for _, _, cell in items)
            moved = "0" if worst == 0 else f"at most {num(worst)}, rounding"
            text = (
                f"**ε.** {_where(items)}: these moved only because of ε. With "
                f"ε → 0 the same cells move by {moved}. "
                "ε is added to a variance that the transformation changes while "
                "ε stays the same, so it weighs most where the variance is small"
                + (
                    f" (c = {plain(c)} scales every variance it touches "
                    f"by c² = {plain(c * c)})."
                    if any(t.uses == "c" for t, _, _ in items) and c != 0
                    else "."
                )
            )
        else:
            big = max(cell.size for _, _, cell in items)
            big = float(f"{big:.1g}")
            gap = plain(float(f"{_spacing(big, table.dtype):.2g}"))
            text = (
                f"**Precision.** {_where(items)}: invariant on paper, yet even "
                f"with ε → 0 the outputs moved. The transformed input reaches "
                f"about {plain(big)}, where {table.dtype} numbers are {gap} "
                "apart: it holds the data's own values (of order 1) only to "
                "within that, and the outputs move by what the rounding is worth."
            )
        out.append((key, text))
    rest = groups.get("other")
    if rest:
        out.append(
            (
                "other",
                f"**Other.** {_where(rest)}: not the reference's verdict, for a "
                "reason this page does not name.",
            )
        )
    return out


def _eps0(items: Sequence[tuple[Transform, str, Cell]]) -> bool:
    return any(cell.eps == 0 for _, _, cell in items)


def mean_words(m: MeanSurvives) -> tuple[str, str]:
    """What happened to the mean, and what it means for the next layer."""
    if abs(m.mean_in) < 1e-6 * max(m.rms_in, 1e-300):
        return (
            f"This example's mean is {fmt(m.mean_in, small=True)}, so the two "
            f"norms agree: the outputs are {m.angle:.1f}° apart and RMSNorm's "
            f"output mean is {fmt(m.mean_rms, small=True)}. Move the mean to see "
            "them part.",
            "With no mean there is nothing for LayerNorm to remove: a Linear "
            "layer after either norm receives the same input.",
        )
    sign = "positive" if m.mean_in > 0 else "negative"
    first = (
        f"The example's mean is {fmt(m.mean_in)} (standard deviation "
        f"{fmt(m.std_in)}, RMS {fmt(m.rms_in)}). LayerNorm's output has mean "
        f"{fmt(m.mean_layer, small=True)}: removed. RMSNorm's has mean "
        f"{fmt(m.mean_rms)}: the sign survives ({sign}), and so does part of "
        f"the size, as μ/RMS (never above 1 in size). Exactly, RMSNorm's output is "
        f"{fmt(m.kept)} on every feature plus {fmt(m.shrink)} × LayerNorm's "
        f"output (checked to {fmt(m.identity_error, small=True)}), and the two "
        f"outputs are {m.angle:.1f}° apart."
    )
    second = (
        f"A Linear layer W after the norm computes W·y = {fmt(m.shrink)}·W·y_LN "
        f"+ {fmt(m.kept)}·W·1 with RMSNorm: LayerNorm's pattern, shrunk, plus "
        "W·1 (each unit's sum of weights) scaled by the kept mean. The next "
        "layer can use that signal or must learn to cancel it; after LayerNorm "
        "it is 0 for every input."
    )
    return first, second


def eps_words(e: EpsCompare) -> str:
    """Where the conventions differ, in numbers (at an input RMS of 1e-3 and 1)."""
    k = TABLE_SCALES.index(1e-3)
    by = {c.key: i for i, c in enumerate(e.convs)}
    parts = [
        f"{c.name}: {fmt(e.table[i, k], small=True)}" for i, c in enumerate(e.convs)
    ]
    inside, outside = by["llama"], by["outside"]
    at = abs(e.table[inside, k] - e.table[outside, k])
    at1 = abs(e.table[inside, 0] - e.table[outside, 0])
    halves = "; ".join(
        f"{SHORT[c.key]} {plain(float(f'{e.half[i]:.2g}'))}"
        for i, c in enumerate(e.convs)
    )
    return (
        f"At an input RMS of 0.001 the output RMS is, by convention: "
        f"{'; '.join(parts)}. The same ε = 1e-6 inside and outside the square "
        f"root differ by {fmt(at, small=True)} there and by "
        f"{fmt(at1, small=True)} at an input RMS of 1. Each output halves at an "
        f"input RMS of: {halves} (√(ε/3) inside, ε outside)."
    )


SHORT = {
    "torch": "nn.RMSNorm's default",
    "llama": "Llama/T5's 1e-6 inside",
    "outside": "1e-6 outside",
    "layer": "nn.LayerNorm's 1e-5",
    "bert": "BERT's 1e-12",
    "page": "this page's ε",
}


def pct(v: float) -> str:
    return f"{v:.0f}%"


def _range(a: np.ndarray) -> tuple[float, float]:
    return float(np.nanmin(a)), float(np.nanmax(a))


def saved_phrase(lo: float, hi: float) -> str:
    """A range of % time saved in words: "saved 29%–50%", "took 13% more to
    50% less", "took 30%–150% more"."""
    if lo >= 0:
        return f"saved {pct(lo)}–{pct(hi)}"
    if hi <= 0:
        return f"took {pct(-hi)}–{pct(-lo)} more"
    return f"took {pct(-lo)} more to {pct(hi)} less"


def timing_words(t: Timing, dtype: str, pass_: str) -> list[str]:
    """What this run measured, against the paper's 7%–64%."""
    d, p = t.dtypes.index(dtype), PASSES.index(pass_)
    fused = 100 * (1 - t.ratio[d, p, :, 0, 1])  # H  % saved, medians
    ref = 100 * (1 - t.ratio[d, p, :, 1, 1])
    what = "forward" if pass_ == "forward" else "forward and backward"
    where = f"{what}, {dtype}, {t.tokens} tokens, hidden {t.sizes[0]}–{t.sizes[-1]}"
    lo, hi = _range(fused)
    if hi < 0:
        a, b = _range(1 - fused / 100)
        lib = (
            f"F.rms_norm took {a:.1f}× to {b:.1f}× F.layer_norm's time ({where}): "
            "slower, not faster."
        )
    else:
        lib = f"F.rms_norm {saved_phrase(lo, hi)} of F.layer_norm's time ({where})."
    kern = t.kernels.get("rms", "")
    if "Mul" in kern:
        lib += (
            f" On this build F.rms_norm runs on the {t.device.upper()} as separate "
            f"tensor ops (autograd records {kern}), while F.layer_norm is one fused "
            f"kernel ({t.kernels.get('layer', '?')}): the comparison is of kernels, "
            "not of the two formulas."
        )
    lo, hi = _range(ref)
    if PAPER[0] <= lo and hi <= PAPER[1]:
        verdict = "inside the paper's 7%–64%"
    elif hi >= PAPER[0] and lo <= PAPER[1]:
        verdict = "partly inside the paper's 7%–64%"
    else:
        verdict = "outside the paper's 7%–64%"
    ref_words = saved_phrase(lo, hi)
    return [
        lib,
        f"Written the same way, with tensor ops, RMSNorm {ref_words} of "
        f"LayerNorm's time across the hidden sizes (medians): {verdict}. One "
        "reduction fewer is what the paper counts on; its figures are for whole "
        "models, where the norm is part of the work.",
    ]


def timing_caption(t: Timing) -> str:
    when = datetime.fromtimestamp(t.started, UTC).strftime("%Y-%m-%d %H:%M UTC")
    threads = (
        f", {t.threads} thread" + ("s" if t.threads != 1 else "") if t.threads else ""
    )
    rounds = int(t.rounds.min()), int(t.rounds.max())
    return (
        f"Timed on {t.device_name}{threads}, torch {t.torch_version}, at {when}, "
        f"in {t.wall:.1f} s: {rounds[0]}–{rounds[1]} interleaved rounds per point "
        f"after warm-up. The timing process got {t.cpu_share * 100:.0f}% of a core; "
        f"load average {t.load_before:.2f} before, {t.load_after:.2f} after. "
        "Whatever else ran on these cores meanwhile (the server answering "
        "clicks, another replica's worker, other programs) is timed along with "
        "it: the bars show the spread. Runs asked for meanwhile wait their turn "
        "in the worker's queue."
    )


def training_words(run: TrainRun) -> list[str]:
    """The run in words: losses, time per step, time to LayerNorm's loss."""
    cfg = run.config
    a, b = run.final("layer"), run.final("rms")
    rel = (b - a) / a if a else 0.0
    if abs(rel) < 0.01:
        cmp = "the same to within 1%"
    elif rel < 0:
        cmp = f"RMSNorm {abs(rel) * 100:.1f}% lower"
    else:
        cmp = f"RMSNorm {rel * 100:.1f}% higher"
    acc = run.accuracy
    first = (
        f"After {cfg.steps} steps (seed {cfg.seed}), the loss on the whole "
        f"training set is {a:.4f} with LayerNorm and {b:.4f} with RMSNorm: "
        f"{cmp}. Accuracy {acc[0] * 100:.1f}% and {acc[1] * 100:.1f}% (predicting "
        f"the class frequencies scores a loss of {run.baseline:.3f})."
    )
    ml, mr = run.median_step("layer"), run.median_step("rms")
    faster = (ml - mr) / ml * 100
    side = f"{abs(faster):.0f}% {'less' if faster >= 0 else 'more'}"
    tl, tr = run.clock("layer")[-1], run.clock("rms")[-1]
    second = (
        f"A step took a median {ml * 1e3:.2f} ms with LayerNorm and "
        f"{mr * 1e3:.2f} ms with RMSNorm ({side}); all {cfg.steps} steps took "
        f"{tl:.2f} s and {tr:.2f} s."
    )
    e = run.eval_loss[1]
    reached = np.flatnonzero(e <= a)
    if reached.size:
        step = int(run.eval_steps[reached[0]])
        secs = float(run.clock("rms")[step - 1])
        third = (
            f"RMSNorm first reached LayerNorm's final loss ({a:.4f}) after "
            f"{step} steps, {secs:.2f} s of training."
        )
    else:
        third = (
            f"RMSNorm did not reach LayerNorm's final loss ({a:.4f}) within "
            f"{cfg.steps} steps."
        )
    return [first, second, third]


def seed_rows(
    table: Table,
    m: MeanSurvives,
    hidden: int,
    layer_us: float | None,
    rms_us: float | None,
) -> list[list[str]]:
    """The side panel's table: every cell backed by a number on the page."""
    shift_l = table.cell("example_shift", "layer")
    shift_r = table.cell("example_shift", "rms")
    std_l = float(np.sqrt(np.mean((m.y_layer - m.y_layer.mean()) ** 2)))
    rms_r = float(np.sqrt(np.mean(m.y_rms**2)))
    cost = (
        [f"2 reductions, {us(layer_us)} µs", f"1 reduction, {us(rms_us)} µs"]
        if layer_us is not None and rms_us is not None
        else ["2 reductions (not timed yet)", "1 reduction (not timed yet)"]
    )
    return [
        [
            "Mean subtraction",
            f"yes: mean {fmt(m.mean_layer, small=True)}",
            f"no: mean {fmt(m.mean_rms)}",
        ],
        [
            "Variance normalization",
            f"yes: std {fmt(std_l)}",
            f"RMS only: RMS {fmt(rms_r)}",
        ],
        ["Bias parameter", f"β: {hidden:,}", "none: 0"],
        ["Computational cost", *cost],
        ["Popular in", "BERT (ε 1e-12), GPT-2 (ε 1e-5)", "T5, Llama, Mistral (ε 1e-6)"],
        [
            "Representation shift",
            f"{_moved(shift_l)}: {cell_text(shift_l)}",
            f"{_moved(shift_r)}: {cell_text(shift_r)}",
        ],
    ]


def _moved(cell: Cell) -> str:
    return {"✓": "invariant", "≈": "nearly invariant", "refused": "refused"}.get(
        cell.verdict, "not invariant"
    )


def impl_label(impl: str) -> str:
    return IMPL_NAMES[impl]


def row_label(key: str) -> str:
    t = BY_KEY[key]
    return f"{t.name} ({t.what})"
