"""Teaching copy of the Lab page: control help, diagnoses, hints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

RUNNING_SOURCE = (
    "Eval mode: BatchNorm's running statistics come from {steps} training batches "
    "of {batch} examples from this distribution (momentum {momentum}), without "
    "the outlier and before any shift since training."
)

HELP: Mapping[str, str] = MappingProxyType(
    {
        "norm": "Which normalization to apply. They differ only in which cells "
        "share a mean and a standard deviation.",
        "batch": "Examples in the batch (rows). BatchNorm pools down these.",
        "features": "Features per example (columns). LayerNorm and RMSNorm pool "
        "across these.",
        "groups": "GroupNorm's G: features are split into G equal groups. Only "
        "divisors of the feature count are possible.",
        "shift": "Per-feature mean shift: each feature gets its own mean, "
        "shift × a random draw per feature.",
        "drift": "Per-feature scale drift: each feature's scale is "
        "exp(drift × a random draw per feature).",
        "offset": "Per-example offset: each example is moved as a whole, "
        "offset × a random draw per example.",
        "spread": "Per-example scale: each example is multiplied by "
        "exp(spread × a random draw per example).",
        "outlier": "Example 0 is multiplied by this factor (1 = no outlier).",
        "seed": "Random seed for the data. Same seed, same numbers.",
        "gamma": "γ, the learned scale applied after normalizing.",
        "beta": "β, the learned shift applied after normalizing. RMSNorm has none.",
        "eps": "ε, added to the variance before the square root. 'default' is "
        "torch.nn's: 1e-5, or for RMSNorm the float32 machine epsilon (1.19e-7).",
        "mode": "Train: BatchNorm uses this batch's statistics. Eval: it uses the "
        "running statistics from training. Other families do not change.",
        "stale": "Eval only: how far each feature's mean has moved since training, "
        "in that feature's standard deviations.",
        "scenario": "Teaching scenarios: one click sets the controls.",
        "colors": "Shared: both heatmaps on one symmetric colour scale, so sizes "
        "compare. Own: each heatmap scaled to its own values.",
    }
)


@dataclass(frozen=True)
class DiagnosisText:
    level: str  # success | info | warning | error
    title: str
    body: str
    try_next: str


DIAGNOSES: Mapping[str, DiagnosisText] = MappingProxyType(
    {
        "ok": DiagnosisText(
            "success",
            "Normalization doing its job",
            "The focused {set} had std {raw_std}; after {family} it has mean "
            "{out_mean} and std {out_std}, which is β = {beta} and |γ| = {gamma_abs}"
            " up to ε.",
            "{next_ok}",
        ),
        "rms_ok": DiagnosisText(
            "success",
            "RMSNorm doing its job",
            "Example {row} had RMS {raw_rms}; after RMSNorm its RMS is {row_rms} = "
            "|γ| = {gamma_abs}. Its mean, {row_mean}, was small to begin with: "
            "RMSNorm does not remove it.",
            "{next_ok}",
        ),
        "eval_ok": DiagnosisText(
            "success",
            "Eval mode: running statistics do the work",
            "BatchNorm normalizes with estimates from training, so each example's "
            "output no longer depends on its batch-mates. The focused column comes "
            "out with mean {out_mean} and std {out_std}: close to β and |γ|, not "
            "exactly, because the estimates come from other batches.",
            "Drag 'Shift since training' to see what happens when the data move "
            "after training.",
        ),
        "batch_of_one": DiagnosisText(
            "error",
            "Batch of one: BatchNorm's output collapses to β",
            "Each column holds one value, so its mean is that value and x − μ = 0: "
            "every output is β = {beta}, whatever the input. torch.nn refuses this "
            "input in training ('Expected more than 1 value per channel').",
            "Switch Mode to eval: the running statistics serve one example fine. "
            "Or pick LayerNorm, which never looks at other examples.",
        ),
        "features_of_one": DiagnosisText(
            "error",
            "One feature: nothing to pool across the row",
            "{family} pools across an example's features, and there is only one, "
            "so the output carries no information about the input.",
            "Drag Features up.",
        ),
        "group_of_one": DiagnosisText(
            "error",
            "One feature per group: every output is β",
            "With G = {groups} groups of {features} features, each group holds one "
            "value per example, so x − μ = 0.",
            "Lower the number of groups; G = 1 is LayerNorm.",
        ),
        "stale": DiagnosisText(
            "warning",
            "Eval with stale running statistics",
            "The data moved after training, but the running statistics did not. "
            "On average the outputs sit {off} away from β = {beta}, in every "
            "feature and every example, and nothing in eval mode corrects it.",
            "Switch Mode to train: batch statistics absorb the shift. In practice, "
            "re-estimate the running statistics on new data.",
        ),
        "outlier": DiagnosisText(
            "warning",
            "One outlier example dominates the batch statistics",
            "Example {outlier_row} accounts for {share} of the focused column's "
            "variance, so the other {others} examples are squeezed into a "
            "std of {others_std} around {others_mean}.",
            "Switch to LayerNorm: each example is normalized by its own statistics "
            "and the outlier affects only itself.",
        ),
        "mixed_scale": DiagnosisText(
            "warning",
            "The largest examples set the statistics",
            "Examples differ a lot in scale: the largest one accounts for {share} "
            "of the focused column's variance, so small examples come out close "
            "to β.",
            "Switch to LayerNorm or RMSNorm: every example gets the same scale.",
        ),
        "tiny_batch": DiagnosisText(
            "warning",
            "Batch too small: the statistics are noisy",
            "Each column's mean comes from {batch} examples, so it wanders by about "
            "σ/√{batch} = {noise} of the feature's spread from batch to batch. The "
            "output still has mean β and std |γ| exactly, but which values each "
            "example gets depends on its batch-mates.",
            "Change the seed a few times and watch the focused example's outputs "
            "move; then drag Batch size up.",
        ),
        "rms_mean": DiagnosisText(
            "info",
            "RMSNorm keeps the row mean",
            "RMSNorm divides by the root mean square without subtracting the mean, "
            "so example {row}'s outputs average {row_mean}, not 0. Its RMS is "
            "{row_rms}, as promised.",
            "Switch to LayerNorm: it subtracts the mean first. RMSNorm trades that "
            "for speed (Zhang & Sennrich 2019).",
        ),
        "eps_dominates": DiagnosisText(
            "warning",
            "ε, not the data, sets the scale",
            "The focused {set}'s variance is {var}, below ε = {eps}, so the output "
            "std is only {out_std} instead of |γ|.",
            "Pick a smaller ε.",
        ),
        "nonfinite": DiagnosisText(
            "error",
            "NaN or infinity in the input",
            "A non-finite value spreads to every cell that shares its statistic.",
            "Fix the input.",
        ),
    }
)

NEXT_OK: Mapping[str, str] = MappingProxyType(
    {
        "batch": "Try the 'Tiny batch' scenario: the same recipe with only 4 "
        "examples per column.",
        "layer": "Switch to RMSNorm: the same scale, but the row mean stays.",
        "rms": "Add a per-example offset: RMSNorm keeps it, LayerNorm removes it.",
        "group": "Slide Groups to 1: GroupNorm becomes LayerNorm.",
        "instance": "Compare GroupNorm with one channel per group.",
    }
)
