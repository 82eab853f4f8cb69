"""What a normalization layer costs, computed from the layer's description.

For a layer the student describes — transformer tokens (N, T, C) or a conv
feature map (N, C, H, W), N examples per device, D devices — every family the
layer could use gets: its parameters (γ, β) and buffers (running mean, running
variance, the batch count) as torch.nn's modules hold them by default; the
elements it reduces and the statistics it keeps for the backward pass per step;
the bytes a forward pass must move at least (float32); and, for BatchNorm,
what SyncBatchNorm sends between D devices per step.

The statistics come from the engine's own rule (`lab.core.norms.num_statistics`:
which cells share one), on the shape the engine would be handed: tokens as
(N·T, C) rows (LayerNorm and RMSNorm normalize each token; BatchNorm1d pools a
channel over every token), a feature map as (N, C, H, W). tests/unit/choose/
test_cost.py checks every count against the torch.nn modules and against the
engine on small shapes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lab.core.norms import FAMILY_NAMES, num_statistics

KINDS: tuple[str, ...] = ("tokens", "conv")
FAMILIES: dict[str, tuple[str, ...]] = {
    "tokens": ("batch", "layer", "rms"),
    "conv": ("batch", "group", "instance", "layer"),
}
BYTES = 4
"""float32: every number below is counted at 4 bytes (bfloat16 halves the
activations' share)."""
COUNT_BYTES = 8
"""BatchNorm's num_batches_tracked is an int64."""


@dataclass(frozen=True)
class Layer:
    """The layer the student describes (per device), and the devices."""

    kind: str = "tokens"
    batch: int = 32
    seq: int = 512
    height: int = 56
    width: int = 56
    hidden: int = 1024
    groups: int = 32
    devices: int = 8

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        sizes = (self.batch, self.seq, self.height, self.width, self.hidden)
        if min(sizes) < 1 or self.devices < 1:
            raise ValueError("every size must be ≥ 1")
        if self.hidden % self.groups:
            raise ValueError("groups must divide the channels")

    @property
    def positions(self) -> int:
        """Positions per example: T tokens, or H·W pixels."""
        return self.seq if self.kind == "tokens" else self.height * self.width

    @property
    def elements(self) -> int:
        """Activations of the layer per device: N·T·C or N·C·H·W."""
        return self.batch * self.positions * self.hidden

    def engine_shape(self, family: str) -> tuple[int, ...]:
        """The (N, C, *S) the engine normalizes for ``family``: tokens are rows."""
        if self.kind == "tokens":
            return (self.batch * self.seq, self.hidden)
        return (self.batch, self.hidden, self.height, self.width)


@dataclass(frozen=True)
class Cost:
    """One family's costs for one layer, per device and step (forward)."""

    family: str
    label: str
    gamma: int
    beta: int
    buffers: int  # numbers in running statistics (BatchNorm: 2C + 1)
    statistics: int  # (μ, σ) pairs, or RMSNorm's σ alone
    kept: int  # numbers saved for the backward pass (mean and 1/σ, or 1/σ)
    pool: int  # elements that share one statistic
    elements: int  # elements reduced
    read_bytes: int  # the input, γ and β, running statistics
    write_bytes: int  # the output, what is kept, running statistics

    @property
    def params(self) -> int:
        return self.gamma + self.beta

    @property
    def moved(self) -> int:
        """Bytes a one-pass forward kernel cannot avoid moving."""
        return self.read_bytes + self.write_bytes


def _label(layer: Layer, family: str) -> str:
    if family == "layer" and layer.kind == "conv":
        return "LayerNorm over (C, H, W)"
    if family == "group":
        return f"GroupNorm({layer.groups}, C)"
    if family == "batch":
        return "BatchNorm1d" if layer.kind == "tokens" else "BatchNorm2d"
    return FAMILY_NAMES[family]


def _affine(layer: Layer, family: str) -> tuple[int, int]:
    """γ and β sizes as torch.nn's module holds them by default: per channel,
    except LayerNorm and RMSNorm, per normalized element (LayerNorm over
    (C, H, W): C·H·W); RMSNorm has no β; InstanceNorm2d has none (affine=False)."""
    c = layer.hidden
    if family == "instance":
        return 0, 0
    if family == "layer" and layer.kind == "conv":
        per = c * layer.height * layer.width
        return per, per
    if family == "rms":
        return c, 0
    return c, c


def family_cost(layer: Layer, family: str) -> Cost:
    """Every count for ``family`` on ``layer`` (see the module's docstring)."""
    shape = layer.engine_shape(family)
    stats = num_statistics(shape, family, layer.groups)
    per_stat = 1 if family == "rms" else 2
    gamma, beta = _affine(layer, family)
    c = layer.hidden
    buffers = 2 * c + 1 if family == "batch" else 0
    running = (2 * c * BYTES + COUNT_BYTES) if family == "batch" else 0
    activations = layer.elements * BYTES
    return Cost(
        family=family,
        label=_label(layer, family),
        gamma=gamma,
        beta=beta,
        buffers=buffers,
        statistics=stats,
        kept=per_stat * stats,
        pool=layer.elements // stats,
        elements=layer.elements,
        read_bytes=activations + (gamma + beta) * BYTES + running,
        write_bytes=activations + per_stat * stats * BYTES + running,
    )


def costs(layer: Layer) -> list[Cost]:
    """Every family the layer's kind can use, in the page's order."""
    return [family_cost(layer, f) for f in FAMILIES[layer.kind]]


@dataclass(frozen=True)
class Sync:
    """What SyncBatchNorm sends per BatchNorm layer and step between D devices
    (torch.nn.SyncBatchNorm): forward, an all-gather of each device's (μ_k,
    1/σ_k, n_k), 2C + 1 numbers; backward, an all-reduce of Σ∂y and
    Σ∂y·(x − μ), 2C numbers. Ring traffic per device: an all-gather sends
    (D − 1)/D of the gathered total, an all-reduce 2(D − 1)/D of its payload."""

    devices: int
    forward: int  # numbers each device contributes
    gathered: int  # numbers every device holds after the all-gather
    backward: int  # numbers all-reduced in the backward pass
    sent_bytes: float  # ring traffic per device, both passes

    @property
    def payload_bytes(self) -> int:
        """One device's contribution, both passes, in bytes."""
        return (self.forward + self.backward) * BYTES


def sync(layer: Layer) -> Sync:
    c, d = layer.hidden, layer.devices
    forward, backward = 2 * c + 1, 2 * c
    sent = ((d - 1) * forward + 2 * (d - 1) / d * backward) * BYTES
    return Sync(d, forward, d * forward, backward, sent)


# ---- how the page writes these numbers ----


def count(n: int | float) -> str:
    """An exact count with thousands separators: 16,777,216."""
    return f"{int(n):,}"


def approx(n: int | float) -> str:
    """A count in decimal units, 3 significant digits: 16.8 M, 2.05 K."""
    n = float(n)
    for unit, size in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.3g}"


def binary(n: int) -> str:
    """A count in binary units when it is an exact multiple: 16 Mi, 2 Ki
    (else the decimal `approx`)."""
    for unit, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return approx(n)


def size(n: float) -> str:
    """Bytes in binary units: 64 MiB, 8.0 KiB."""
    for unit, step in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= step:
            v = n / step
            return f"{v:.0f} {unit}" if v == int(v) else f"{v:.1f} {unit}"
    return f"{n:.0f} B"


PRESET = Layer()
"""The material's example: a 1024-dim transformer block at batch 32, sequence
512 (on 8 devices, for SyncBatchNorm's figure)."""
PRESETS: dict[str, tuple[str, Layer]] = {
    "material": ("1024-dim transformer block, batch 32, sequence 512", PRESET),
    "llama": (
        "A 4096-dim LLM layer, batch 4, sequence 4096",
        Layer(kind="tokens", batch=4, seq=4096, hidden=4096, devices=8),
    ),
    "resnet": (
        "ResNet-50's first stage, 32 images of 56 × 56, 256 channels",
        Layer(kind="conv", batch=32, height=56, width=56, hidden=256, devices=8),
    ),
    "detector": (
        "A detector's finest level, 2 images of 200 × 304, 256 channels",
        Layer(kind="conv", batch=2, height=200, width=304, hidden=256, devices=8),
    ),
}
"""Typical layers for the calculator: name → (label, layer)."""


def preset_of(layer: Layer) -> str:
    """The preset ``layer`` is (the settings a kind does not use ignored), or
    "custom"."""
    for name, (_, p) in PRESETS.items():
        same = (p.kind, p.batch, p.hidden, p.devices) == (
            layer.kind,
            layer.batch,
            layer.hidden,
            layer.devices,
        )
        if p.kind == "tokens":
            same = same and p.seq == layer.seq
        else:
            same = same and (p.height, p.width, p.groups) == (
                layer.height,
                layer.width,
                layer.groups,
            )
        if same:
            return name
    return "custom"


MATERIAL_ELEMENTS = 16 * 10**6
"""The material's "≈16 M elements reduced", read as decimal millions."""
MATERIAL_PARAMS = 2 * 10**3
"""The material's "2 K parameters per LayerNorm", read as decimal thousands."""


@dataclass(frozen=True)
class Check:
    """The material's two figures against the computed ones."""

    elements: int
    params: int
    elements_off: float  # relative difference from the decimal reading
    params_off: float
    elements_binary: bool  # exactly 16 Mi: right in binary units
    params_binary: bool


def material_check(layer: Layer) -> Check | None:
    """The material's figures checked, for its own example only."""
    if layer.kind != PRESET.kind or (layer.batch, layer.seq, layer.hidden) != (
        PRESET.batch,
        PRESET.seq,
        PRESET.hidden,
    ):
        return None
    ln = family_cost(layer, "layer")
    return Check(
        elements=ln.elements,
        params=ln.params,
        elements_off=ln.elements / MATERIAL_ELEMENTS - 1,
        params_off=ln.params / MATERIAL_PARAMS - 1,
        elements_binary=ln.elements == 16 * 2**20,
        params_binary=ln.params == 2 * 2**10,
    )


def log2(n: int) -> int | None:
    """The exponent when ``n`` is a power of two."""
    k = int(math.log2(n)) if n > 0 else 0
    return k if n > 0 and 2**k == n else None
