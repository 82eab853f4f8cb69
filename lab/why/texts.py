"""Teaching copy of the "Why normalize" page: scenarios, control help, verdicts.

Verdict templates are filled with numbers measured on the runs (`lab.why.verdicts`), so
every claim on the page is about the runs the reader is looking at.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

TITLE = "Why normalize"
INTRO = (
    "Does normalization let a deep network train at **higher learning rates**, "
    'and why? Ioffe & Szegedy (2015) proposed BatchNorm to reduce "internal '
    'covariate shift". Santurkar et al. (2018) gave evidence against that '
    "explanation and argued instead that BatchNorm makes the **loss landscape "
    "smoother**: the loss and its gradient change less along a step. Below, real "
    "networks train on this machine and the page measures both. In the default "
    "runs (6 layers), BatchNorm trains at 10× the highest rate of the plain "
    "network in every seed tried; LayerNorm does not raise that rate, and "
    "RMSNorm does in some seeds only. At lr 0.1, where both train, BatchNorm's "
    "gradient changes less along a step in every seed; its loss varies less "
    "in some seeds only."
)

SCENARIO_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "six_layers": (
            "MLP, 6 layers",
            "Six Linear → norm → ReLU blocks, He initialization, plain SGD. Look "
            "at the highest learning rate each variant survives, then at the "
            "landscape at lr 0.1, where both no norm and BatchNorm train.",
        ),
        "deep": (
            "Deep MLP, 10 layers",
            "Ten blocks. BatchNorm still raises the highest rate, but the "
            "landscape tells a mixed story here: at lr 0.1 the gradient changes "
            "less with BatchNorm in every seed, yet its effective β-smoothness is"
            " higher (1.2–1.5× no norm's).",
        ),
        "shallow": (
            "Shallow MLP, 4 layers",
            "With four layers every variant trains over a wide range of rates; "
            "BatchNorm still tolerates the highest one.",
        ),
        "deeper": (
            "Very deep MLP, 20 layers",
            "Twenty layers in 150 steps: watch which variants still train at all."
            " Where the plain network trains at no rate, there is no landscape to"
            " compare it with.",
        ),
        "plain_init": (
            "torch's default initialization",
            "nn.Linear's default init keeps about a third of He's variance, so "
            "the signal fades through 10 plain layers. See which variants still "
            "train, and at which rates.",
        ),
        "tiny_batch": (
            "Tiny batches of 8",
            "BatchNorm's statistics now come from 8 examples. Compare its losses "
            "with LayerNorm's, which never look at the batch; see which variants "
            "train at all in 150 steps of 8 examples.",
        ),
        "loud_noise": (
            "Louder noise after BatchNorm",
            "Noisy BatchNorm with twice the noise: shifts up to ±2 and scales "
            "from 0.37× to 2.7×, redrawn at every step. Is there a limit?",
        ),
    }
)
"""Each scenario's title and sentence (its settings: `lab.why.state`)."""

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
        "landscape": "2 · Is the landscape smoother? (Santurkar et al. 2018)",
        "noise": "3 · Noisy BatchNorm: more covariate shift on purpose",
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
TRAINED_NOW = "Trained just now in {seconds:.1f} s."
STORED_RESULT = "Stored result: trained earlier by the same code with the same seed."
CEILING_HELP = "Highest learning rate at which {name} trains."

# ---- Santurkar et al.: the landscape ----

LANDSCAPE_CAPTION = (
    "Left: how much the loss varies along the gradient (max − min over steps of "
    "¼ to 2× the optimizer's step), not the loss itself. Right: the band spans "
    "the gradient's change over those steps, the line is the optimizer's own "
    "step. No norm and BatchNorm are drawn; click a legend entry to add the "
    "others. Change the learning rate above to compare."
)
LANDSCAPE_NUMBERS = (
    "At lr {lr}, compared at the same stage of training (the probes where both "
    "training losses were between {lo} and {hi}: {n_plain} without normalization, "
    "{n_bn} with BatchNorm), a step along the gradient of ¼ to 2× the optimizer's "
    "step made the loss vary by {plain_loss} without normalization and {bn_loss} "
    "with BatchNorm (max − min, median over the probes); the gradient changed by "
    "up to {plain_grad} vs {bn_grad} (ℓ2), and the effective β-smoothness was "
    "{plain_beta} vs {bn_beta}."
)
LANDSCAPE_SMOOTHER = (
    "All three are smaller with BatchNorm (by more than 20%): a smoother landscape "
    "in Santurkar et al.'s sense for this run."
)
LANDSCAPE_PARTLY = (
    "Smaller with BatchNorm: {smaller}; about the same (within 20–25%): {same}. "
    "Only partly smoother here."
)
LANDSCAPE_MIXED = (
    "The measures disagree: smaller with BatchNorm: {smaller}; larger: {larger}. "
    "No clear winner at this rate."
)
LANDSCAPE_ROUGHER = (
    "Here BatchNorm's landscape is **not** smoother: larger with it: {larger}, "
    "and nothing smaller."
)
LANDSCAPE_SAME = (
    "No clear difference: every measure is within 20–25% of no norm's, about as "
    "much as one seed differs from the next."
)
LANDSCAPE_NEEDS_BOTH = (
    "The landscapes are compared only where both networks train at the same "
    "rate. At lr {lr}: {why}"
)
LANDSCAPE_NO_OVERLAP = (
    "At lr {lr} the two runs never passed through the same range of training "
    "loss at enough probes to compare them."
)
FAIL_DIVERGED = "{name} diverged at step {step}."
FAIL_STUCK = (
    "{name} ends at loss {loss}, above the {threshold} that counts as training."
)
HINT_OTHER_RATES = "No norm and {name} both train at lr {rates}: look there too."
HINT_NO_COMMON = (
    "No learning rate trains both no norm and {name} here, so this setup cannot "
    "show the comparison."
)
HINT_PLAIN_NEVER = (
    "Without normalization no rate trains in {steps} steps here, so there is no "
    "plain landscape to compare with: this setup cannot show Santurkar et al.'s "
    "comparison."
)
HINT_NORM_NEVER = "{name} trains at no rate here, so there is nothing to compare."
HINT_NOTHING_TRAINS = (
    "Neither no norm nor {name} trains at any rate in {steps} steps here, so "
    "there is nothing to compare."
)
OTHERS_HEAD = "Against no norm at the same stage (loss variation, gradient change, β):"
OTHER_RATIOS = "{name} {loss}×, {grad}×, {beta}×"
SEEDS_HEAD = "Over seeds {first}–{last} of this scenario at lr {lr}, {name} ÷ no norm:"
SEEDS_MEASURE = "{measure} {lo}–{hi}× (below 0.8× in {k} of {n})"
SEEDS_NONE = "both train at this rate in none of the {n} seeds."
SEEDS_SOME = "(Both trained at this rate in {k} of {n} seeds.)"
SEEDS_ROBUST_ALL = "Every measure is smaller in every seed: the effect is robust here."
SEEDS_ROBUST_SOME = "Robust across seeds: {robust}; not in every seed: {not_robust}."
SEEDS_ROBUST_NONE = (
    "No measure is smaller in every seed: the effect is not robust here."
)
SEEDS_CUSTOM = (
    "The spread over seeds is measured for the scenarios; change the Seed to see "
    "how much one run differs from another."
)
SPREAD_HEAD = (
    "Over seeds {first}–{last} of this scenario, the highest rate that trains:"
)
SPREAD_NEVER = "{name} none"
SPREAD_SOME = " (in {k} of {n} seeds)"

# ---- noisy BatchNorm ----

NOISE_SETUP = (
    "After every BatchNorm, each feature was shifted by up to ±{shift} and scaled "
    "by {lo}× to {hi}×, redrawn at every step."
)
NOISE_TRAINED = (
    "Noisy BatchNorm still trains, up to lr {lr} (BatchNorm: {bn}; no norm: {plain})."
)
NOISE_FAILED = (
    "At this noise level noisy BatchNorm trains at no rate: enough noise does hurt."
)
NOISE_MOVED = (
    "At lr {lr}, the median input of the watched unit wandered by {noisy} (std over "
    "training) with the noise and {bn} without."
)
NOISE_CAPTION = (
    "The chart follows one unit of the middle block after its norm (and noise), "
    "before the ReLU: the band holds the middle 90% of the batch at each probed "
    "step, the line its median. BatchNorm pins it in place; the noise moves it "
    "at every step. The box says whether the network still trains."
)
NOISE_OFF = "Noise is 0: noisy BatchNorm is plain BatchNorm here."

# ---- Xiong et al.: pre-norm vs post-norm ----

XIONG_TEXT = (
    "With {depth} layers at initialization, post-norm's gradient {post_trend} "
    "(last layer {post_ratio}× the first) and its last layer gets {vs_pre}× "
    "pre-norm's; pre-norm's gradient {pre_trend} ({pre_ratio}×). From {first} "
    "to {last} layers, the last layer's gradient goes from {post_from} to "
    "{post_to} in post-norm and from {pre_from} to {pre_to} in pre-norm "
    "(×{measured}; 1/√L would give ×{predicted})."
)
TREND_GROWS = "grows toward the output"
TREND_SHRINKS = "shrinks toward the output"
TREND_EVEN = "stays about even across layers"
XIONG_NOT_EVEN = (
    "Unlike in Xiong et al.'s models, this toy's pre-norm gradients are not even "
    "across layers: the layers near the input get more (their output also "
    "passes through every later layer's branches)."
)
XIONG_AS_BOUND = "Pre-norm's last layer follows the 1/√L scaling of their bound here."
XIONG_DIFFERS = (
    "The toy does not follow the 1/√L scaling: it is a bound from a simplified "
    "analysis, not a law."
)
XIONG_RESID = (
    "Why the toy differs: the 1/√L comes from the final LayerNorm dividing by "
    "the residual stream, which grows like √L. Here the stream grew ×{resid} "
    "(√L: ×{sqrt}) and the gradient reaching it per token did shrink, ×{tok}."
)
XIONG_ALIKE = (
    "But the tokens of a sequence became alike (mean cosine {cos0} → {cos1}: "
    "self-attention mixes them), so their contributions to ∂L/∂W₂ add up "
    "instead of cancelling, which the bound does not count."
)
XIONG_OTHER = (
    "The rest of the difference comes from how the tokens' contributions add up."
)
XIONG_INTRO = (
    "Transformers put LayerNorm either after each residual addition (post-norm, "
    "the original Transformer) or at the start of each branch (pre-norm). Xiong "
    "et al. (2020) showed, with a bound and with measurements on translation "
    "Transformers, that at initialization post-norm's gradients are large near "
    "the output, and argued "
    "that this is why post-norm needs a learning-rate warm-up, while pre-norm's "
    "stay about even across layers. Their bound on the last layer's FFN weight "
    "W₂ is O(d·√(ln d)) for post-norm and O(d·√(ln d / L)) for pre-norm with L "
    "layers of width d: pre-norm's shrinks like 1/√L as the stack gets deeper. "
    "Here: the gradient norm of each layer's W₂ after one backward pass through "
    "a fresh stack (self-attention + FFN, d = 64, 4 heads, Xavier "
    "initialization), averaged over 3 initializations."
)

# ---- side panel ----

SIDE_CLAIM = (
    "**The claim.** Ioffe & Szegedy (2015) introduced BatchNorm to reduce "
    "*internal covariate shift*: the change in each layer's input distribution "
    "as earlier layers learn. Santurkar et al. (2018), *How Does Batch "
    "Normalization Help Optimization?*, tested that story. Their evidence:\n\n"
    "1. Injecting random shifts and scales after every BatchNorm (so the "
    "distributions move *more*) barely hurts training.\n"
    "2. In their networks, BatchNorm made the landscape smoother: the loss and "
    "its gradient varied less along a step (smaller Lipschitz constants, a "
    "smaller effective β-smoothness), with theory for why.\n"
    "3. They argue that a smoother landscape tolerates larger steps, so higher "
    "learning rates train. The page measures 1 and 2 on its own runs; 3 is "
    "their argument, not something one run can show."
)
SIDE_MEASURES = (
    "**What is measured.** At every 10th step, on that step's batch, the loss "
    "and gradient are recomputed at w − c·η·∇L(w) for c = ¼, ½, 1, 2 "
    "(η the run's learning rate). Two runs are compared at the same rate and "
    "only over the probes where both training losses are in the same range, so "
    "a run that has learned more (and so has a smaller gradient) does not look "
    "smoother for that alone:"
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
    "**Read with care.** These are small networks on a synthetic task, 150 "
    "steps, one seed on screen: change the seed and the highest rate can move "
    "by one grid step. For the scenarios, the page also shows what five seeds "
    "gave. Where LayerNorm or RMSNorm do not beat no norm in this MLP, the page "
    "says so; their home is transformers, where they are pre-norm (below)."
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
