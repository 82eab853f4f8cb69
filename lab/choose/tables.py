"""The comparison tables and the pitfalls, as data: one source for the page's
panels, its cheat sheet and its tests.

Every cell is short and names the live view that shows it (a key of
`lab.choose.links.DEMOS`); a header cell (a family, an aspect, an
architecture) names none. Claims from papers name them in the copy around the
tables (`lab.choose.texts`).
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.choose.flow import STEPS
from lab.choose.links import DEMOS


@dataclass(frozen=True)
class Cell:
    """A table cell: its words and the demonstration it links to (None: a
    header cell)."""

    text: str
    demo: str | None = None

    def md(self) -> str:
        """The cell in the panels' little Markdown: a link when it has a demo."""
        return self.text if self.demo is None else DEMOS[self.demo].md(self.text)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    head: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def cells(self) -> list[Cell]:
        return [c for row in self.rows for c in row]


def _row(label: str, *cells: tuple[str, str]) -> tuple[Cell, ...]:
    return (Cell(label), *(Cell(t, d) for t, d in cells))


FAMILIES = Table(
    "families",
    "Five families at a glance",
    ("", "Statistics over", "Batch-dependent?", "Train = test?", "Lives in"),
    (
        _row(
            "BatchNorm",
            ("(N, H, W) per channel", "tensor_batch"),
            ("Yes", "coupling_nudge_batch"),
            ("No: train ≠ eval", "te_stale"),
            ("CNNs (ResNet)", "coupling_room"),
        ),
        _row(
            "LayerNorm",
            ("Features, per example", "lab_row"),
            ("No", "coupling_nudge_layer"),
            ("Yes", "te_layer"),
            ("Transformers, RNNs", "seq_layer"),
        ),
        _row(
            "RMSNorm",
            ("Features, no mean", "lab_rms_mean"),
            ("No", "coupling_probe_rms"),
            ("Yes", "te_rms"),
            ("Recent LLMs", "rms_table"),
        ),
        _row(
            "GroupNorm",
            ("(C/G, H, W) per example", "tensor_group"),
            ("No", "coupling_tiny_group"),
            ("Yes: no running statistics", "coupling_probe_group"),
            ("Detection, small batches", "lab_grouped"),
        ),
        _row(
            "InstanceNorm",
            ("(H, W) per example and channel", "tensor_instance"),
            ("No", "tensor_instance_one"),
            ("Yes (torch's default)", "tensor_instance_one"),
            ("Style transfer", "tensor_instance"),
        ),
    ),
)

ASPECTS = Table(
    "aspects",
    "BatchNorm vs LayerNorm, aspect by aspect",
    ("Aspect", "BatchNorm", "LayerNorm"),
    (
        _row(
            "Normalization axis",
            ("The batch, per feature", "lab_column"),
            ("The features, per example", "lab_row"),
        ),
        _row(
            "Mean/var pairs",
            ("C, one per channel", "tensor_batch"),
            ("N, one per example (N·T for tokens)", "tensor_layer"),
        ),
        _row(
            "Depends on batch composition",
            ("Yes", "coupling_one_class"),
            ("No", "coupling_nudge_layer"),
        ),
        _row(
            "Works at batch size 1",
            ("No: every output is β", "lab_one"),
            ("Yes", "lab_one_layer"),
        ),
        _row(
            "Train vs eval",
            ("Train ≠ eval", "te_stale"),
            ("The same computation", "te_layer"),
        ),
        _row(
            "Implicit regularization",
            ("Batch noise, ∝ 1/√B", "coupling_tiny"),
            ("None from the batch", "coupling_room"),
        ),
        _row(
            "Memory for running stats",
            ("2C + 1 buffers", "rms_memory"),
            ("None", "rms_memory"),
        ),
        _row(
            "Distributed training",
            ("Needs SyncBatchNorm", "coupling_gpus"),
            ("Nothing to sync", "coupling_nudge_layer"),
        ),
        _row(
            "Sequence models",
            ("Pools the pads unless masked", "seq_ragged"),
            ("Per token: pads never seen", "seq_layer"),
        ),
        _row(
            "CNNs",
            ("The standard at ≥ 32 per device", "coupling_room"),
            ("Over (C, H, W): GroupNorm(1, C)", "tensor_layer"),
        ),
        _row(
            "Transformers",
            ("Rare: padding, batch 1", "seq_ragged"),
            ("The standard (or RMSNorm)", "rms_table"),
        ),
        _row(
            "Inference latency",
            ("Eval: a fixed affine map, foldable", "coupling_nudge_eval"),
            ("Statistics per token at run time", "rms_decode"),
        ),
    ),
)

ARCHITECTURES = Table(
    "architectures",
    "Which norm for which architecture",
    ("Architecture", "Choose", "Runner-up"),
    (
        _row(
            "CNN, large batch",
            ("BatchNorm", "coupling_room"),
            ("GroupNorm", "coupling_tiny_group"),
        ),
        _row(
            "CNN, small batch",
            ("GroupNorm", "coupling_tiny_group"),
            ("SyncBatchNorm", "coupling_gpus"),
        ),
        _row("Transformer", ("LayerNorm", "seq_layer"), ("RMSNorm", "rms_table")),
        _row(
            "GAN generator",
            ("InstanceNorm", "tensor_instance"),
            ("GroupNorm", "tensor_group"),
        ),
        _row("RNN / LSTM", ("LayerNorm", "lab_one_layer"), ("RMSNorm", "lab_rms_mean")),
    ),
)

_STEP_NORMS = {
    "ragged": "LayerNorm",
    "style": "InstanceNorm",
    "serve_one": "LayerNorm",
    "sequence_model": "LayerNorm (or RMSNorm)",
    "cnn_large": "BatchNorm",
    "cnn_tiny": "GroupNorm",
    "many_devices": "BatchNorm with SyncBatchNorm",
    "cnn_medium": "BatchNorm (GroupNorm close)",
}

FLOW = Table(
    "flow",
    "The decision flow, in the order it is asked",
    ("", "Question", "If yes"),
    tuple(
        (Cell(f"{i}."), Cell(s.question), Cell(_STEP_NORMS[s.key], s.demo))
        for i, s in enumerate(STEPS, 1)
    ),
)

TABLES: tuple[Table, ...] = (FAMILIES, ASPECTS, ARCHITECTURES, FLOW)


@dataclass(frozen=True)
class Pitfall:
    """A mistake practitioners make, in a line, and the page that measures it."""

    key: str
    title: str
    what: str
    demo: str


PITFALLS: tuple[Pitfall, ...] = (
    Pitfall(
        "eval",
        "Forgetting `model.eval()`",
        "BatchNorm keeps using each batch's statistics; served one at a time, "
        "every output is β.",
        "te_one",
    ),
    Pitfall(
        "padding",
        "Padding in BatchNorm",
        "Pads enter every channel's mean and variance and move the real tokens.",
        "seq_ragged",
    ),
    Pitfall(
        "frozen",
        "Frozen BatchNorm when fine-tuning",
        "Small fine-tuning batches give noisy statistics; freezing keeps the old.",
        "te_finetune",
    ),
    Pitfall(
        "group1",
        "GroupNorm(1, C) is not a transformer's LayerNorm",
        "One pools a whole image, the other each position on its own.",
        "tensor_pitfall",
    ),
    Pitfall(
        "lr",
        "Learning rate coupled to normalization",
        "The rate a network trains at depends on its norm; change one, retune "
        "the other.",
        "why_lr",
    ),
    Pitfall(
        "prenorm",
        "Post-norm in a deep transformer",
        "At initialization its gradients are large near the output, hence the "
        "warm-up; pre-norm's stay about even (Xiong et al. 2020).",
        "why_prenorm",
    ),
    Pitfall(
        "accum",
        "SyncBatchNorm with gradient accumulation",
        "Statistics come from one micro-batch on all devices, not the effective batch.",
        "coupling_accum",
    ),
    Pitfall(
        "dropout",
        "Dropout before BatchNorm",
        "Dropout changes the variance BatchNorm learns in training, not in eval "
        "(Li et al. 2019).",
        "te_dropout",
    ),
)

ALL_DEMOS: frozenset[str] = frozenset(
    {c.demo for t in TABLES for c in t.cells() if c.demo}
    | {p.demo for p in PITFALLS}
    | {s.demo for s in STEPS}
)
"""Every demonstration the page links to from its tables, pitfalls and flow."""
