"""Teaching copy of the Batch coupling page: views, scenarios, control help, formulas.

Short, exact, friendly. Claims from papers name them. Numbers in the copy are
filled in from computed results by the page; none is written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

TITLE = "Batch coupling"
INTRO = (
    "Who else is in the room? BatchNorm computes each feature's statistics over "
    "the whole batch, so an example's output depends on its batch-mates. "
    "LayerNorm, RMSNorm and GroupNorm look only inside the example."
)

VIEW_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "spread": "Spread vs batch size",
        "probe": "Coupling probe",
        "oneclass": "One-class batch",
        "ghost": "Ghost batches",
        "devices": "Across devices",
        "accum": "Gradient accumulation",
    }
)


@dataclass(frozen=True)
class ViewText:
    """What a view shows (one line above the chart) and why it matters (side panel)."""

    lead: str
    shows: str
    matters: str
    formula: str
    formula_note: str


VIEWS: Mapping[str, ViewText] = MappingProxyType(
    {
        "spread": ViewText(
            lead="Example {example} stays fixed. Its batch-mates are redrawn "
            "{resamples} times from the same population, at every batch size; the "
            "curve is how much its normalized output wanders.",
            shows="The spread is the root mean square, over features, of the "
            "standard deviation of the fixed example's output across the "
            "resampled batches. BatchNorm's falls like 1/√B; every per-example "
            "family's is exactly zero, because nothing it computes involves "
            "another example.",
            matters="In training, BatchNorm adds noise that depends on the batch "
            "size: a mild regularizer with large batches (Ioffe & Szegedy 2015), a "
            "source of error with small ones (Wu & He 2018 measure it). In eval "
            "mode BatchNorm uses fixed running statistics and the spread is zero "
            "too.",
            formula=r"""\begin{aligned}
\hat y_0 &= \frac{x_0-\mu_B}{\sqrt{\sigma_B^2+\epsilon}} \\
\mu_B &= \frac1B\sum_{n=1}^{B} x_n \\
\operatorname{sd}(\mu_B) &= \frac{\sigma}{\sqrt B}
\end{aligned}""",
            formula_note="μ_B and σ_B are averages over B examples, so their noise, "
            "and with it the output's, falls like 1/√B.",
        ),
        "probe": ViewText(
            lead="Nudge cell (example {example}, feature {feature}): the heatmap is "
            "∂y/∂x of that cell for every output of the batch, from forward-mode "
            "autodiff through the engine. White cells do not move at all.",
            shows="Each cell is ∂y[n, k]/∂x[{example}, {feature}], how far output "
            "(n, k) moves per unit of nudge. The bars are ‖∂y_n/∂x_{example}‖: how "
            "much each example hears example {example} through all its features. "
            "What moves is exactly the nudged cell's normalized set: the column "
            "(BatchNorm), the row (LayerNorm, RMSNorm), the group (GroupNorm).",
            matters="Gradients flow along the same paths. With BatchNorm in "
            "training, the loss of one example sends gradient to every other "
            "example in the batch; that is what makes the batch a unit of "
            "computation, and why eval mode, where only the cell itself moves, "
            "behaves differently.",
            formula=r"""\begin{aligned}
\frac{\partial \hat y_{n}}{\partial x_{i}}
&= \frac{1}{\sqrt{\sigma^2+\epsilon}} \\
&\quad\times\Big(\delta_{ni} - \frac{1}{M} - \frac{\hat y_{n}\,\hat y_{i}}{M}\Big)
\end{aligned}""",
            formula_note="Inside one normalized set of M cells (BatchNorm: M = B "
            "examples of a feature; LayerNorm: M = F features of an example; "
            "GroupNorm: M = F/G). RMSNorm drops the 1/M term; BatchNorm in eval "
            "keeps only δ/√(σ̂² + ε). Outside the set the derivative is exactly 0.",
        ),
        "oneclass": ViewText(
            lead="The same {batch} examples, normalized in a batch that mixes both "
            "classes and in a batch of one class only. Each dot is an example's "
            "class score: positive leans class A, negative class B.",
            shows="The class score is the mean over features of s_f·y_f, where s_f "
            "is the sign of the class difference on feature f. BatchNorm makes "
            "every feature's batch mean zero, so in a one-class batch the class "
            "mean is subtracted and the class score averages exactly zero.",
            matters="BatchNorm assumes the batch is a fair sample of the data. "
            "Batches sorted by class, by sequence length or by source shift the "
            "statistics, and the shift erases whatever the batch has in common; "
            "eval mode, with running statistics, then sees something else. Shuffle "
            "the data, or use a per-example family.",
            formula=r"""\begin{aligned}
&\frac1B\sum_{n=1}^{B}\hat y_{n,f} = 0 \quad\text{for every } f \\
\Rightarrow\; &\frac1B\sum_{n}\underbrace{\tfrac1F\textstyle\sum_f
s_f\,\hat y_{n,f}}_{\text{class score}} = 0
\end{aligned}""",
            formula_note="True for every batch; it only costs something when the "
            "batch's mean is the signal.",
        ),
        "ghost": ViewText(
            lead="The batch of {batch} is cut into {ghosts} ghost batches of "
            "{ghost}; each is normalized with its own statistics (Hoffer et al. "
            "2017, 'Train longer, generalize better').",
            shows="Left: feature {feature}'s mean in each ghost batch (± its "
            "standard deviation) against the whole batch's. Right: the resampling "
            "experiment with the batch cut into ghost batches of every size that "
            "divides it: the noise is that of a batch of the ghost size, however "
            "large the batch.",
            matters="Large-batch training loses some of the regularizing noise of "
            "small batches; ghost batch normalization keeps BatchNorm's statistics "
            "small-batch while the gradient step uses the whole batch.",
            formula=r"""\begin{aligned}
\mu_{g,f} &= \frac{1}{|g|}\sum_{n\in g} x_{n,f} \\
\hat y_{n,f} &= \frac{x_{n,f}-\mu_{g(n),f}}{\sqrt{\sigma_{g(n),f}^2+\epsilon}}
\end{aligned}""",
            formula_note="One (μ, σ) pair per ghost batch and feature: "
            "{pairs} pairs for this batch instead of {features}.",
        ),
        "devices": ViewText(
            lead="The batch of {batch} is split across {devices} devices, as data "
            "parallelism does. Plain BatchNorm normalizes each shard with its own "
            "statistics; SyncBatchNorm combines every device's sums first.",
            shows="Left: feature {feature}'s mean on each device (± its standard "
            "deviation) against the synchronized mean. The table is "
            "SyncBatchNorm's arithmetic for that feature. Right: the resampling "
            "experiment for 1, 2, 4, 8 and 16 devices (and yours), wherever each "
            "device still gets two examples: per-device BatchNorm has the noise of "
            "the shard size, SyncBatchNorm that of the whole batch.",
            matters="A batch of 32 on 8 GPUs is, to plain BatchNorm, eight batches "
            "of 4. Detection and segmentation models with 1–2 images per GPU "
            "either synchronize BatchNorm or switch to GroupNorm (Wu & He 2018).",
            formula=r"""\begin{aligned}
N &= \textstyle\sum_k n_k \\
S &= \textstyle\sum_k \sum_{n \in k} x_n \\
Q &= \textstyle\sum_k \sum_{n \in k} x_n^2 \\
\mu &= S/N,\qquad \sigma^2 = Q/N-\mu^2
\end{aligned}""",
            formula_note="One all-reduce of 2C + 1 numbers per layer. "
            "torch.nn.SyncBatchNorm all-gathers each device's (μ_k, 1/σ_k, n_k) "
            "and combines them with the parallel-variance formula instead, "
            "Σ n_k(σ²_k + (μ_k − μ)²)/N: the same statistics, computed without "
            "subtracting two large numbers.",
        ),
        "accum": ViewText(
            lead="The step's batch of {batch} is accumulated from {ghosts} "
            "micro-batches of {ghost} (the ghost / micro-batch size), each split "
            "over {mdevices} devices, {per_device} per device. SyncBatchNorm "
            "all-reduces every micro-batch on its own: its statistics come from "
            "{ghost} examples, never from the effective {batch}.",
            shows="Left: feature {feature}'s μ ± σ in each micro-batch against "
            "the effective batch's. Right: the resampling experiment, the spread "
            "of that feature's μ over {resamples} redrawn batches of {batch}: on "
            "one device (plain BatchNorm), in one micro-batch (SyncBatchNorm) and "
            "over the effective batch, at every number of accumulation steps k "
            "that leaves each device an example, beside σ/√n (dotted).",
            matters="Accumulation fits a large effective batch in memory: it "
            "buys that batch's gradient, not its BatchNorm statistics, which are "
            "as noisy as ghost batches of the micro-batch size (Hoffer et al. "
            "2017). The running statistics get k updates per step, each from one "
            "micro-batch. Per-example families (LayerNorm, GroupNorm) do not "
            "depend on how the batch is cut.",
            formula=r"""\begin{aligned}
\mu_j &= \tfrac{1}{g}\textstyle\sum_{n\in j} x_n \\
\sigma_j^2 &= \tfrac{1}{g}\textstyle\sum_{n\in j}(x_n-\mu_j)^2 \\
\sigma^2 &= \underbrace{\tfrac1k\textstyle\sum_j \sigma_j^2}_{\text{within}}
\\ &\quad + \underbrace{\tfrac1k\textstyle\sum_j (\mu_j-\mu)^2}_{\text{between}} \\
\operatorname{sd}(\mu_j) &= \frac{\sigma}{\sqrt{g}}
= \sqrt{k}\,\frac{\sigma}{\sqrt{B}}
\end{aligned}""",
            formula_note="g = b·D examples per micro-batch (b per device, D "
            "devices), B = k·g per optimizer step. SyncBatchNorm's all-reduce of "
            "2C + 1 numbers runs k times per step, each over g examples; "
            "equal micro-batches make the identity exact.",
        ),
    }
)

SCENARIO_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "room": (
            "Who else is in the room",
            "One example, its 15 batch-mates redrawn again and again. Under "
            "BatchNorm its output wanders; under LayerNorm, RMSNorm and GroupNorm"
            " it never moves.",
        ),
        "tiny": (
            "Four in a room",
            "Batch size 4: BatchNorm's statistics come from 4 examples, and the "
            "fixed example's output swings widely with whoever the other 3 are.",
        ),
        "nudge_batch": (
            "Nudge one example: BatchNorm",
            "Nudging one cell moves its whole column: every example's output for "
            "that feature, because they share its mean and variance.",
        ),
        "nudge_layer": (
            "Nudge one example: LayerNorm",
            "Nudging one cell moves only its own example's row. No other example "
            "notices.",
        ),
        "nudge_eval": (
            "BatchNorm in eval mode",
            "With running statistics, BatchNorm is a fixed affine map per "
            "feature: nudging one cell moves that cell and nothing else.",
        ),
        "one_class": (
            "A batch of one class",
            "Every example from one class: BatchNorm subtracts the class mean, "
            "and the class signal the next layer needs is gone.",
        ),
        "ghost": (
            "Ghost batches",
            "A batch of 64 normalized as 8 ghost batches of 8: the statistics are"
            " as noisy as a batch of 8 (Hoffer et al. 2017).",
        ),
        "gpus": (
            "8 GPUs, 4 examples each",
            "A batch of 32 split over 8 devices: per-device BatchNorm sees 4 "
            "examples, SyncBatchNorm all 32.",
        ),
        "accum": (
            "SyncBatchNorm with gradient accumulation",
            "An effective batch of 64 from 4 accumulated micro-batches of 16, "
            "each on 8 devices with 2 apiece: SyncBatchNorm's statistics come "
            "from 16 examples, not 64.",
        ),
    }
)
"""Each scenario's title and sentence (its settings: `lab.coupling.state`)."""

HELP: Mapping[str, str] = MappingProxyType(
    {
        "scenario": "Teaching scenarios: one click sets the view and its controls.",
        "view": "Which experiment to show.",
        "norm": "The family the coupling probe nudges. The other views compare all "
        "families, or are about BatchNorm only.",
        "mode": "Coupling probe only. Train: BatchNorm uses the batch's statistics. "
        "Eval: the population's mean and variance, what running statistics "
        "converge to. The other families do not change.",
        "batch": "Examples in the batch. The spread curve always covers 2–64 and "
        "marks this size.",
        "features": "Features per example.",
        "groups": "GroupNorm's G: features split into G equal groups (divisors of "
        "the feature count only).",
        "gap": "How far apart the two classes are, in within-class standard "
        "deviations. 0: one population, every batch i.i.d.",
        "ghost": "Examples per ghost batch (Ghost batches), or per micro-batch "
        "over all devices (Gradient accumulation); only divisors of the batch "
        "size.",
        "devices": "Devices the batch (in Gradient accumulation: each "
        "micro-batch) is split across; shards differ by at most one example.",
        "resamples": "How many times the batch-mates are redrawn. More: smoother "
        "curves, longer first computation (cached afterwards).",
        "seed": "Random seed for the data. Same seed, same numbers.",
        "pick_n": "The example whose cell is nudged: the row of the outlined cell. "
        "Clicking a cell of the chart sets it too.",
        "pick_f": "The feature whose cell is nudged: the column of the outlined "
        "cell. Clicking a cell of the chart sets it too.",
    }
)

SIDE_INTRO = (
    "**Batch coupling.** A normalization layer is *batch-coupled* when an "
    "example's output depends on the other examples in the batch. BatchNorm in "
    "training is (Ioffe & Szegedy 2015); LayerNorm (Ba et al. 2016), RMSNorm "
    "(Zhang & Sennrich 2019) and GroupNorm (Wu & He 2018) are not, and neither "
    "is BatchNorm in eval mode."
)

DATA_NOTE = (
    "Data: two equally likely classes of {features} features, {gap} within-class "
    "standard deviations apart; each feature has its own mean and scale."
)

BATCH_OF_ONE = (
    "Batch size 1 has no batch-mates: BatchNorm in training would output β for "
    "every input. The curve starts at 2."
)

GHOST_OF_ONE = (
    "Ghost batches of 1 example: each ghost's mean is the example itself, so every "
    "output is β. Pick a larger ghost size."
)

DEVICE_OF_ONE = (
    "Some devices hold a single example: their BatchNorm output is β whatever the "
    "input (torch.nn refuses this in training). SyncBatchNorm is still fine."
)

SPREAD_PLAIN = (
    "At B = {batch}: BatchNorm's spread is {bn}, fitted slope {slope} on log–log "
    "axes (1/√B is −0.5); LayerNorm, RMSNorm, GroupNorm and BatchNorm in eval: "
    "{zeros}."
)

PROBE_PICK = "Click any cell, or type its example and feature above, to nudge it. "

PROBE_FD = (
    "Checked against a central finite difference in float64 (δ = 1e-4): largest "
    "difference {err}."
)

RESAMPLED = (
    "Each point of the curve is measured on {resamples} redrawn batches, so "
    "BatchNorm's curve carries a little sampling noise of its own; more "
    "resamples (sidebar) make it smoother. The other families' zeros are exact, "
    "not estimates."
)

ACCUM_TABLE = (
    "**The arithmetic for feature {feature}.** Each micro-batch is one forward "
    "pass: its devices all-reduce n, Σx and Σx², and μ = Σx/n, σ² = Σx²/n − μ² "
    "normalize that micro-batch. The last row adds every micro-batch's sums: "
    "the effective batch's statistics, which no forward pass sees."
)
ACCUM_IDENTITY = (
    "The effective batch's σ² is the micro-batches' mean σ² plus the variance of "
    "their μ: {within} + {between} = {total} (the table's last row: {var}). Each "
    "micro-batch subtracts its own μ, so the second term, the differences "
    "between micro-batches, never reaches the normalization."
)
ACCUM_SPREAD = (
    "At k = {k}: the spread of μ over {resamples} redrawn batches is {sync} for "
    "a micro-batch of {micro} (σ/√{micro} = {pred}) and {eff} for the "
    "effective batch of {batch} (σ/√{batch} = {pred_eff}); of σ², {svar} "
    "against {evar}."
)
ACCUM_ONE = (
    "k = 1: the micro-batch is the whole batch of {batch}, so SyncBatchNorm sees "
    "the effective batch. Pick a smaller micro-batch size to accumulate."
)
ACCUM_IDLE = (
    "{devices} devices but micro-batches of {micro}: {idle} devices would get no "
    "example. The numbers use the {micro} devices that hold one."
)
