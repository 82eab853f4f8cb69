"""Teaching copy of the Choose a norm page: the title, the scenarios' words,
control help, section intros and the sentences filled with computed numbers.

Short, exact, friendly. Claims from papers name them. Strings with ``{}``
fields are filled with numbers the page computed, never with text from a URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

TITLE = "Choose a norm"

INTRO = (
    "Everything the lab showed, as tables and a decision. Answer a few questions "
    "about your model for a recommendation, a runner-up and the reasons; every "
    "cell and every reason links to the page that shows it live. Then the "
    "pitfalls practitioners hit, and what a norm layer costs."
)

SCENARIO_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "lm": (
            "A language model on 8 GPUs",
            "A transformer trained on sequences of many lengths, 8 per GPU: "
            "padding decides it before anything else does.",
        ),
        "lstm": (
            "An LSTM",
            "A recurrent network over sequences of many lengths: LayerNorm was "
            "made for it (Ba et al. 2016).",
        ),
        "resnet": (
            "ResNet on 8 GPUs, 32 images each",
            "The setting BatchNorm was made for: large per-device batches of "
            "independent images.",
        ),
        "one_gpu": (
            "A CNN on one GPU, 16 images",
            "BatchNorm still works, with noisier statistics than at 32.",
        ),
        "gpus": (
            "8 GPUs, 8 images each",
            "Per-device BatchNorm sees 8 images; SyncBatchNorm sees all 64.",
        ),
        "detector": (
            "A detector, 2 images per GPU",
            "Large images, tiny per-device batches: the case GroupNorm was made "
            "for (Wu & He 2018).",
        ),
        "serving": (
            "A CNN served one image at a time",
            "Trained at 64 a batch, served alone: the flow says LayerNorm, and "
            "BatchNorm in eval mode comes second.",
        ),
        "style": (
            "Style transfer",
            "A generator that should remove each image's contrast: InstanceNorm "
            "(Ulyanov et al. 2016).",
        ),
    }
)
"""Each scenario's title and sentence (its settings: `lab.choose.state`)."""

HELP: Mapping[str, str] = MappingProxyType(
    {
        "scenario": "Typical models: one click answers the questions for one.",
        "arch": "What kind of network the norm goes into.",
        "ragged": "Do the sequences in a batch have different lengths (and so "
        "padding)?",
        "serve": "Will the model be served one example at a time?",
        "per_device": "Examples (images, sequences) per device per step: what one "
        "BatchNorm layer pools without SyncBatchNorm.",
        "devices": "Devices (GPUs) the batch is split across.",
        "kind": "Transformer tokens (N, T, C) or a conv feature map (N, C, H, W).",
        "cbatch": "Examples per device in one step: N.",
        "seq": "Tokens per sequence: T.",
        "height": "Feature map height: H.",
        "width": "Feature map width: W.",
        "hidden": "Hidden size or channels: C.",
        "groups": "GroupNorm's G; only divisors of C.",
        "cdevices": "Devices SyncBatchNorm joins: D.",
        "preset": "Fill in a typical layer. The first is the material's example.",
    }
)

FLOW_TITLE = "Your recommendation"
PICK = "Choose **{pick}**. Runner-up: {runner_up}."
DECIDED = "Decided by question {n}: *{question}*"
REASONS = "Why, each with the page that shows it:"
FLOW_NOTE = (
    "The material's flow, made precise enough to run: a batch means examples "
    "**per device** (what one BatchNorm pools), and style transfer is asked "
    "early because InstanceNorm never looks at the batch. The first question "
    "answered yes decides; 'holds' marks every later one that applies too."
)
MATERIAL_HEAD = "As the material says it"

TABLES_TITLE = "The comparison tables"
TABLES_INTRO = (
    "Every cell links to the view that shows it: a scenario on another page, "
    "opened as that page's own link would open it."
)

PITFALLS_TITLE = "Pitfalls, and where each is measured"
PITFALLS_INTRO = (
    "The mistakes practitioners hit. Each links to the page that measures it; "
    "the last two are measured on Batch coupling and Train vs eval."
)

COST_TITLE = "What a norm layer costs"
COST_INTRO = (
    "For the layer you describe, per device and training step, in float32: "
    "γ and β and buffers as torch.nn's modules hold them by default, the "
    "elements each family reduces, the statistics it keeps for the backward "
    "pass, the bytes a one-pass forward kernel must move, and what "
    "SyncBatchNorm sends between devices."
)
COST_SHAPE = "{kind} of {shape}: **{elements}** elements ({approx}) per device."
COST_SYNC = (
    "SyncBatchNorm on {devices}: each BatchNorm layer sends 2C + 1 = {forward} "
    "numbers in the forward all-gather (each device then holds {gathered}) and "
    "2C = {backward} in the backward all-reduce: {payload} from each device, "
    "{sent} of ring traffic per device, against {activations} of activations."
)
COST_SYNC_ONE = "One device: SyncBatchNorm has nobody to talk to."
COST_LAYER_CONV = (
    "LayerNorm over (C, H, W) pools the same cells as GroupNorm(1, C), but "
    "nn.LayerNorm([C, H, W]) holds γ and β per element: {params} parameters "
    "against GroupNorm's {group}."
)
COST_NOTE = (
    "Statistics: (μ, σ) pairs (RMSNorm: σ alone). Kept for backward: the mean "
    "and 1/σ per statistic (RMSNorm: 1/σ), as torch's kernels save them. Bytes "
    "moved: the input read and the output written, γ and β, what is kept, and "
    "BatchNorm's running statistics read and written; a two-pass kernel reads "
    "the input twice. InstanceNorm2d has no γ or β by default (affine=False)."
)
CHECK_ELEMENTS = (
    "The material's **≈16 M elements reduced**: {n} × {t} × {c} = {elements} "
    "per LayerNorm per step: {exact}; in decimal units {approx}, {off} over 16 M."
)
CHECK_PARAMS = (
    "The material's **2 K parameters per LayerNorm**: γ and β of {c} each, "
    "{params}, {exact}; {off} over 2,000. A pre-norm block has two: {block}."
)

CHEAT_TITLE = "Cheat sheet"
CHEAT_INTRO = (
    "One page to print (your browser's Print keeps only this sheet) or to "
    "download as Markdown."
)
