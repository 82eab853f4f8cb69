"""Teaching copy of the "Why normalize" page: scenarios, control help, verdicts.

Verdict templates are filled with numbers measured on the runs (`lab.why`), so
every claim on the page is about the runs the reader is looking at.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lab.scenarios import Scenario

TITLE = "Why normalize"
INTRO = (
    "Normalization lets a deep network train at **higher learning rates**. "
    'Santurkar et al. (2018) showed the reason is not the "internal covariate '
    'shift" of Ioffe & Szegedy (2015) but a **smoother loss landscape**: the loss '
    "and its gradient change less when you take a step. Below, real networks "
    "train on this machine, and the page measures both."
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "deep",
        "Deep MLP, 10 layers",
        "Ten Linear → norm → ReLU blocks, He initialization, plain SGD. Look at "
        "the highest learning rate each variant survives, then at the landscape: "
        "at lr 0.32 both no norm and BatchNorm train; at lr 1 no norm breaks down.",
        {},
    ),
    Scenario(
        "shallow",
        "Shallow MLP, 4 layers",
        "With four layers every variant trains over a wide range of rates; "
        "BatchNorm still tolerates the highest one.",
        {"depth": 4},
    ),
    Scenario(
        "deeper",
        "Very deep MLP, 20 layers",
        "Twenty layers in 150 steps: watch which variants still train at all.",
        {"depth": 20},
    ),
    Scenario(
        "plain_init",
        "torch's default initialization",
        "nn.Linear's default init keeps about a third of He's variance, so the "
        "signal fades through 10 plain layers and no learning rate rescues it. "
        "Every norm restores the scale at each layer.",
        {"init": "torch"},
    ),
    Scenario(
        "tiny_batch",
        "Tiny batches of 8",
        "BatchNorm's statistics now come from 8 examples. Compare its losses "
        "with LayerNorm's, which never look at the batch.",
        {"batch": 8},
    ),
    Scenario(
        "loud_noise",
        "Louder noise after BatchNorm",
        "Noisy BatchNorm with twice the noise: shifts up to ±2 and scales "
        "from 0.37× to 2.7×, redrawn at every step. Is there a limit?",
        {"noise": 2.0},
    ),
)
SCENARIO_BY_KEY: Mapping[str, Scenario] = MappingProxyType(
    {s.key: s for s in SCENARIOS}
)

HELP: Mapping[str, str] = MappingProxyType(
    {
        "scenario": "Teaching scenarios: one click sets the controls.",
        "depth": "Number of Linear → norm → ReLU blocks in the MLP.",
        "width": "Units per hidden layer.",
        "steps": "SGD steps per run. Every variant and learning rate trains "
        "for this many steps.",
        "batch": "Examples per SGD step. BatchNorm pools its statistics over these.",
        "init": "He: weights N(0, 2/fan_in), the ReLU-preserving scale. torch "
        "default: nn.Linear's U(±1/√fan_in), a third of that variance.",
        "noise": "Noisy BatchNorm only: each feature gets a random shift in "
        "±noise and a random scale in exp(±noise/2) after every BatchNorm, "
        "redrawn at every step.",
        "seed": "One seed sets the data, the initial weights, the batches and "
        "the noise. Same seed, same numbers.",
        "lr": "Which run to look at in the loss curves and the landscape plots. "
        "It does not change the runs.",
        "blocks": "Layers in the transformer stack shown on the left of the "
        "pre-norm vs post-norm plots.",
    }
)
INIT_NAMES: Mapping[str, str] = MappingProxyType(
    {"he": "He (Kaiming)", "torch": "torch default"}
)

SECTIONS: Mapping[str, str] = MappingProxyType(
    {
        "sweep": "1 · How high can the learning rate go?",
        "landscape": "2 · A smoother landscape (Santurkar et al. 2018)",
        "noise": "3 · Noisy BatchNorm: more covariate shift, still trains",
        "xiong": "4 · Pre-norm vs post-norm (Xiong et al. 2020)",
    }
)

TOO_HEAVY = (
    "These settings would train about {work:.1f}× the default sweep's work; the "
    "page trains up to {limit:g}× so that one visitor cannot hold the server's "
    "two cores for minutes. Lower the SGD steps, the depth, the width or the "
    "batch size. (The transformer stacks below do not depend on these settings.)"
)

# ---- the sweep ----

NONE_TRAINED = "none"
ALL_DIVERGED = "all diverged"
PLAIN_HIGHEST = "Without normalization, the highest rate that trains is {lr}."
PLAIN_NEVER = "Without normalization, no learning rate trains in {steps} steps."
NORM_HIGHER = "{name} trains up to {lr}: {ratio}× no norm's {plain}."
NORM_ONLY = "{name} trains up to {lr}."
NORM_SAME = "{name} does not raise the ceiling here (also {lr})."
NORM_LOWER = "{name} does worse here: up to {lr}, below no norm's {plain}."
NORM_NEVER = "{name} trains at no rate here."
TRAINS_RULE = (
    "A run **trains** when its mean loss over the last 10% of steps is at most "
    "half the loss of guessing the class frequencies ({threshold}), and it never "
    "diverged (loss above 100 or not a number)."
)
SWEEP_CAPTION = (
    "{runs} networks: {variants} variants × {lrs} learning rates, {steps} SGD "
    "steps each, {depth} layers of {width} units, batches of {batch}, seed {seed}."
)

# ---- Santurkar et al.: the landscape ----

LANDSCAPE_NUMBERS = (
    "At lr {lr}, a step along the gradient (¼ to 2 of the optimizer's step) "
    "changed the loss by a median {plain_loss} without normalization and "
    "{bn_loss} with BatchNorm; the gradient itself changed by {plain_grad} vs "
    "{bn_grad} (ℓ2), and the effective β-smoothness was {plain_beta} vs {bn_beta}."
)
LANDSCAPE_FEW = (
    "({name} diverged at step {step}: its numbers come from the {points} "
    "measurements before.)"
)
LANDSCAPE_ONE = (
    "({name} diverged at step {step}: its numbers come from its one measurement "
    "before that.)"
)
LANDSCAPE_SMOOTHER = (
    "With BatchNorm the loss varies {loss} and the gradient {grad}: a smoother, "
    "more predictive landscape, which is what lets the larger step work."
)
LANDSCAPE_ROUGHER = (
    "Here BatchNorm's landscape is **not** smoother: both numbers are larger with "
    "it. Try a higher learning rate, where the plain network starts to break down."
)
LANDSCAPE_MIXED = (
    "The two measures disagree at this rate: no clear winner. Santurkar et al.'s "
    "gap shows at the rates where the plain network struggles."
)
LANDSCAPE_NO_DATA = (
    "The {who} run at lr {lr} diverged before it could be measured: pick a lower "
    "learning rate to compare the landscapes."
)

# ---- noisy BatchNorm ----

NOISE_SETUP = (
    "After every BatchNorm, each feature was shifted by up to ±{shift} and scaled "
    "by {lo}× to {hi}×, redrawn at every step."
)
NOISE_TRAINED = (
    "Noisy BatchNorm still trains, up to lr {lr} (BatchNorm: {bn}; no norm: {plain})."
)
NOISE_FAILED = (
    "At this noise level noisy BatchNorm trains at no rate: enough noise does "
    "hurt, but its input distributions move far more than any plain network's "
    "at every level."
)
NOISE_MOVED = (
    "At lr {lr}, the median input of the watched unit wandered by {noisy} (std over "
    "training) with the noise and {bn} without."
)
NOISE_CAPTION = (
    "The chart follows one unit of the middle block after its norm (and noise), "
    "before the ReLU: the band holds the middle 90% of the batch at each probed "
    "step, the line its median. BatchNorm pins it in place; the noise moves it "
    "at every step; the network trains anyway."
)
NOISE_OFF = "Noise is 0: noisy BatchNorm is plain BatchNorm here."

# ---- Xiong et al.: pre-norm vs post-norm ----

XIONG_TEXT = (
    "With {depth} layers at initialization, post-norm's gradient {post_trend} "
    "(last layer {post_ratio}× the first) and its last layer gets {vs_pre}× "
    "pre-norm's; pre-norm's gradient {pre_trend} ({pre_ratio}×). From {first} "
    "to {last} layers, the last layer's gradient goes from {post_from} to "
    "{post_to} in post-norm and from {pre_from} to {pre_to} in pre-norm "
    "(×{measured}; a 1/√L law would give ×{predicted})."
)
XIONG_INTRO = (
    "Transformers put LayerNorm either after each residual addition (post-norm, "
    "the original Transformer) or at the start of each branch (pre-norm). Xiong "
    "et al. (2020) showed that at initialization post-norm's gradients are large "
    "near the output, which is why it needs a learning-rate warm-up, while "
    "pre-norm's shrink like 1/√L with depth L and train without one. Here: the "
    "gradient norm of each layer's FFN output weight W₂ after one backward pass "
    "through a fresh stack (self-attention + FFN, d = 64, 4 heads, Xavier "
    "initialization), averaged over 3 initializations."
)

# ---- side panel ----

SIDE_CLAIM = (
    "**The claim.** Ioffe & Szegedy (2015) introduced BatchNorm to reduce "
    "*internal covariate shift*: the change in each layer's input distribution "
    "as earlier layers learn. Santurkar et al. (2018), *How Does Batch "
    "Normalization Help Optimization?*, tested that story and found:\n\n"
    "1. Injecting random shifts and scales after every BatchNorm (so the "
    "distributions move *more*) barely hurts training.\n"
    "2. What BatchNorm does change is the landscape: the loss and its gradient "
    "vary less along a step (smaller Lipschitz constants, a smaller effective "
    "β-smoothness).\n"
    "3. A smoother landscape tolerates larger steps, so higher learning rates "
    "train."
)
SIDE_MEASURES = (
    "**What is measured.** At every 10th step, on that step's batch, the loss "
    "and gradient are recomputed at w − c·η·∇L(w) for c = ¼, ½, 1, 2 "
    "(η the run's learning rate):"
)
SIDE_LATEX = (
    r"\Delta L = \max_c L(w - c\eta g) - \min_c L(w - c\eta g),\quad "
    r"\Delta g = \max_c \lVert \nabla L(w - c\eta g) - g \rVert_2",
    r"\beta_{\text{eff}} = \max_c \frac{\lVert \nabla L(w - c\eta g) - g "
    r"\rVert_2}{\lVert c\eta g \rVert_2},\qquad g = \nabla L(w)",
)
SIDE_NOISY = (
    "**Noisy BatchNorm.** After each BatchNorm, y ← s ⊙ y + m with a fresh "
    "s, m per feature at every step (Santurkar et al. perturb each activation "
    "of each example; here a whole feature moves at once, the distribution "
    "shift the covariate-shift story is about)."
)
SIDE_HONEST = (
    "**Read with care.** These are small networks on a synthetic task, one seed "
    "at a time, 150 steps: change the seed and the highest rate can move by one "
    "grid step. Where LayerNorm or RMSNorm do not beat no norm in this MLP, the "
    "page says so; their home is transformers, where they are pre-norm (below)."
)
SIDE_RUNS = (
    "**The runs.** Every run is real: torch.nn modules (nn.BatchNorm1d, "
    "nn.LayerNorm, nn.RMSNorm, nn.TransformerEncoderLayer) trained with plain "
    "SGD on this server, single-threaded and seeded, so the same link gives the "
    "same numbers. All of a variant's learning rates train at once (torch.func.vmap "
    "over stacked weights). Finished sweeps are kept for everyone: the first visitor "
    "to a link pays for it, the rest get it at once. The default view ships "
    "precomputed by the same code."
)
