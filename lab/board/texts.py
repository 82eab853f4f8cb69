"""Teaching copy of the Lab page: scenarios, control help, diagnoses, hints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

RUNNING_SOURCE = (
    "Eval mode: BatchNorm's running statistics come from {steps} training batches "
    "of {batch} examples from this distribution (momentum {momentum}), without "
    "the outlier and before any shift since training."
)

SCENARIO_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "stable": (
            "Stable batch",
            "32 examples whose features each have their own mean and scale. "
            "BatchNorm standardizes every column; LayerNorm every row.",
        ),
        "tiny": (
            "Tiny batch",
            "Only 4 examples share each statistic. BatchNorm still forces each "
            "column to mean 0 and std 1, but which values come out depends on which"
            " other 3 examples happened to be in the batch.",
        ),
        "one": (
            "Batch of one",
            "One example in training mode: each BatchNorm column holds a single "
            "value, so x − μ = 0 and every output equals β.",
        ),
        "shifted": (
            "Shifted features",
            "Features with very different means and scales. Without normalization "
            "the next layer would see some features many times larger than others.",
        ),
        "outlier": (
            "Outlier example",
            "Example 0 is 30× larger than the rest. In BatchNorm it can dominate a "
            "column's statistics and squash its batch-mates; LayerNorm deals with "
            "it alone.",
        ),
        "mixed": (
            "Mixed-scale examples",
            "Examples differ in overall scale, as token activations in a "
            "transformer can. In BatchNorm the largest examples weigh most in every"
            " column's statistics; LayerNorm and RMSNorm give every example the "
            "same scale.",
        ),
        "rms_mean": (
            "RMSNorm keeps the mean",
            "Every example carries an offset. RMSNorm rescales without subtracting "
            "the mean (Zhang & Sennrich 2019), so each row's mean survives.",
        ),
        "grouped": (
            "GroupNorm in between",
            "16 features in 4 groups of 4: statistics per example and per group (Wu"
            " & He 2018). One group is LayerNorm; one feature per group is "
            "degenerate.",
        ),
        "serving": (
            "Serving one example",
            "Eval mode at batch size 1: BatchNorm uses the running statistics it "
            "collected in training, so one example is normalized just fine.",
        ),
        "stale": (
            "Stale running statistics",
            "Eval mode after the data moved by 2 standard deviations per feature. "
            "The running statistics still describe the training data, so the "
            "outputs are no longer centred.",
        ),
    }
)
"""Each scenario's title and sentence (its settings: `lab.board.state`)."""

HELP: Mapping[str, str] = MappingProxyType(
    {
        "norm": "Which normalization to apply. They differ in which cells share "
        "their statistics; RMSNorm also drops the mean.",
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
        "show_code": "The numpy and torch.nn code that rebuilds this input and "
        "its normalized output, to run in a notebook.",
    }
)


SKIP_LINK = "Skip to the heatmaps"
"""The Lab's first Tab stop (lab/board/heatmaps.js): past the sidebar's controls."""

INTRO = (
    "One recipe, different axes: BatchNorm, LayerNorm and GroupNorm subtract a "
    "mean, divide by a standard deviation, scale by γ and shift by β, and differ "
    "only in **which cells share the statistics**. RMSNorm pools LayerNorm's row "
    "but drops the mean and β."
)
"""The Lab's opening sentence (pages/lab.py; README.md's first paragraph says the
same)."""


@dataclass(frozen=True)
class DiagnosisText:
    """One diagnosis: its words, and what they claim, as data.

    ``claims`` name predicates in `lab.board.claims.CLAIMS` that must hold on the board
    the words are shown for (tests/unit/test_board.py checks them over random
    states); ``try_next`` names hints in `HINTS`, in order of preference: the
    first one possible in the state is shown (`lab.board.hints.HINT_RULES`).
    """

    level: str  # success | info | warning | error
    title: str
    body: str
    try_next: tuple[str, ...]
    claims: tuple[str, ...] = ()


DIAGNOSES: Mapping[str, DiagnosisText] = MappingProxyType(
    {
        "ok": DiagnosisText(
            "success",
            "Normalization doing its job",
            "The focused {set} had std {raw_std}; after {family} it has mean "
            "{out_mean} and std {out_std}: β = {beta} and |γ| = {gamma_abs}, as "
            "the recipe promises.",
            ("tiny_scenario", "to_rms", "groups_to_one", "groups_up"),
            ("out_mean_is_beta", "out_std_is_gamma"),
        ),
        "rms_ok": DiagnosisText(
            "success",
            "RMSNorm doing its job",
            "Example {row} had RMS {raw_rms}; after RMSNorm its RMS is {row_rms} = "
            "|γ| = {gamma_abs}. Its mean was small to begin with ({raw_row_mean} "
            "before, {row_mean} after): RMSNorm rescales it but does not remove it.",
            ("more_offset", "to_layer_mean"),
            ("row_rms_is_gamma", "row_mean_small", "row_mean_rescaled"),
        ),
        "eval_ok": DiagnosisText(
            "success",
            "Eval mode: running statistics do the work",
            "BatchNorm normalizes with estimates from training, so each example's "
            "output no longer depends on its batch-mates. The focused column comes "
            "out with mean {out_mean} and std {out_std}: close to β = {beta} and "
            "|γ| = {gamma_abs}, not exactly, because the estimates come from other "
            "batches.",
            ("drag_stale", "to_train_batch"),
            ("not_coupled", "eval_close", "eval_not_exact"),
        ),
        "eval_exact": DiagnosisText(
            "success",
            "Eval mode: running statistics do the work",
            "BatchNorm normalizes with estimates from training, so each example's "
            "output no longer depends on its batch-mates. The focused column comes "
            "out with mean {out_mean} and std {out_std}: β and |γ| to three "
            "decimals, by luck, since the estimates come from other batches.",
            ("drag_stale", "to_train_batch"),
            ("not_coupled", "eval_close", "out_mean_is_beta", "out_std_is_gamma"),
        ),
        "eval_off": DiagnosisText(
            "warning",
            "Eval mode: this batch does not look like the training data",
            "BatchNorm normalizes with estimates from training. The focused column "
            "comes out with mean {out_mean} and std {out_std}, far from β = {beta} "
            "and |γ| = {gamma_abs}: the estimates describe the training batches, "
            "not these {batch} examples{outlier_clause}.",
            ("to_train_batch",),
            ("not_coupled", "eval_far"),
        ),
        "eval_one": DiagnosisText(
            "success",
            "Serving one example: running statistics do the work",
            "BatchNorm normalizes with estimates from training, so one example "
            "needs no batch-mates. Its column holds one value, so there is no "
            "spread to compare (std {out_std}): the focused cell, {x_focus} raw, "
            "comes out as γ·(x − μ̂)/σ̂ + β = {y_focus}, with μ̂ = {stat_mean} and "
            "σ̂ = {stat_std} from training.",
            ("drag_stale", "to_train_one"),
            ("not_coupled", "batch_is_one", "out_std_zero", "focus_from_running"),
        ),
        "batch_of_one": DiagnosisText(
            "error",
            "Batch of one: BatchNorm's output collapses to β",
            "Each column holds one value, so its mean is that value and x − μ = 0: "
            "every output is β = {beta}, whatever the input. torch.nn refuses this "
            "input in training ('Expected more than 1 value per channel').",
            ("to_eval_one_or_layer", "to_eval_one"),
            ("all_beta",),
        ),
        "features_of_one": DiagnosisText(
            "error",
            "One feature: nothing to pool across the row",
            "LayerNorm pools across an example's features, and there is only one: "
            "x − μ = 0, so every output is β = {beta}, whatever the input.",
            ("features_up",),
            ("all_beta",),
        ),
        "features_of_one_rms": DiagnosisText(
            "error",
            "One feature: nothing to pool across the row",
            "RMSNorm pools across an example's features, and there is only one: "
            "each output is γ·x/√(x² + ε), which keeps little more than the input's "
            "sign.",
            ("features_up",),
            ("rms_sign_only",),
        ),
        "group_of_one": DiagnosisText(
            "error",
            "One feature per group: every output is β",
            "{features} features in G = {groups} groups leave one value per group "
            "and example, so x − μ = 0 and every output is β = {beta}.",
            ("groups_down", "features_up_group"),
            ("all_beta", "one_per_group"),
        ),
        "gamma_zero": DiagnosisText(
            "warning",
            "γ = 0: every output is β",
            "γ multiplies every normalized value, so with γ = 0 the input is erased "
            "and every output is β = {beta}.",
            ("gamma_one",),
            ("all_beta",),
        ),
        "stale": DiagnosisText(
            "warning",
            "Eval with stale running statistics",
            "Each feature's mean moved by {stale} times its own scale since training, "
            "and the running statistics did not follow. So every output in a "
            "column moved by the same amount, {moved} in the focused column, and "
            "nothing in eval mode corrects it.",
            ("to_train_stale", "stale_to_zero"),
            ("stale_moves_columns",),
        ),
        "outlier": DiagnosisText(
            "warning",
            "One outlier example dominates the batch statistics",
            "Example {outlier_row} accounts for {share} of the focused column's "
            "variance, so the other {others} examples are squeezed into a "
            "std of {others_std} around {others_mean}, where the whole column has "
            "std {out_std}.",
            ("to_layer_outlier", "outlier_down"),
            ("outlier_share", "others_squeezed"),
        ),
        "mixed_scale": DiagnosisText(
            "warning",
            "The largest example sets the statistics",
            "Example {big} accounts for {share} of the focused column's variance, "
            "so the other {others} come out close to β: their root-mean-square "
            "distance from β is {others_rms}, where the whole column has std "
            "{out_std}.",
            ("to_layer_mixed", "spread_down", "batch_up", "seed"),
            ("largest_share", "others_near_beta"),
        ),
        "tiny_batch": DiagnosisText(
            "warning",
            "Batch too small: the statistics are noisy",
            "Each column's mean comes from {batch} examples, so from batch to batch "
            "it wanders by about σ/√{batch} = {noise}·σ, σ being the feature's "
            "spread. The output still has mean {out_mean} and std {out_std} (β and "
            "|γ|), but which values each example gets depends on its batch-mates.",
            ("batch_up_one",),
            ("out_mean_is_beta", "out_std_is_gamma", "coupled", "noise_printed"),
        ),
        "rms_mean": DiagnosisText(
            "info",
            "RMSNorm keeps the row mean",
            "RMSNorm divides by the root mean square without subtracting the mean, "
            "so example {row}'s outputs average {row_mean}, not 0. Its RMS is "
            "{row_rms} = |γ|.",
            ("to_layer_speed",),
            ("row_mean_nonzero", "row_rms_is_gamma"),
        ),
        "eps_dominates": DiagnosisText(
            "warning",
            "ε, not the data, sets the scale",
            "The focused {set}'s {stat_word} is {var}, below ε = {eps}, so the "
            "output {out_word} is only {out_scale} instead of |γ| = {gamma_abs}.",
            ("eps_smaller", "other_set", "seed"),
            ("var_below_eps", "out_scale_short"),
        ),
        "eps_shrinks": DiagnosisText(
            "info",
            "ε visibly shrinks the output",
            "The focused {set}'s {stat_word} is {var}, and ε = {eps} is added to it "
            "under the square root, so the output {out_word} is {out_scale}, short "
            "of |γ| = {gamma_abs}.",
            ("eps_smaller", "other_set", "seed"),
            ("var_not_below_eps", "out_scale_short", "out_scale_formula"),
        ),
        "nonfinite": DiagnosisText(
            "error",
            "NaN or infinity in the input",
            "A non-finite value spreads to every cell that shares its statistic.",
            ("fix_input",),
        ),
    }
)

HINTS: Mapping[str, str] = MappingProxyType(
    {
        "tiny_scenario": "Pick the 'Tiny batch' scenario: the same recipe with only "
        "4 examples per column.",
        "to_rms": "Switch to RMSNorm: the same row and the same scale, but the row "
        "mean stays.",
        "groups_to_one": "Slide Groups to 1: GroupNorm becomes LayerNorm.",
        "groups_up": "Slide Groups up: each example's row splits into groups, each "
        "with its own statistics.",
        "more_offset": "Drag Per-example offset up: RMSNorm keeps each example's "
        "offset, LayerNorm removes it.",
        "to_layer_mean": "Switch to LayerNorm: it subtracts each example's mean, "
        "which RMSNorm keeps.",
        "to_layer_speed": "Switch to LayerNorm: it subtracts the mean first. RMSNorm "
        "drops that step to save computation; Zhang & Sennrich (2019) report "
        "comparable results without it.",
        "drag_stale": "Drag 'Shift since training' up: the data move after "
        "training, and the running statistics do not follow.",
        "to_train_batch": "Switch Mode to train: this batch's own statistics "
        "standardize every column.",
        "to_train_one": "Switch Mode to train: with one example, the batch "
        "statistics collapse every output to β.",
        "to_eval_one_or_layer": "Switch Mode to eval: the running statistics serve "
        "one example. Or pick LayerNorm, which never looks at other examples.",
        "to_eval_one": "Switch Mode to eval: the running statistics serve one example.",
        "features_up": "Drag Features up.",
        "groups_down": "Lower the number of groups; G = 1 is LayerNorm.",
        "features_up_group": "Drag Features up: with more features than groups, "
        "each group holds several.",
        "gamma_one": "Drag γ away from 0 (1 is where training starts).",
        "to_train_stale": "Switch Mode to train: the batch's own means absorb the "
        "shift. In practice, re-estimate the running statistics on new data.",
        "stale_to_zero": "Drag 'Shift since training' back to 0. In practice, "
        "re-estimate the running statistics on new data.",
        "to_layer_outlier": "Switch to LayerNorm: each example is normalized by its "
        "own statistics and the outlier affects only itself.",
        "outlier_down": "Drag 'Outlier example' back to 1.",
        "to_layer_mixed": "Switch to LayerNorm or RMSNorm: each example is "
        "normalized by its own scale, whatever the others'.",
        "spread_down": "Drag 'Per-example scale spread' down: with examples of "
        "similar size, no single one dominates.",
        "batch_up": "Drag Batch size up: with more examples, one is less likely to "
        "dominate.",
        "batch_up_one": "Drag Batch size up one step: example {row}'s input stays "
        "the same, yet its outputs move, because it has a new batch-mate.",
        "eps_smaller": "Pick ε = {eps_suggest} or smaller: far below the "
        "{stat_word}, it no longer matters.",
        "other_set": "Its values are nearly equal, too close for any ε on the "
        "slider: click a cell in another {set}.",
        "seed": "Change the seed: another draw from the same distribution.",
        "fix_input": "Fix the input.",
    }
)

TITLE = "Normalization Lab"
