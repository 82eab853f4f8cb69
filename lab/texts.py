"""Teaching copy, kept as data: cheat sheets, formulas, explanations, diagnoses.

Short, exact, friendly. Claims that come from papers name them. Pages format
these; they do not write their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class CheatSheet:
    why: str
    where: str
    choose_when: str
    watch_out: str


CHEAT_SHEETS: Mapping[str, CheatSheet] = MappingProxyType(
    {
        "batch": CheatSheet(
            why="Introduced by Ioffe & Szegedy (2015) so deep CNNs train with higher "
            "learning rates and less careful initialization. Their explanation, "
            "'internal covariate shift', was later challenged: Santurkar et al. "
            "(2018) show the gain comes from a smoother loss landscape.",
            where="Convolutional networks for vision (ResNet, EfficientNet), after a "
            "convolution and before the nonlinearity.",
            choose_when="Batches are large (16–32+ examples per device), examples are "
            "independent, and inference can use fixed running statistics.",
            watch_out="Small batches (noisy statistics); a batch of one in training; "
            "forgetting `model.eval()`; running statistics gone stale after the data "
            "shift; padding pooled with real tokens; a batch split across GPUs "
            "without SyncBatchNorm.",
        ),
        "layer": CheatSheet(
            why="Ba et al. (2016): normalize each example over its own features, so it "
            "works at any batch size, in recurrent networks, and identically in "
            "training and inference.",
            where="Every transformer (GPT, BERT, ViT) and most RNNs.",
            choose_when="Variable-length sequences, batch size 1 at serving time, "
            "small batches, recurrent models.",
            watch_out="It normalizes the trailing dimensions you name: "
            "`nn.LayerNorm(C)` expects channels last. It removes every example's mean "
            "and scale, even when they carried information. Deep post-norm "
            "transformers need learning-rate warm-up; pre-norm does not (Xiong et "
            "al. 2020).",
        ),
        "rms": CheatSheet(
            why="Zhang & Sennrich (2019): drop LayerNorm's mean subtraction and keep "
            "only the re-scaling. Most of the benefit, less computation.",
            where="LLaMA, Mistral, Gemma and most recent large language models; T5 "
            "uses the same idea.",
            choose_when="Large transformers where the norm's cost shows, usually in "
            "pre-norm position.",
            watch_out="Each example's mean is kept, not removed. ε conventions "
            "differ: `torch.nn.RMSNorm` defaults to the dtype's machine epsilon "
            "(1.19e-7 in float32), Hugging Face's Llama to 1e-6. There is no β.",
        ),
        "group": CheatSheet(
            why="Wu & He (2018): BatchNorm's error grows quickly as batches shrink; "
            "GroupNorm normalizes each example over groups of channels, so it does "
            "not depend on the batch at all.",
            where="Detection and segmentation with 1–2 images per GPU (Mask R-CNN), "
            "diffusion U-Nets.",
            choose_when="Per-device batches are tiny, images are large, or batch "
            "statistics are otherwise unreliable.",
            watch_out="G must divide C (the paper uses 32). G = 1 pools a whole "
            "example, like LayerNorm over (C, H, W); G = C is InstanceNorm. Without "
            "spatial positions, one channel per group leaves one value per statistic.",
        ),
        "instance": CheatSheet(
            why="Ulyanov et al. (2016): normalize every channel of every example on "
            "its own, which removes each image's contrast — what style transfer "
            "wants.",
            where="Style transfer and image-to-image generators.",
            choose_when="Per-image, per-channel statistics are nuisance to remove.",
            watch_out="It needs spatial positions: on a vector each statistic pools "
            "one value. torch's default has no γ/β (`affine=False`) and no running "
            "statistics.",
        ),
    }
)

FORMULAS: Mapping[str, str] = MappingProxyType(
    {
        "batch": r"""\begin{aligned}
\mu_c &= \tfrac{1}{N}\textstyle\sum_{n} x_{n,c} \\
\sigma_c^2 &= \tfrac{1}{N}\textstyle\sum_{n}(x_{n,c}-\mu_c)^2 \\
y_{n,c} &= \gamma\,\dfrac{x_{n,c}-\mu_c}{\sqrt{\sigma_c^2+\epsilon}} + \beta
\end{aligned}""",
        "batch_eval": r"""\begin{aligned}
y_{n,c} &= \gamma\,\dfrac{x_{n,c}-\hat\mu_c}{\sqrt{\hat\sigma_c^2+\epsilon}} + \beta \\
\hat\mu_c &\leftarrow (1-m)\,\hat\mu_c + m\,\mu_c \\
\hat\sigma_c^2 &\leftarrow (1-m)\,\hat\sigma_c^2 + m\,\tfrac{N}{N-1}\,\sigma_c^2
\end{aligned}""",
        "layer": r"""\begin{aligned}
\mu_n &= \tfrac{1}{C}\textstyle\sum_{c} x_{n,c} \\
\sigma_n^2 &= \tfrac{1}{C}\textstyle\sum_{c}(x_{n,c}-\mu_n)^2 \\
y_{n,c} &= \gamma\,\dfrac{x_{n,c}-\mu_n}{\sqrt{\sigma_n^2+\epsilon}} + \beta
\end{aligned}""",
        "rms": r"""\begin{aligned}
\mathrm{RMS}_n &= \sqrt{\tfrac{1}{C}\textstyle\sum_{c} x_{n,c}^2 + \epsilon} \\
y_{n,c} &= \gamma\,\dfrac{x_{n,c}}{\mathrm{RMS}_n}
\end{aligned}""",
        "group": r"""\begin{aligned}
\mu_{n,g} &= \tfrac{1}{|g|}\textstyle\sum_{c\in g} x_{n,c} \\
\sigma_{n,g}^2 &= \tfrac{1}{|g|}\textstyle\sum_{c\in g}(x_{n,c}-\mu_{n,g})^2 \\
y_{n,c} &= \gamma\,\dfrac{x_{n,c}-\mu_{n,g}}{\sqrt{\sigma_{n,g}^2+\epsilon}} + \beta
\end{aligned}""",
        "instance": r"""\begin{aligned}
\mu_{n,c} &= \tfrac{1}{HW}\textstyle\sum_{h,w} x_{n,c,h,w} \\
\sigma_{n,c}^2 &= \tfrac{1}{HW}\textstyle\sum_{h,w}(x_{n,c,h,w}-\mu_{n,c})^2 \\
y_{n,c,h,w} &= \gamma\,\dfrac{x_{n,c,h,w}-\mu_{n,c}}
    {\sqrt{\sigma_{n,c}^2+\epsilon}} + \beta
\end{aligned}""",
    }
)

AXIS_SENTENCE: Mapping[str, str] = MappingProxyType(
    {
        "batch": "one statistic per **feature**, pooled down the column over every "
        "example in the batch",
        "layer": "one statistic per **example**, pooled across its row of features",
        "rms": "one RMS per **example**, pooled across its row, with no mean",
        "group": "one statistic per **example and group**, pooled over the group's "
        "features",
        "instance": "one statistic per **example and channel**, pooled over positions",
    }
)

SET_NAME: Mapping[str, str] = MappingProxyType(
    {
        "batch": "column",
        "layer": "row",
        "rms": "row",
        "group": "group",
        "instance": "channel",
    }
)

COUPLING = """**Batch coupling.** BatchNorm pools each feature's statistics over every
example in the batch, so an example's output depends on which other examples it
was batched with. In training that noise acts as a mild regularizer (Ioffe &
Szegedy 2015); elsewhere it bites. With one example there is nothing to pool;
with padding, the padding is pooled too; split over several GPUs, each device
pools only its own shard unless SyncBatchNorm combines the statistics. LayerNorm,
RMSNorm and GroupNorm pool inside one example: its output is the same in any
batch."""

TRAIN_EVAL = """**Train vs eval.** In training, BatchNorm normalizes with the batch's
own mean and (biased) variance, and updates running estimates with momentum
m = 0.1: μ̂ ← (1 − m)·μ̂ + m·μ, σ̂² ← (1 − m)·σ̂² + m·σ²·N/(N − 1) (the unbiased
variance). After `model.eval()` it normalizes with μ̂ and σ̂² instead: outputs no
longer depend on the batch, and a batch of one is fine, as long as the data still
look like the training data. LayerNorm, RMSNorm and GroupNorm keep no running
statistics: train and eval are the same computation."""

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
