"""Teaching copy of the Train vs eval page: control help, scenarios, section text,
the pitfalls, the side panel and its formulas.

Short, exact, friendly. Strings with ``{}`` fields are filled with numbers the
engine or the classifier computed, never with text from a URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

TITLE = "Train vs eval"

INTRO = (
    "In training, BatchNorm normalizes every batch with **that batch's own** mean "
    "and variance and keeps running averages of them; after `model.eval()` it "
    "normalizes with **the running averages** instead (Ioffe & Szegedy 2015). "
    "When the two disagree, the model you measured is not the model you serve. "
    "Feed a drifting stream of batches to a BatchNorm layer, compare the two modes "
    "on the same input, and measure what the difference costs a small classifier "
    "trained on this page."
)

HELP: Mapping[str, str] = MappingProxyType(
    {
        "scenario": "Teaching scenarios: one click sets the controls.",
        "norm": "The family in the train/eval panels. LayerNorm and RMSNorm keep "
        "no running statistics: their train and eval modes are one computation.",
        "batch": "Examples per batch in the stream. BatchNorm pools each feature "
        "over them. 1 is allowed, to see why torch refuses it in training.",
        "features": "Features per example (columns).",
        "momentum": "How fast the running statistics follow the batches: "
        "running ← (1 − m)·running + m·batch statistic. torch's default is 0.1. "
        "None: a cumulative average, m = 1/t at step t.",
        "shift": "How far each feature's mean moves over the stream, in units of "
        "that feature's starting standard deviation.",
        "scale": "Each feature's standard deviation is multiplied by this once "
        "the drift is complete (1 = no change).",
        "pattern": "Ramp: the drift happens gradually, between batch 50 and batch "
        "150. Jump: all at once, at batch 101.",
        "seed": "Random seed of the stream. Same seed, same batches.",
        "step": "How many batches the layer has been trained on. The panels "
        "below show the next batch, which it has not seen.",
        "pick_n": "The focused example: the row served alone below.",
        "pick_f": "The focused feature: the one traced in the chart above.",
        "pitfall": "Which pitfall to measure on the classifier.",
        "metric": "Accuracy: the fraction classified correctly. AUC: the chance "
        "that a random positive scores above a random negative; 0.5 is chance, "
        "and also what a model that returns one constant gets.",
        "cshift": "How far the test inputs move after training, in standard "
        "deviations of the data (a translation; the labels stay the same).",
        "cseed": "Seed of the classifier's data, initialization and batches. "
        "Same seed, same model, same numbers.",
    }
)

PATTERN_LABELS: Mapping[str, str] = MappingProxyType({"ramp": "Ramp", "jump": "Jump"})

SCENARIO_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "drift": (
            "Gradual drift",
            "Between batch 50 and 150 each feature's mean moves by 2 of its "
            "standard deviations and its spread grows 1.5×. With momentum 0.1 the "
            "running mean trails a steady drift by (1 − m)/m = 9 batches. Press "
            "Play and watch it chase.",
        ),
        "jump": (
            "Sudden shift: stale statistics",
            "At batch 101 every feature's mean jumps by 3 standard deviations. "
            "Three batches later the running mean has covered only 1 − 0.9³ ≈ 27% "
            "of the jump, so eval mode normalizes the new data with stale "
            "statistics: its outputs are far from mean 0 and std 1.",
        ),
        "cumulative": (
            "momentum=None: a cumulative average",
            "Batch t gets weight 1/t, so every batch counts equally, forever. By "
            "the end of the stream the running mean sits near the average of the "
            "whole history, not where the data are now.",
        ),
        "fast": (
            "momentum=1: only the last batch",
            "The running statistics are the last batch's mean and unbiased "
            "variance, from only 4 examples. Eval outputs jump from step to step "
            "with whichever batch came last.",
        ),
        "tiny": (
            "Batches of two",
            "With N = 2 the biased variance divides by 2 and the unbiased by 1: "
            "running_var is fed twice the variance each batch was normalized with. "
            "In train mode every output is ±1 (with γ = 1, β = 0).",
        ),
        "one": (
            "Batches of one",
            "One example is its own mean: in train mode every output is β, and "
            "torch refuses to train ('Expected more than 1 value per channel when "
            "training'). The running statistics never leave mean 0, variance 1.",
        ),
        "layer": (
            "LayerNorm: no running statistics",
            "The same sudden shift through LayerNorm: each example is normalized "
            "with its own statistics in both modes, so train and eval agree "
            "exactly, and an example served alone gets the output it gets in a "
            "batch.",
        ),
        "finetune": (
            "Fine-tuning: frozen vs updating",
            "Fine-tune the classifier on 32 shifted examples with BatchNorm "
            "updating or frozen, and see what each does to the new data and to "
            "the old.",
        ),
        "dropout": (
            "Dropout before BatchNorm",
            "Dropout changes the variance BatchNorm learns in training but not "
            "the one it meets in eval (Li et al. 2019): measured on a batch and "
            "on the classifier, with dropout after BatchNorm as the control.",
        ),
    }
)

# ---- the stream ----

STREAM_TITLE = "Running statistics follow the stream"
STREAM_CAPTION = (
    "Dots: each training batch's own mean and (biased) variance, which normalize "
    "that batch in train mode. Line: the running estimates, which normalize "
    "everything in eval mode. Dashed: the distribution the batches are drawn "
    "from. Shaded or ruled: where the drift happens."
)
STREAM_NOT_BN = (
    "{name} keeps no running statistics, so there is nothing of its own to trace: "
    "the chart shows what a BatchNorm layer fed the same stream would keep."
)
STREAM_ONE = (
    "Batches of one: the running statistics stay at mean 0, variance 1. torch "
    "refuses to train on them, and the engine leaves the estimates unchanged, "
    "because the unbiased variance of one value is undefined (0/0)."
)
TORCH_CHECK = (
    "Checked against `torch.nn.BatchNorm1d({features}, momentum={momentum})` fed "
    "the same {steps} batches: its running_mean and running_var differ from this "
    "trace by at most {diff} (float32 rounding)."
)
TORCH_CHECK_ONE = (
    "`torch.nn.BatchNorm1d` raises on batches of one in training, so there is "
    "no torch trace to compare with."
)
PLAYING = "Playing: {rate} batches a second, stops at step {end}."

# ---- train vs eval ----

COMPARE_TITLE = "The same batch in train mode and eval mode"
COMPARE_INTRO = (
    "Batch {next}, the next one in the stream, which the running statistics "
    "have not seen. Train mode normalizes it with its own statistics; eval mode "
    "with the running estimates after {step} batches. Click any cell to focus "
    "it (outlined: the cells that share its statistics in train mode)."
)
COMPARE_FRESH = (
    "Step 0: the layer has seen no batch, so eval mode uses a fresh layer's "
    "running mean 0 and variance 1 and barely changes the input."
)
SAME_EXACTLY = (
    "{name}: eval − train is exactly 0 everywhere. Each example is normalized "
    "with its own statistics in both modes; `model.eval()` changes nothing."
)

FAMILIES_CAPTION = (
    "The same batch through all three families. Difference: the largest "
    "|eval − train| over the batch. Served alone: the largest |output served as "
    "a batch of one in train mode − eval output|."
)

# ---- serving one example ----

SERVE_TITLE = "Serving one example at a time"
SERVE_INTRO = (
    "Example {n} of that batch, served on its own (batch size 1), next to its "
    "output inside the batch."
)
SERVE_BN = (
    "**Train mode, alone:** the example is its own batch, so μ = x and σ² = 0: "
    "every output is x − μ = 0, scaled by γ and shifted by β, i.e. β = 0 here. "
    "torch refuses to run it: *Expected more than 1 value per channel when "
    "training*. (BatchNorm2d on a feature map does not refuse: it pools over "
    "the positions instead, silently.) **Eval mode** needs no batch-mates: alone "
    "or in a batch, the same output."
)
SERVE_OTHER = (
    "{name} normalizes each example with its own statistics: alone or in a "
    "batch, train or eval, the output is the same."
)

# ---- biased vs unbiased ----

VAR_TITLE = "Biased variance to normalize, unbiased in running_var"
# The two variances, σ²_B = (1/N)Σ(x − μ)² and s²_B = (1/(N − 1))Σ(x − μ)², as
# HTML (a panel, lab/ui/panel.py, has no TeX): constant markup.
_FRAC = '<span class="normlab-frac"><span>{}</span><span>{}</span></span>'
VAR_FORMULA = (
    "σ<sup>2</sup><sub>B</sub> = "
    + _FRAC.format("1", "N")
    + " Σ<sub>n</sub> (x<sub>n</sub> − μ<sub>B</sub>)<sup>2</sup>"
    + '<span class="normlab-gap"></span>'
    + "s<sup>2</sup><sub>B</sub> = "
    + _FRAC.format("1", "N − 1")
    + " Σ<sub>n</sub> (x<sub>n</sub> − μ<sub>B</sub>)<sup>2</sup> = "
    + _FRAC.format("N", "N − 1")
    + " σ<sup>2</sup><sub>B</sub>"
)
VAR_BODY = (
    "Batch {step}, feature {f}: N = {n}, μ = {mean}, Σ(x − μ)² = {ss}.\n\n"
    "- **Normalizes the batch** (train mode): σ² = Σ/N = **{biased}**\n"
    "- **Goes into running_var**: s² = Σ/(N − 1) = **{unbiased}**, "
    "{ratio}× as large\n"
    "- running_var ← (1 − {m})·{before} + {m}·{unbiased} = **{after}**\n"
    "- running_mean ← (1 − {m})·{mbefore} + {m}·{mean} = **{mafter}**"
)
VAR_CUMULATIVE = (
    "momentum=None: m = 1/num_batches_tracked = 1/{nbt}, so batch {step} weighs "
    "as much as every earlier batch."
)
VAR_WHY = (
    "Why two variances: σ² is the exact spread of the batch being normalized; "
    "the running estimate should estimate the *population's* variance, and σ² "
    "from N samples underestimates it by the factor (N − 1)/N. torch uses s² "
    "for the running estimate (as in Ioffe & Szegedy 2015, Algorithm 2); small "
    "batches show the gap best."
)
VAR_NONE = "Step 0: no batch has been fed yet. Step forward to see an update."
VAR_ONE = (
    "Batch {step}, feature {f}: N = 1, so σ² = 0 and s² = 0/0 is undefined. "
    "torch raises; running_var stays {before}."
)

# ---- the classifier ----

CLASSIFIER_TITLE = "What it costs a classifier"
CLASSIFIER_INTRO = (
    "A small MLP, 2 → 32 → 32 → 1 with BatchNorm and ReLU after each hidden "
    "layer, trained on this page: 1,024 two-moons examples, 400 steps of Adam "
    "(batches of 64, learning rate 0.01) from seed {seed}. LayerNorm and RMSNorm "
    "twins are trained the same way. Every score is measured on 1,024 held-out "
    "examples; the runs are shared by everyone using this server."
)
PITFALL_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "eval": "Forgot model.eval()",
        "stale": "Stale statistics",
        "finetune": "Fine-tuning",
        "dropout": "Dropout before BN",
    }
)
METRIC_LABELS: Mapping[str, str] = MappingProxyType(
    {"accuracy": "Accuracy", "auc": "AUC"}
)
TRAINING = "Training the classifiers (once for everyone; repeatable from the seed)…"
MEASURING = "Measuring…"
PROGRESS: Mapping[str, str] = MappingProxyType(
    {"training": TRAINING, "measuring": MEASURING, "fine-tuning": MEASURING}
)
"""What a run's progress reports mean on screen; other words (a worker's place in
the queue: "Queued: 2 runs ahead of yours…") are shown as they are."""

EVAL_BODY = (
    "Served **one example at a time in train mode**, the BatchNorm model scores "
    "**{one}**: every BatchNorm output is β, so every input gets the same "
    "prediction. torch does not even run it: *{error}*. In batches of 8 it "
    "scores {eight}, in batches of 64 {sixtyfour}. In **eval mode** it scores "
    "**{eval}** at every batch size. LayerNorm and RMSNorm score the same in "
    "both modes ({layer} and {rms}): they have nothing to switch."
)
EVAL_SORTED = (
    "And when each serving batch holds one class only (batches of 64, sorted by "
    "label), train mode scores {sorted}: subtracting the batch's mean subtracts "
    "what the examples have in common, here their class."
)
EVAL_NO_ERROR = "torch ran it"

STALE_BODY = (
    "Test inputs moved by **{shift}** standard deviations after training. With "
    "the statistics from training (eval mode), the BatchNorm model scores "
    "**{stale}**. Re-estimating the statistics on {adapt} unlabelled shifted "
    "inputs, with no labels and no gradient step (Li et al. 2016, AdaBN), gives "
    "**{recal}**; serving in train mode in batches of 256 gives {batch}. The "
    "LayerNorm and RMSNorm models have no statistics to go stale, and none to "
    "re-estimate either: {layer} and {rms}."
)
STALE_CAVEAT = (
    "The shift here moves every input by the same vector. The first layer turns "
    "that into a constant offset per channel, which re-estimated BatchNorm "
    "statistics remove exactly; real shifts are seldom that kind, so expect "
    "re-estimation to recover less."
)
STALE_ZERO = (
    "Shift 0: the test data come from the training distribution, and every "
    "way of serving scores about the same. Move the shift slider."
)

FINETUNE_BODY = (
    "Fine-tuning on {examples} labelled examples of data shifted by **{shift}** "
    "standard deviations, {steps} steps of Adam (learning rate 0.003), at "
    "several batch sizes. Before fine-tuning the model scores {before_new} on "
    "the new data and {before_old} on the old. "
    "**Updating** (`model.train()`): BatchNorm normalizes each small batch with "
    "its own statistics and moves its running statistics to the new data. "
    "**Frozen**: statistics and γ/β stay fixed, as torchvision's "
    "`FrozenBatchNorm2d` does in detection models, and only the other weights "
    "learn."
)
FINETUNE_RESULT = (
    "At batch size {batch}: updating scores **{up_new}** on the new data and "
    "**{up_old}** on the old; frozen **{fr_new}** and **{fr_old}**. Re-estimating "
    "the statistics on the 32 inputs alone, with no training: {re_new} and "
    "{re_old}."
)
FINETUNE_VERDICT_UPDATE = (
    "Here updating adapts better to the new data, and pays for it on the old: "
    "the running statistics now describe the new data only."
)
FINETUNE_VERDICT_FROZEN = (
    "Here frozen BatchNorm does better on the new data too: statistics from "
    "{batch}-example batches are too noisy to learn from."
)
FINETUNE_VERDICT_TIE = (
    "Here both do about as well on the new data ({gap} apart); the old data "
    "tell them apart."
)
FINETUNE_SMALLEST = (
    "Smaller fine-tuning batches make updating BatchNorm noisier: at batch size "
    "{small} it scores {small_new} on the new data, at {large} {large_new}."
)

DROPOUT_SHIFT = (
    "In training, dropout at rate p zeroes each unit with probability p and "
    "scales the rest by 1/(1 − p): the mean stays, the variance grows, and "
    "BatchNorm learns the grown one. In eval dropout is off and BatchNorm "
    "divides a smaller variance by it: Li et al. (2019) call it *variance "
    "shift*. On a batch of {rows} activations with their own means, at "
    "p = {p}, the variance in eval is **{ratio}×** the one BatchNorm "
    "normalizes with in training (the formula: {predicted}; 1 − p = {one}), so "
    "BatchNorm's eval outputs have a standard deviation of {std}, not 1."
)
DROPOUT_RESULT = (
    "The classifier with dropout **before** each BatchNorm scores **{before}** "
    "in eval mode at p = {p}; with dropout **after** the last BatchNorm, the "
    "placement Li et al. recommend, **{after}**; without dropout both score "
    "{zero}. In eval, the before-model's second BatchNorm meets {ratio2}× the "
    "variance it learned, the control's {ratio_after}×."
)
DROPOUT_REESTIMATED = (
    "Re-estimating the before-model's statistics with dropout off, without "
    "training (`reset_running_stats()`, `momentum=None`, forward passes), gives "
    "{re}: {part} of the gap between the two placements at p = {p}."
)
DROPOUT_NO_GAP = (
    "Re-estimating the before-model's statistics with dropout off gives {re}; "
    "at p = {p} this seed shows no gap between the placements to close."
)
DROPOUT_CHECK = (
    "The batch: {rows} × {features} activations, masks drawn from seed {seed}; "
    "the same numbers come out of `nn.Dropout` and `nn.BatchNorm1d` in float32 "
    "and float64 (tests/unit/train_eval/test_dropout.py)."
)

# ---- side panel ----

SIDE_WHAT = (
    "**What this page shows.** BatchNorm is two layers in one. In training it "
    "normalizes with the batch's own statistics and updates running estimates; "
    "in eval it normalizes with those estimates, the same for every input. The "
    "stream above shows how the estimates follow drifting data; the panels "
    "below it show the same batch through both modes."
)
SIDE_WHY = (
    "**Why it matters.** Forgetting `model.eval()`, serving one example at a "
    "time, data that drifted since training, fine-tuning on a few examples: "
    "each makes the model you serve differ from the model you measured. "
    "LayerNorm (Ba et al. 2016) and RMSNorm (Zhang & Sennrich 2019), like "
    "GroupNorm (Wu & He 2018), compute the same thing in both modes."
)
FORMULA_TRAIN = (
    r"\text{train: }\; y=\gamma\,\frac{x-\mu_B}{\sqrt{\sigma_B^2+\epsilon}}+\beta"
)
FORMULA_EVAL = (
    r"\text{eval: }\; y=\gamma\,\frac{x-\hat\mu}{\sqrt{\hat\sigma^2+\epsilon}}+\beta"
)
FORMULA_UPDATE = r"""\begin{aligned}
\hat\mu &\leftarrow (1-m)\,\hat\mu + m\,\mu_B \\
\hat\sigma^2 &\leftarrow (1-m)\,\hat\sigma^2 + m\,\tfrac{N}{N-1}\,\sigma_B^2
\end{aligned}"""
FORMULA_NOTE = (
    "μ̂, σ̂²: running_mean, running_var. m: momentum; momentum=None makes it 1/t "
    "at step t, a cumulative average."
)

MOMENTUM_TAB = (
    "The running mean is an exponential moving average. After a change in the "
    "data, k batches cover 1 − (1 − m)^k of it: with m = 0.1, 65% after 10 "
    "batches and 88% after 20; a steady drift is trailed by (1 − m)/m = 9 "
    "batches. momentum=None weighs all t batches equally (m = 1/t): it never "
    "forgets, so after a shift it heads for the long-run average, not the new "
    "data.\n\n"
    "torch's momentum is the weight of the **new** value; Keras' is the weight "
    "of the old one (its default 0.99 is torch's 0.01)."
)
CHECKLIST_TAB = (
    "- Call `model.eval()` before validating or serving and `model.train()` "
    "before training; `assert not model.training` where it matters.\n"
    "- `torch.no_grad()` does not switch modes: it only stops gradients.\n"
    "- Data drifted since training? Re-estimate BatchNorm's statistics on "
    "recent unlabelled data: `reset_running_stats()`, `momentum=None`, forward "
    "passes in train mode under `no_grad` (Li et al. 2016).\n"
    "- Fine-tuning with small batches: keep BatchNorm in eval mode with γ/β "
    "frozen, or use GroupNorm. `model.train()` flips every BatchNorm back to "
    "train mode, so re-freeze after each call.\n"
    "- A batch of one in training: BatchNorm1d raises; BatchNorm2d does not, it "
    "pools over positions instead.\n"
    "- Dropout right before a BatchNorm shifts the variance between training "
    "and eval (Li et al. 2019): put dropout after the last BatchNorm."
)
