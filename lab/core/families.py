"""Teaching copy about the families themselves, shared by every page: cheat
sheets, formulas, what each pools over, batch coupling, train vs eval.

Short, exact, friendly. Claims that come from papers name them.
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
            "(2018) give evidence against it and argue the gain comes from a "
            "smoother loss landscape.",
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
            where="BERT, GPT-2, ViT and most transformers before about 2022 (many "
            "recent large language models, such as Llama and Mistral, use RMSNorm "
            "instead), and recurrent networks.",
            choose_when="Variable-length sequences, batch size 1 at serving time, "
            "small batches, recurrent models.",
            watch_out="It normalizes the trailing dimensions you name: "
            "`nn.LayerNorm(C)` expects channels last. It removes every example's mean "
            "and scale, even when they carried information. Post-norm transformers "
            "need learning-rate warm-up; Xiong et al. (2020) show pre-norm ones can "
            "train without it.",
        ),
        "rms": CheatSheet(
            why="Zhang & Sennrich (2019): drop LayerNorm's mean subtraction and keep "
            "only the re-scaling. In their experiments it matched LayerNorm's "
            "results and ran 7–64% faster.",
            where="Llama, Mistral, Gemma and many other recent large language "
            "models; T5 uses the same idea.",
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
was batched with. In training that noise acts as a regularizer, in some cases
replacing Dropout (Ioffe & Szegedy 2015); elsewhere it bites. With one example
there is nothing to pool; with padding, the padding is pooled too; split over
several GPUs, each device pools only its own shard unless SyncBatchNorm combines
the statistics. LayerNorm, RMSNorm and GroupNorm pool inside one example: its
output is the same in any batch."""

TRAIN_EVAL = """**Train vs eval.** In training, BatchNorm normalizes with the batch's
own mean and (biased) variance, and updates running estimates with momentum
m = 0.1: μ̂ ← (1 − m)·μ̂ + m·μ, σ̂² ← (1 − m)·σ̂² + m·σ²·N/(N − 1) (the unbiased
variance). After `model.eval()` it normalizes with μ̂ and σ̂² instead: outputs no
longer depend on the batch, and a batch of one is fine, as long as the data still
look like the training data. LayerNorm, RMSNorm and GroupNorm keep no running
statistics: train and eval are the same computation."""


# Shown in place of a scenario's sentence once a control has moved away from it
# (every page with scenarios: lab.ui.sync.link_note_and_scenario).
SCENARIO_LEFT = (
    "**{title}, changed.** The controls have moved away from this scenario; "
    "pick it again under Scenario to go back to it."
)
