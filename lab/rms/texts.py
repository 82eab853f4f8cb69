"""Teaching copy of the LayerNorm vs RMSNorm page: scenarios, control help,
section words. Sentences that carry numbers are filled in from the page's
computations (`lab.rms.words`), so every claim is about what the reader sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

TITLE = "LayerNorm vs RMSNorm"
INTRO = (
    "RMSNorm is LayerNorm without the mean: it divides each example by its root "
    "mean square and has no shift β. Zhang & Sennrich (2019) argue the "
    "re-centring is not needed and report 7%–64% less running time; Llama, "
    "Mistral and T5 use it. Below, computed live: **what** dropping the mean "
    "changes, **when** it matters, and **how much faster** it is on this server."
)

SCENARIO_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "scale": (
            "Scale by 2, shift by 1",
            "c = 2 and δ = 1 in float32 with torch's default ε. Compare each "
            "row with the paper's marks: the re-centring rows are where "
            "LayerNorm and RMSNorm part ways.",
        ),
        "flip": (
            "A negative scale, c = −1",
            "The paper's ✓ for re-scaling assumes c > 0. With c < 0 every "
            "output the scale touches changes sign: invariant up to sign only.",
        ),
        "tiny": (
            "A tiny scale, c = 0.001",
            "c·x has a variance of about 1e-6, below LayerNorm's ε = 1e-5: ε, "
            "not the data, now sets the scale, and the ✓ becomes a ✗. RMSNorm's "
            "default ε (1.19e-7 in float32) is 84× smaller, yet it bites too.",
        ),
        "exact": (
            "ε = 0 in float64",
            "The limit in which the paper's table holds: every ✓ is exact to "
            "rounding. BatchNorm refuses ε = 0 in training, as torch does.",
        ),
        "precision": (
            "A shift of 1e8 in float32",
            "float32 numbers near 1e8 are 8 apart, so x + δ rounds the data "
            "away before any norm sees it: an invariance on paper, not in "
            "float32.",
        ),
        "zero": (
            "c = 0",
            "Scaling by zero wipes the input: no norm can undo that. See what "
            "each family returns for an all-zero example.",
        ),
        "big_mean": (
            "An input with a large mean",
            "A row whose mean is 10 standard deviations: LayerNorm removes it, "
            "RMSNorm turns it into a near-constant output.",
        ),
        "decode": (
            "Timing one token",
            "One token per call, as in decoding: the fixed cost of a call "
            "dominates and the kernels' arithmetic hardly shows.",
        ),
        "prefill": (
            "Timing 512 tokens, with backward",
            "512 tokens per call, forward and backward, as in training: the "
            "arithmetic shows. Press the timing button if the server has not "
            "timed 512 tokens yet.",
        ),
        "deep": (
            "Training 8 blocks",
            "A deeper pre-norm stack (8 residual blocks) trained with LayerNorm "
            "and with RMSNorm from the same initial weights.",
        ),
    }
)

HELP: Mapping[str, str] = MappingProxyType(
    {
        "scenario": "Teaching scenarios: one click sets the controls.",
        "c": "The scale factor of every re-scaling row: c < 0 flips signs, "
        "c = 0 wipes the input, a tiny c pushes the variance below ε.",
        "delta": "The shift of every re-centring row. A huge δ shows what "
        "float32 (and float64) cannot hold.",
        "eps": "ε for every family at once (inside the square root, as torch "
        "puts it). Default: torch.nn's own, 1e-5, and for RMSNorm the dtype's "
        "machine epsilon. 0 is the limit in which the paper's table is exact.",
        "dtype": "The precision the table and the sections below it compute in.",
        "mean": "The mean of the example sent through both norms in 'The mean "
        "survives RMSNorm', in units of its standard deviation.",
        "seed": "Draws the layer's inputs h, its weights W and the example. "
        "Same seed, same numbers.",
        "hidden": "The hidden size the parameter and memory counts are for.",
        "tokens": "Tokens per call in the timing: one row of the hidden size "
        "each. One token is a decoding step; hundreds are a prefill or a "
        "training batch.",
        "tdtype": "Which dtype's timings to show (bfloat16 only where this "
        "device runs it natively).",
        "tpass": "Forward alone, or forward and backward together (training).",
        "blocks": "Pre-norm residual blocks in the trained network.",
        "width": "The network's hidden size.",
        "steps": "Adam steps each network trains for.",
        "lr": "Adam's learning rate, the same for both networks.",
        "tseed": "Sets the data, the initial weights and the batches of the "
        "training comparison. Same seed, same losses.",
    }
)

FAMILY_SHORT: Mapping[str, str] = MappingProxyType(
    {"batch": "BN", "layer": "LN", "rms": "RMS", "group": "GN"}
)

SECTIONS: Mapping[str, str] = MappingProxyType(
    {
        "table": "1 · Which changes does each norm undo?",
        "mean": "2 · The mean survives RMSNorm",
        "eps": "3 · ε: inside the square root, outside, and how small",
        "memory": "4 · Parameters and memory",
        "timing": "5 · How much faster? Measured on this server",
        "training": "6 · Does it train as well?",
    }
)

TABLE_INTRO = (
    "The norm's input is x = h Wᵀ: {n} examples × {c_feat} features from a "
    "layer without bias (GroupNorm: {groups} groups). Each row transforms h, W "
    "or x with c = {c} or δ = {delta}; each cell is the largest change of any "
    "output, max |y′ − y|, computed now with ε = {eps} in {dtype} (γ = 1, β = 0, "
    "BatchNorm in training)."
)
TABLE_LEGEND = (
    "✓: moved no more than rounding can (here up to {tol}: 64 machine epsilons "
    "times the outputs' size). ≈: moved by less than {near}, and only because of ε. "
    "✗: moved more, or for another reason. The last column is Zhang & "
    "Sennrich's (2019) Table 1 (after Ba et al. 2016), exact arithmetic with ε "
    "= 0 and c > 0."
)
TABLE_REFERENCE = (
    "GroupNorm and the row 'Re-centre one example' are not in the paper's "
    "table; their reference is exact arithmetic: GroupNorm pools within one "
    "example, per group, so it undoes the same changes LayerNorm undoes. "
    "Every number comes from the lab's engine, which the tests check against "
    "torch.nn in float32 and float64."
)

EPS_INTRO = (
    "torch's `nn.RMSNorm` computes x/√(mean(x²) + ε), ε inside the square root, "
    "by default the dtype's machine epsilon (1.19e-7 in float32); Hugging "
    "Face's Llama and T5 use ε = 1e-6 inside; some texts write x/(RMS(x) + ε), ε "
    "outside. LayerNorm's default is 1e-5; BERT's checkpoints use 1e-12. For "
    "inputs of small norm the output no longer has RMS 1, and where that starts "
    "depends on the convention:"
)

MEMORY_WORDS = (
    "RMSNorm has no β: {diff} fewer parameters per layer at hidden size {h}, "
    "and neither keeps running statistics (BatchNorm keeps two vectors and a "
    "count). Both read and write one row per token ({row} bytes each way); γ "
    "and β are read once per call and shared by its {tokens} tokens, so β "
    "costs {shared} bytes per token. The saving RMSNorm can offer is "
    "arithmetic, one reduction fewer, not memory traffic. What autograd keeps "
    "for the backward pass depends on the kernel, not the formula: a fused "
    "kernel keeps the statistics (a few bytes per token), tensor ops keep rows."
)

TIMING_INTRO = (
    "The norms alone, on this server, with its torch: `F.layer_norm` and "
    "`F.rms_norm` (the library's kernels), and each written with tensor ops "
    "(`x − x.mean()`, `x.pow(2).mean()`, `rsqrt`), at hidden sizes 256–8192. "
    "A run takes a few seconds in the server's worker process, so nobody's "
    "clicks wait for it; the result is kept for every visitor."
)
NOT_TIMED = (
    "This server has not timed {tokens} tokens yet. Press **Time on this "
    "server**: a few seconds in the worker process, then every visitor sees "
    "the result."
)
NO_BF16 = (
    "This device ({device}) does not run bfloat16 natively, so the run timed "
    "float32 only; shown: float32."
)
TIMING_BUTTON = "Time on this server"
TIMING_AGAIN = "Time again"
TIMING_PROGRESS = "Timing…"

TRAIN_INTRO = (
    "The same pre-norm residual network (blocks h ← h + W₂·GELU(W₁·norm(h)), "
    "the placement Llama uses) on the Why normalize page's synthetic task, once "
    "with `nn.LayerNorm` and once with `nn.RMSNorm`: the same initial weights, "
    "the same batches, Adam at the same learning rate. Their steps alternate, "
    "so load on the machine slows both alike."
)
TRAIN_PROGRESS = "Training both networks…"
FINAL_HELP = "Loss on the whole training set, averaged over the last 10% of the run."
STEP_HELP = "Wall-clock time of one step: forward, backward and the Adam update."
TRAIN_CAPTION = (
    "{blocks} blocks of width {width}, {steps} Adam steps at lr {lr}, batch 64, "
    "seed {seed}. Load average {load} at the start; the process got {share}% "
    "of a core."
)
SHIPPED_SOURCE = (
    "Shipped result: trained and timed on {when} by `python -m bench.rms_train "
    "--write` with this code; the losses repeat on any machine, the times are "
    "that machine's."
)
STORED_SOURCE = "Trained on this server at {when}, kept for every visitor."

SEED_CAPTION = (
    "Every cell is a number from this page: the means and spreads from "
    "section 2, β from section 4, the times from section 5 ({timed}), the ε "
    "values from section 3 (Hugging Face's defaults), the representation "
    "shift from section 1 (re-centre one example)."
)
SEED_UNTIMED = "not timed yet at these tokens"
SEED_TIMED = "tensor ops, {label}"
WHERE_USED = (
    "**Where you'll see them.** LayerNorm: BERT, GPT-2, ViT and most "
    "transformers before about 2022. RMSNorm: T5 (a layer normalization that "
    "only rescales, with no bias), Llama, Mistral, Gemma and many recent large "
    "language models, usually in the pre-norm position."
)
SIDE_INTRO = (
    "**Both formulas**, per example n over its C features. RMSNorm drops μ and "
    "β; torch puts ε inside the square root for both."
)
