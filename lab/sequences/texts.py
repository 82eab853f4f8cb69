"""Teaching copy of the Sequences & padding page: control help, scenarios,
section text and the side panel.

Short, exact, friendly. Strings with ``{}`` fields are filled with numbers the
engine computed (`lab.sequences.words` builds the sentences that depend on
them), never with text from a URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

TITLE = "Sequences & padding"

INTRO = (
    "Sentences have different lengths, so a batch of them is **padded** to one "
    "length T: the missing positions hold a pad value that means nothing. "
    "BatchNorm pools each channel over every position of the batch, so the pads "
    "enter its statistics and move every real token's output; a padding mask "
    "keeps them out. LayerNorm and RMSNorm pool each token's own features, so "
    "padding cannot reach a real token at all: that is why transformers use "
    "them (Ba et al. 2016; Vaswani et al. 2017). Click a token to see what it "
    "was pooled with."
)

LENGTH_LABELS: Mapping[str, str] = MappingProxyType(
    {"equal": "All equal", "random": "Random", "one_long": "One long"}
)
PAD_LABELS: Mapping[str, str] = MappingProxyType(
    {"zeros": "Zeros", "constant": "Constant", "embedding": "Pad embedding"}
)
DATA_LABELS: Mapping[str, str] = MappingProxyType(
    {"random": "Random", "count": "1, 2, 3…", "flat": "Channel 0 flat"}
)

HELP: Mapping[str, str] = MappingProxyType(
    {
        "scenario": "Teaching scenarios: one click sets the controls.",
        "norm": "How the tokens are normalized. BatchNorm: per channel over all "
        "N·T positions, pads included. BatchNorm + mask: per channel over the real "
        "tokens only. LayerNorm and RMSNorm: per token, over its C features.",
        "batch": "N, the number of sequences in the batch.",
        "tokens": "T, the padded length: every sequence is padded to T positions.",
        "features": "C, the features (channels) of each token.",
        "lengths": "How the real lengths L₁…L_N are drawn. All equal: every "
        "sequence has the short length L. Random: uniform between L and T. One "
        "long: the first sequence fills T, the others have length L.",
        "short": "L, the short length (0 to T): the length of every sequence when "
        "all are equal, the shortest possible when random, the length of all but "
        "the first with one long. 0 is a sequence made only of padding.",
        "pad": "What a padded position holds: zeros, a constant, or a fixed "
        "random vector that stands for a learned pad embedding.",
        "padval": "The constant a padded position holds, in every channel (only "
        "with the Constant pad).",
        "data": "The real tokens' values. Random: the Lab's synthetic "
        "activations, with the shifts below. 1, 2, 3…: token t holds t + 1 in "
        "every channel (the toy case). Channel 0 flat: random, but channel 0 is "
        "1 on every real token, as a unit that never varies.",
        "shift": "Each channel gets its own mean (random tokens only).",
        "drift": "Each channel gets its own scale (random tokens only).",
        "offset": "Each sequence is offset as a whole (random tokens only).",
        "spread": "Each sequence gets its own scale (random tokens only).",
        "outlier": "Sequence 0 is this many times larger (random tokens only).",
        "seed": "Random seed of the tokens, the lengths and the pad embedding. "
        "Same seed, same batch.",
        "pick_n": "The focused token's row: sequence n's position t is row n·T + t.",
        "pick_f": "The focused channel.",
        "rseed": "Seed of the real run's data, initialization and batches. Same "
        "seed, same models, same numbers.",
    }
)

SCENARIO_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "ragged": (
            "A ragged batch, zero pads",
            "Eight sequences of random lengths padded to 12 with zeros. Switch "
            "between BatchNorm, the mask, LayerNorm and RMSNorm and watch a real "
            "token's output.",
        ),
        "toy": (
            "The toy case: 1…5 and five zero pads",
            "One channel holds 1, 2, 3, 4, 5, padded with five zeros. Real tokens: "
            "mean 3.0, variance 2.0. With the pads: mean 1.5, variance 3.25.",
        ),
        "one_long": (
            "One long, the rest short",
            "One sequence fills all 16 positions, the seven others have 2 tokens: "
            "most of the batch is padding, and BatchNorm's statistics are mostly "
            "pads.",
        ),
        "embedding": (
            "A pad embedding",
            "Pads hold a fixed random vector, as a learned pad embedding does: "
            "not zeros, so they move each channel's mean its own way.",
        ),
        "masked": (
            "BatchNorm with a padding mask",
            "The statistics pool the real tokens only: every real token's output "
            "is exactly what BatchNorm gives the same tokens without padding.",
        ),
        "layer": (
            "LayerNorm ignores padding",
            "Each token is normalized over its own features: the pads around it "
            "change nothing, to the last bit.",
        ),
        "empty": (
            "Sequences with no real token",
            "One sequence fills T, the seven others are all padding. Their "
            "positions still count in an unmasked BatchNorm.",
        ),
        "ones": (
            "Every sequence has length 1",
            "One real token per sequence, eleven pads each: the real tokens are "
            "one twelfth of what BatchNorm pools without a mask.",
        ),
        "t_one": (
            "T = 1",
            "A single position per sequence: each sequence is one token or none.",
        ),
        "flat": (
            "A channel constant over the real tokens",
            "Channel 0 is 1 on every real token: its real variance is 0, and the "
            "pads alone give it a variance in an unmasked BatchNorm.",
        ),
    }
)

# ---- sections ----

BATCH_TITLE = "A padded batch"
BATCH_PADS = (
    "Rows are tokens (sequence n's position t is row n·T + t, sequences "
    "separated by lines), columns are channels. **Padded positions are greyed "
    "and framed by a dashed line**; their hover says *pad*."
)
POOLED = {
    "batch": "The outline is what the focused cell's statistic pooled: its "
    "channel over all {positions} positions, {pads} of them pads.",
    "masked": "The outline is what the focused cell's statistic pooled: its "
    "channel over the {real} real tokens only.",
    "layer": "The outline is what the focused cell's statistic pooled: its "
    "token's {features} features.",
    "rms": "The outline is what the focused cell's statistic pooled: its "
    "token's {features} features (the root mean square: no mean).",
}

BN_TITLE = "BatchNorm over tokens, with and without a mask"
BN_INTRO = (
    "Per channel, BatchNorm's mean and biased variance over the real tokens "
    "(what a padding mask pools) and over every position, pads included."
)
CHECK_TITLE = "Checked against torch.nn"

CORRUPT_TITLE = "How much padding corrupts"
CORRUPT_INTRO = (
    "For each family, the largest change padding makes to any real token's "
    "output: the family on the padded batch against the same family on the "
    "real tokens alone (packed, no pad anywhere)."
)
SWEEP_CAPTION = (
    "The same tokens with more of the batch padded: at each fraction the pads "
    "are taken from the ends of the sequences in turn. Computed, not drawn: "
    "the masked, LayerNorm and RMSNorm lines are 0 because the engine's "
    "numbers are."
)

SERVE_TITLE = "Train vs eval with padding"
SERVE_INTRO = (
    "Two BatchNorm layers learn their running statistics from the same {steps} "
    "padded training batches (this page's settings, new tokens and lengths "
    "each), one pooling the pads and one with a mask (`momentum=None`: the "
    "running statistics are the average of the batches'). Then they serve this "
    "batch's {real} real tokens without padding, in eval mode."
)
SERVE_LAYER = (
    "LayerNorm keeps no running statistics: served, a token gets its training "
    "output. Largest difference: {gap}."
)

ONE_TITLE = "One token at a time"
ONE_INTRO = (
    "A model that generates text normalizes one new token at a time, at batch "
    "size one. Here that token is sequence {n}'s position {t}{moved}."
)
ONE_MOVED = " (the focused position is a pad; pads are never served)"
ONE_NONE = "There is no real token in this batch to serve."

CODE_CAPTION = (
    "PyTorch code for this view: it rebuilds this batch and normalizes it with "
    "torch.nn, and its y equals the output heatmap at the real tokens."
)

RUN_TITLE = "A real run"
RUN_INTRO = (
    "A tiny sequence model trained here (seed {seed}): a 1-D convolution over "
    "the tokens, a norm and ReLU, twice, then a mean over the real tokens. The "
    "task: is the first feature's mean over a sequence's real tokens above 0? "
    "Training batches alternate short sequences (2–8 of 24 positions, mostly "
    "padding) and long ones (16–24). Pads are zeroed before each convolution "
    "and skipped by the mean: only a norm's statistics can carry them to a "
    "real token. Scored in eval mode on 2,048 fresh sequences each."
)
RUN_TRAINING = "Training three models…"
RUN_EVAL_NOTE = (
    "In eval mode no family lets a test batch's padding reach a real token "
    "(BatchNorm normalizes with its fixed running statistics), so the two test "
    "sets differ by their sequences' lengths, not by their pads: what padding "
    "did, it did in training."
)
RUN_TRAINED_NOW = "Trained just now."
RUN_STORED = "Stored result: trained earlier by the same code with the same seed."

# ---- side panel ----

SIDE_WHY = """**Why transformers use LayerNorm.** Ba et al. (2016) proposed
LayerNorm for recurrent networks, where BatchNorm needs statistics per time
step and sequences differ in length: LayerNorm's statistics are one token's
own, the same in training and at test, for any batch size and any length.
Vaswani et al. (2017) put it in every block of the Transformer. A token is
normalized the same whether it sits in a batch of one or of thousands, next to
pads or not."""

SIDE_MASK = """**What a mask does.** A padding mask is a boolean per position:
True for a real token, False for a pad. Attention uses it to give pads no
weight, the loss to skip them, and a masked BatchNorm to leave them out of its
mean and variance. Without one, the pads are data: zeros pull every channel's
mean toward 0 and inflate its variance."""

SIDE_PRENORM = """**Pre-norm or post-norm.** Post-norm (the original
Transformer) normalizes after each residual addition, pre-norm inside the
branch before attention or the MLP, which keeps the residual path clean and
trains deep stacks without warm-up (Xiong et al. 2020): see
[Why normalize](/why)."""
