"""Teaching copy of the Tensor view page: control help, scenarios, the side panel,
the set definitions of Wu & He (2018), and the GroupNorm(1) vs LayerNorm pitfall.

Short, exact, friendly. Strings with ``{}`` fields are filled with numbers the
engine computed, never with text from a URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

TITLE = "Tensor view"

INTRO = (
    "Wu & He (2018) drew BatchNorm, LayerNorm, InstanceNorm and GroupNorm as one "
    "cube: a batch of feature maps with axes **N** (examples), **C** (channels) and "
    "**H·W** (positions, flattened). Each family takes a mean and a variance over a "
    "different block of that cube. Here the cube is live: pick a cell and see the "
    "block that shares its statistics."
)

HELP: Mapping[str, str] = MappingProxyType(
    {
        "scenario": "Teaching scenarios: one click sets the controls.",
        "view": "One family drawn large with its readouts, or all four side by "
        "side as in Wu & He's Figure 2.",
        "norm": "The family drawn large (One family) and shown in the unfolded map.",
        "batch": "N: examples in the batch. BatchNorm pools across them.",
        "channels": "C: channels per position. LayerNorm and GroupNorm pool across "
        "them (GroupNorm: within a group).",
        "height": "H: rows of each feature map.",
        "width": "W: columns of each feature map.",
        "groups": "GroupNorm's G: channels are split into G equal groups, so only "
        "divisors of C are possible. G = 1 pools like LayerNorm, G = C like "
        "InstanceNorm.",
        "shift": "Per-channel mean shift: channel c's values are moved by "
        "shift × a random draw per channel.",
        "spot": "A bright patch: each image gets a Gaussian blob at a random spot, "
        "added to every channel, the way brightness varies across a photo.",
        "seed": "Random seed for the data. Same seed, same numbers.",
    }
)

SCENARIO_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "figure": (
            "Wu & He's Figure 2",
            "The four families on one (N, C, H·W) tensor. BatchNorm pools a channel "
            "across the batch; LayerNorm a whole example; InstanceNorm one channel "
            "of one example; GroupNorm a group of channels of one example.",
        ),
        "layer": (
            "G = 1: GroupNorm meets LayerNorm",
            "One group holds every channel, so GroupNorm pools (C, H, W) of each "
            "example: exactly the sets, and exactly the outputs, of LayerNorm in "
            "Wu & He's figure.",
        ),
        "instance": (
            "G = C: GroupNorm meets InstanceNorm",
            "One channel per group, so GroupNorm pools each channel of each example "
            "over its positions: InstanceNorm.",
        ),
        "one_image": (
            "One image: BatchNorm becomes InstanceNorm",
            "With N = 1, BatchNorm's set for a channel is that channel's H·W "
            "positions in the only image, which is InstanceNorm's set. Unlike on a "
            "vector, a batch of one still runs in training mode: each channel's "
            "mean and variance pool its H·W positions, so they are defined.",
        ),
        "pitfall": (
            "GroupNorm(1, C) is not a transformer's LayerNorm",
            "A bright patch is added to every image. GroupNorm with one group keeps "
            "it; nn.LayerNorm(C) on channels-last tokens normalizes each position on "
            "its own and wipes it out. Scroll to the comparison below the cubes.",
        ),
        "pixels": (
            "One position: H = W = 1",
            "Without spatial positions InstanceNorm pools a single value, so every "
            "output is β, and GroupNorm with G = C does the same. BatchNorm and "
            "LayerNorm are the Lab page's matrix.",
        ),
    }
)

SET_LATEX = r"""\begin{aligned}
\hat x_i &= \frac{x_i-\mu_i}{\sqrt{\sigma_i^2+\epsilon}} \\
\mu_i &= \frac{1}{m}\sum_{k\in\mathcal S_i} x_k \\
\sigma_i^2 &= \frac{1}{m}\sum_{k\in\mathcal S_i}(x_k-\mu_i)^2
\end{aligned}"""
"""Wu & He (2018), Eq. 1–2: one recipe; the families differ only in the set S_i."""

SET_DEFINITION: Mapping[str, str] = MappingProxyType(
    {
        "batch": r"\mathcal S_i = \{k \mid k_C = i_C\}",
        "layer": r"\mathcal S_i = \{k \mid k_N = i_N\}",
        "instance": r"\mathcal S_i = \{k \mid k_N = i_N,\ k_C = i_C\}",
        "group": r"\begin{aligned}\mathcal S_i = \{k \mid\ & k_N = i_N, \\"
        r"& \lfloor \tfrac{k_C}{C/G} \rfloor = \lfloor \tfrac{i_C}{C/G} \rfloor\}"
        r"\end{aligned}",
    }
)
"""Wu & He (2018), Section 3.1: the set of cells that share cell i's statistics."""

POOLS_OVER: Mapping[str, str] = MappingProxyType(
    {
        "batch": "one channel, every example, every position",
        "layer": "one example, every channel, every position",
        "instance": "one example, one channel, every position",
        "group": "one example, one group of C/G channels, every position",
    }
)

POOLED_AXES: Mapping[str, str] = MappingProxyType(
    {
        "batch": "N, H·W (one c)",
        "layer": "C, H·W (one n)",
        "instance": "H·W (one n, c)",
        "group": "C/G, H·W (one n, g)",
    }
)
"""The axes a set spans, and what it holds fixed, for the counts table."""

COUNT_FORMULA: Mapping[str, str] = MappingProxyType(
    {"batch": "C", "layer": "N", "instance": "N·C", "group": "N·G"}
)
"""How many (μ, σ) pairs each family keeps, as Wu & He count them."""

POOL_FORMULA: Mapping[str, str] = MappingProxyType(
    {"batch": "N·H·W", "layer": "C·H·W", "instance": "H·W", "group": "(C/G)·H·W"}
)
"""How many cells each (μ, σ) pair is pooled over."""

SIDE_WHAT = (
    "**What you see.** Every small cube is one activation x[n, c, h, w]; the two "
    "spatial axes are flattened into one, H·W, as in Wu & He's Figure 2. The "
    "coloured cubes are the set S of the focused cell (orange): every cell whose "
    "values go into the same mean μ and variance σ². All four families apply the "
    "same formula; only S changes."
)

SIDE_WHY = (
    "**Why it matters.** BatchNorm's set runs across the batch, so an example's "
    "output depends on its batch-mates and its statistics get noisy as N shrinks. "
    "Wu & He (2018) keep the statistics inside one example and pool a *group* of "
    "channels instead: GroupNorm, whose error they show stays flat from 32 "
    "images per GPU down to 2. G = 1 and G = C are its two ends, LayerNorm "
    "(Ba et al. 2016) and InstanceNorm (Ulyanov et al. 2016)."
)

SIDE_COUNTS = (
    "**Counting statistics.** A layer keeps one (μ, σ) pair per set: BatchNorm C, "
    "LayerNorm N, InstanceNorm N·C, GroupNorm N·G. Multiply by the cells in each "
    "set and you always get N·C·H·W: the sets tile the tensor."
)

PITFALL_TITLE = "GroupNorm(1, C) is not a transformer's LayerNorm"

PITFALL_INTRO = (
    "PyTorch's GroupNorm docs call one group 'equivalent with LayerNorm', and it "
    "is: equivalent to `nn.LayerNorm([C, H, W])`, which normalizes each example "
    "over all its channels *and* positions, as in Wu & He's figure. A "
    "transformer's LayerNorm is `nn.LayerNorm(C)`: it normalizes the last axis "
    "only, so on an image laid out as tokens, channels last (N, H·W, C), it "
    "normalizes every position over its C channels. Same name, different set."
)

PITFALL_SETS = (
    "GroupNorm(1, C) keeps **{g1_stats}** {g1_pairs} (N), each pooled over "
    "**{g1_pool}** {g1_cells} (C·H·W). `nn.LayerNorm(C)` on tokens keeps "
    "**{tok_stats}** {tok_pairs} (N·H·W), each pooled over **{tok_pool}** "
    "{tok_cells} (C): the column of the focused position, outlined."
)
"""Filled with the counts and their nouns, singular for one (`plural`)."""

PITFALL_FOCUS = (
    "Focused cell (example {n}, channel {c}, position ({h}, {w})): raw x = {x}. "
    "GroupNorm(1, C) uses μ = {g1_mu}, σ = {g1_sd} and gives {g1_y}; "
    "LayerNorm(C) uses this position's μ = {tok_mu}, σ = {tok_sd} and gives {tok_y}."
)

PITFALL_MEANS = (
    "Average over channels at each position, after normalizing: with "
    "GroupNorm(1, C) these position means still vary (std **{g1_spread}** across "
    "example {n}'s positions), so a bright patch stays bright. With "
    "`nn.LayerNorm(C)` every position's mean is 0 (std **{tok_spread}**): the "
    "patch is gone. Use GroupNorm(1, C) or `nn.LayerNorm([C, H, W])` for "
    "Wu & He's LayerNorm; channels-last `nn.LayerNorm(C)` (as in ViT tokens or "
    "ConvNeXt's blocks, Liu et al. 2022) for the per-position one."
)

PITFALL_CODE_CAPTION = (
    "The same two computations in torch.nn, for this page's tensor. The lab's "
    "tests run this code and check it against the numbers above."
)

EQUIVALENT: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("group", "layer"): "GroupNorm with G = 1 pools exactly LayerNorm's sets: "
        "identical outputs (largest difference {diff}).",
        ("group", "instance"): "GroupNorm with G = C pools exactly InstanceNorm's "
        "sets: identical outputs (largest difference {diff}).",
        ("batch", "instance"): "With one example, BatchNorm pools exactly "
        "InstanceNorm's sets: identical outputs (largest difference {diff}).",
        ("batch", "layer"): "With one example and one channel, BatchNorm pools "
        "exactly LayerNorm's sets (largest difference {diff}).",
        ("layer", "instance"): "With one channel, LayerNorm pools exactly "
        "InstanceNorm's sets (largest difference {diff}).",
    }
)
"""Said when the engine finds two families' sets equal for the current shape."""

FOCUS_LINE = (
    "Focused cell: **example {n}, channel {c}, position ({h}, {w})**. Click any "
    "cube or any cell of the flat maps, or type its four numbers."
)

UNFOLDED_CAPTION = (
    "The same tensor unfolded: one row per example, one block of H·W columns per "
    "channel. Every family's set is a rectangle here. Click a cell to focus it; "
    "arrow keys move it."
)

CLICK_NOTE = (
    "Click a cube, or a cell in a flat map, to focus it; hover for its value "
    "before and after normalizing. In a cube, only the cubes you can see can be "
    "clicked: reach a hidden one through the unfolded map or the four numbers."
)

PICKERS: tuple[tuple[str, str], ...] = (
    ("Example n", "The focused cell's example (the N axis)."),
    ("Channel c", "The focused cell's channel (the C axis)."),
    ("Row h", "The focused cell's row in the feature map."),
    ("Column w", "The focused cell's column in the feature map."),
)
"""The four numbers that pick the focused cell: label, help."""

COUNTS_HEAD = (
    "Family",
    "Pools over",
    "(μ, σ) pairs",
    "Cells each",
    "μ",
    "√(σ² + ε)",
    "Cell after",
)

COUNTS_CAPTION = (
    "N = {n}, C = {c}, H = {h}, W = {w}, G = {g}. Pairs × cells = N·C·H·W = "
    "{total} for every family: the sets tile the tensor. μ and √(σ² + ε) are "
    "those of the focused cell's set; the focused cell's raw value is {x}."
)

ONE_METRICS: tuple[tuple[str, str], ...] = (
    (
        "(μ, σ) pairs = {count}",
        "How many statistics the layer computes for this tensor.",
    ),
    (
        "Cells per pair = {pool}",
        "How many cells each mean and variance is pooled over.",
    ),
    ("μ of the set", "The mean that normalized the cell."),
    ("√(σ² + ε)", "The divisor that normalized the cell."),
    ("Raw x", "The focused cell before normalizing."),
    ("Normalized", "(x − μ) / √(σ² + ε), with γ = 1, β = 0."),
)
"""The One family layout's readouts: label (with the family's formulas), help."""

PITFALL_METRICS: tuple[tuple[str, str], ...] = (
    (
        "Largest |difference|",
        "Over the whole tensor: max |GroupNorm(1, C) − nn.LayerNorm(C)|.",
    ),
    ("Pairs, GroupNorm(1, C)", "N: one (μ, σ) per example."),
    ("Pairs, LayerNorm(C)", "N·H·W: one per position."),
    ("Difference at the cell", "The difference at the focused cell."),
)
