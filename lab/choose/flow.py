"""Which norm for which model: the decision flow as data and one pure function.

The material this lab teaches ends in a flow — variable-length sequences →
LayerNorm; batch-1 serving → LayerNorm; many GPUs → LayerNorm, or BatchNorm
with SyncBatchNorm; a CNN with batch ≥ 32 → BatchNorm; style transfer →
InstanceNorm; 2–4 samples per GPU → GroupNorm — and a table by architecture
(CNN large batch → BatchNorm, small batch → GroupNorm; transformer → LayerNorm
or RMSNorm; GAN generator → InstanceNorm or GroupNorm; RNN/LSTM → LayerNorm).

`STEPS` is that flow made precise enough to run, in the order it is asked; the
first step whose condition holds decides, and every step that holds gives a
reason. Two readings make the material's lines agree with each other:

- "batch" means examples **per device**: what one BatchNorm layer pools unless
  SyncBatchNorm joins the devices. "Many GPUs" is then the case where that is
  small (5–31) while the devices together hold more.
- InstanceNorm never looks across examples, so style transfer is asked before
  serving and devices, which cannot change it.

`recommend` is pure and unit-tested line by line against the material
(tests/unit/choose/test_flow.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from lab.core.helpers import plural

ARCHS: tuple[str, ...] = ("cnn", "transformer", "rnn", "generator")
ARCH_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "cnn": "CNN",
        "transformer": "Transformer",
        "rnn": "RNN / LSTM",
        "generator": "Generator / style transfer",
    }
)
NORMS: Mapping[str, str] = MappingProxyType(
    {
        "batch": "BatchNorm",
        "sync": "BatchNorm with SyncBatchNorm",
        "masked": "BatchNorm with a padding mask",
        "layer": "LayerNorm",
        "rms": "RMSNorm",
        "group": "GroupNorm",
        "instance": "InstanceNorm",
    }
)
SEQUENCE_MODELS: Mapping[str, str] = MappingProxyType(
    {"transformer": "A transformer", "rnn": "An RNN"}
)
LARGE = 32
"""Examples per device from which BatchNorm's statistics are "large batch"."""
TINY = 4
"""Examples per device up to which a CNN is "2–4 per GPU" (1 included)."""


@dataclass(frozen=True)
class Answers:
    """The flow's questions, answered."""

    arch: str = "transformer"
    ragged: bool = False  # sequences of variable length
    serve_one: bool = False  # serving at batch size 1
    per_device: int = 32  # examples (images, sequences) per device per step
    devices: int = 1

    def __post_init__(self) -> None:
        if self.arch not in ARCHS:
            raise ValueError(f"arch must be one of {ARCHS}, got {self.arch!r}")
        if self.per_device < 1 or self.devices < 1:
            raise ValueError("per_device and devices must be ≥ 1")

    @property
    def total(self) -> int:
        """Examples per step over all devices: what SyncBatchNorm pools."""
        return self.per_device * self.devices


@dataclass(frozen=True)
class Step:
    """One question of the flow: when it holds, what it picks and what comes
    second (each may depend on the architecture), and the demonstration that
    shows why."""

    key: str
    question: str
    when: Callable[[Answers], bool]
    pick: Callable[[Answers], str]
    runner_up: Callable[[Answers], str]
    demo: str


def _by_arch(default: str, **arch: str) -> Callable[[Answers], str]:
    return lambda a: arch.get(a.arch, default)


def _cnn(a: Answers) -> bool:
    return a.arch == "cnn"


STEPS: tuple[Step, ...] = (
    Step(
        "ragged",
        "Sequences of variable length?",
        lambda a: a.ragged,
        lambda a: "layer",
        _by_arch("rms", cnn="masked"),
        "seq_ragged",
    ),
    Step(
        "style",
        "Style transfer or a generator?",
        lambda a: a.arch == "generator",
        lambda a: "instance",
        lambda a: "group",
        "tensor_instance",
    ),
    Step(
        "serve_one",
        "Serving at batch size 1?",
        lambda a: a.serve_one,
        lambda a: "layer",
        _by_arch("rms", cnn="batch"),
        "lab_one",
    ),
    Step(
        "sequence_model",
        "A transformer or an RNN?",
        lambda a: a.arch in ("transformer", "rnn"),
        lambda a: "layer",
        lambda a: "rms",
        "seq_layer",
    ),
    Step(
        "cnn_large",
        f"A CNN with ≥ {LARGE} examples per device?",
        lambda a: _cnn(a) and a.per_device >= LARGE,
        lambda a: "batch",
        lambda a: "group",
        "coupling_room",
    ),
    Step(
        "cnn_tiny",
        f"A CNN with 1–{TINY} examples per device?",
        lambda a: _cnn(a) and a.per_device <= TINY,
        lambda a: "group",
        lambda a: "sync" if a.devices > 1 else "layer",
        "coupling_tiny_group",
    ),
    Step(
        "many_devices",
        f"A CNN on several devices, {TINY + 1}–{LARGE - 1} examples each?",
        lambda a: _cnn(a) and a.devices > 1 and TINY < a.per_device < LARGE,
        lambda a: "sync",
        lambda a: "group",
        "coupling_gpus",
    ),
    Step(
        "cnn_medium",
        f"A CNN on one device, {TINY + 1}–{LARGE - 1} examples?",
        lambda a: _cnn(a) and a.devices == 1 and TINY < a.per_device < LARGE,
        lambda a: "batch",
        lambda a: "group",
        "coupling_tiny",
    ),
)
"""The flow, in the order it is asked (the material's lines made precise)."""

MATERIAL: tuple[tuple[str, str], ...] = (
    ("Variable-length sequences", "LayerNorm"),
    ("Batch-1 serving", "LayerNorm"),
    ("Many GPUs", "LayerNorm, or BatchNorm with SyncBatchNorm"),
    ("CNN with batch ≥ 32", "BatchNorm"),
    ("Style transfer", "InstanceNorm"),
    ("2–4 samples per GPU", "GroupNorm"),
)
"""The flow as the material words it, for the page to show beside `STEPS`."""


@dataclass(frozen=True)
class Reason:
    """One reason for the advice, and the live view that shows it."""

    step: str
    text: str
    demo: str


@dataclass(frozen=True)
class Advice:
    """What `recommend` says: a norm, the runner-up, the step that decided,
    every step that held (in order) and a reason for each."""

    pick: str
    runner_up: str
    decided_by: str
    held: tuple[str, ...]
    reasons: tuple[Reason, ...]

    @property
    def name(self) -> str:
        return NORMS[self.pick]

    @property
    def runner_up_name(self) -> str:
        return NORMS[self.runner_up]


def _reason(step: str, a: Answers) -> tuple[str, str]:
    """The sentence for a step that holds, with the answers' numbers, and the
    key of the demonstration it links to."""
    b, d, n = a.per_device, a.devices, a.total
    per = plural(b, "example")
    seq_model = SEQUENCE_MODELS.get(a.arch, "A sequence model")  # built for all
    text = {
        "ragged": "Sequences of variable length: BatchNorm pools every padded "
        "position into its channel's statistics unless it gets a mask; LayerNorm "
        "normalizes each token over its own features, so padding never reaches a "
        "real token (Ba et al. 2016).",
        "style": "Style transfer and generators: InstanceNorm normalizes each "
        "channel of each image on its own, removing the image's contrast "
        "(Ulyanov et al. 2016); GroupNorm pools a few channels instead (Wu & He "
        "2018). Neither looks at the batch.",
        "serve_one": "Serving one example at a time: BatchNorm can only run in "
        "eval mode there, on running statistics that must still fit the data "
        "(in train mode every output would be β). LayerNorm computes the same "
        "thing in training and serving, as every per-example norm does.",
        "sequence_model": f"{seq_model}: LayerNorm normalizes each "
        "token or time step on its own, at any batch size (Ba et al. 2016); "
        "RMSNorm drops the mean and is what many recent language models use "
        "(Zhang & Sennrich 2019).",
        "cnn_large": f"{per} per device: BatchNorm pools them (and every "
        "position) per channel, and its batch noise, which falls like 1/√B, is "
        "small (Ioffe & Szegedy 2015).",
        "cnn_tiny": f"{per} per device: BatchNorm's statistics come from "
        f"{plural(b, 'image')} and swing with them; GroupNorm's do not depend "
        "on the batch at all (Wu & He 2018).",
        "many_devices": f"{plural(d, 'device')} × {per}: plain BatchNorm pools "
        f"{b} per device, SyncBatchNorm all {n}, for one all-reduce of 2C + 1 "
        "numbers per layer.",
        "cnn_medium": f"{per} on one device: BatchNorm works, with noisier "
        f"statistics than at {LARGE} (their spread falls like 1/√B); GroupNorm "
        "does not depend on the batch (Wu & He 2018).",
    }[step]
    demo = next(s.demo for s in STEPS if s.key == step)
    return text, demo


def _notes(a: Answers, pick: str, runner_up: str) -> list[Reason]:
    """What the runner-up or the devices add to the steps' reasons."""
    out = []
    if a.arch in ("transformer", "rnn") and a.devices > 1:
        out.append(
            Reason(
                "devices",
                f"{plural(a.devices, 'device')}: LayerNorm never looks across "
                "examples, so there is nothing to synchronize.",
                "coupling_nudge_layer",
            )
        )
    if pick == "batch" and a.devices > 1:
        out.append(
            Reason(
                "devices",
                f"{plural(a.devices, 'device')}: each BatchNorm already pools "
                f"{a.per_device} examples; SyncBatchNorm ({a.total}) is optional.",
                "coupling_gpus",
            )
        )
    if runner_up == "batch" and a.serve_one:
        out.append(
            Reason(
                "runner_up",
                "BatchNorm still serves one image in eval mode: it is then a fixed "
                "affine map per channel. What goes wrong is a forgotten "
                "model.eval() or statistics gone stale.",
                "coupling_nudge_eval",
            )
        )
    if runner_up == "masked":
        out.append(
            Reason(
                "runner_up",
                "BatchNorm with a padding mask pools the real tokens only.",
                "seq_masked",
            )
        )
    return out


def recommend(a: Answers) -> Advice:
    """The flow's answer for ``a``: the first step that holds decides.

    Every ``a`` reaches a step (the four CNN steps split every CNN by its
    examples per device, and every other architecture is caught earlier), so
    there is always an answer.
    """
    held = [s for s in STEPS if s.when(a)]
    first = held[0]
    pick, runner_up = first.pick(a), first.runner_up(a)
    reasons = [Reason(s.key, *_reason(s.key, a)) for s in held]
    reasons += _notes(a, pick, runner_up)
    return Advice(
        pick=pick,
        runner_up=runner_up,
        decided_by=first.key,
        held=tuple(s.key for s in held),
        reasons=tuple(reasons),
    )
