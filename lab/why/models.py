"""The networks and the data of the "Why normalize" page, built from torch.nn.

A deep ReLU MLP whose blocks are ``Linear → norm → ReLU`` (the placement of
Ioffe & Szegedy 2015), with the norm one of: none, ``nn.BatchNorm1d``,
``nn.LayerNorm``, ``nn.RMSNorm``, or BatchNorm followed by `NoisyShift`, the
"noisy BatchNorm" of Santurkar et al. 2018. And a small transformer-style stack
of ``nn.TransformerEncoderLayer`` in post-norm or pre-norm form (Xiong et al.
2020). Everything is plain torch.nn so a student can read the model as they
would write it; the training loops live in `lab.why.runs` and `lab.why.xiong`.

The task is synthetic, made in `lab.core.tasks` (the LayerNorm vs RMSNorm
page trains on it too): inputs are standard normal vectors and the label is
the argmax of a fixed random "teacher" network, so the classes are
learnable but not linearly separable, and a seed reproduces it exactly.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from lab.core.tasks import CLASSES, INPUTS
from lab.core.tasks import TEACHER_WIDTH as TEACHER_WIDTH  # re-exported
from lab.core.tasks import TRAIN_SIZE as TRAIN_SIZE
from lab.core.tasks import Task as Task
from lab.core.tasks import make_task as make_task

VARIANTS: tuple[str, ...] = ("none", "batch", "layer", "rms", "noisy")
"""The MLP's normalization variants, in the order the page lists them."""

VARIANT_NAMES: dict[str, str] = {
    "none": "No norm",
    "batch": "BatchNorm",
    "layer": "LayerNorm",
    "rms": "RMSNorm",
    "noisy": "Noisy BatchNorm",
}

INITS: tuple[str, ...] = ("he", "torch")
"""Weight initializations: He (Kaiming normal, fan-in, ReLU gain; biases zero),
or torch.nn.Linear's own default (uniform, about a third of He's variance)."""


class NoisyShift(nn.Module):
    """Santurkar et al. 2018's "noisy BatchNorm": a random scale and shift per
    feature, placed right after a BatchNorm and redrawn at every training step.

    The next layer's inputs then move their mean and spread at every step, far
    more than any "internal covariate shift" a plain network has, yet the network
    still trains: evidence that controlling the input distribution is not what
    makes BatchNorm work. ``scale`` and ``shift`` are buffers so a training loop
    can redraw them (`draw_noise`) and replay the same ones when it probes the
    loss landscape. In eval mode the layer is the identity.
    """

    def __init__(self, width: int) -> None:
        super().__init__()
        self.register_buffer("scale", torch.ones(width))  # W
        self.register_buffer("shift", torch.zeros(width))  # W

    def forward(self, x: Tensor) -> Tensor:  # B,W
        return x * self.scale + self.shift if self.training else x


def draw_noise(
    width: int, level: float, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """One step's noise for one `NoisyShift`: ``(scale, shift)``, each (width,).

    shift ~ U(−level, level) and log scale ~ U(−level/2, level/2): for level 1,
    every feature's mean jumps by up to ±1 (its std after BatchNorm is 1) and
    its spread by a factor between 0.61 and 1.65, anew at every step.
    """
    u = torch.rand(2, width, generator=generator)  # 2,W
    scale = torch.exp((u[0] - 0.5) * level)  # W
    shift = (2 * u[1] - 1) * level  # W
    return scale, shift


def _norm_layer(norm: str, width: int) -> list[nn.Module]:
    if norm == "none":
        return []
    if norm == "batch":
        return [nn.BatchNorm1d(width)]
    if norm == "layer":
        return [nn.LayerNorm(width)]
    if norm == "rms":
        return [nn.RMSNorm(width)]
    if norm == "noisy":
        return [nn.BatchNorm1d(width), NoisyShift(width)]
    raise ValueError(f"unknown variant {norm!r}; expected one of {VARIANTS}")


def build_mlp(depth: int, width: int, norm: str, init: str, seed: int) -> nn.Sequential:
    """A ``depth``-block MLP, INPUTS → width → … → CLASSES, seeded.

    The Linear weights depend only on (depth, width, init, seed), never on the
    norm: every variant starts from the same weights, so any difference between
    the runs comes from the normalization alone.
    """
    if depth < 1 or width < 1:
        raise ValueError("depth and width must be at least 1")
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; expected one of {INITS}")
    g = torch.Generator().manual_seed(int(seed))
    layers: list[nn.Module] = []
    fan_in = INPUTS
    with torch.random.fork_rng(devices=[]):  # leave the global RNG as it was
        for _ in range(depth):
            linear = nn.Linear(fan_in, width)
            _init_linear(linear, init, g)
            layers += [linear, *_norm_layer(norm, width), nn.ReLU()]
            fan_in = width
        head = nn.Linear(fan_in, CLASSES)
    _init_linear(head, "torch", g)
    layers.append(head)
    return nn.Sequential(*layers)


def _init_linear(linear: nn.Linear, init: str, g: torch.Generator) -> None:
    """Initialize from ``g`` (not the global RNG), so a seed is a full recipe."""
    fan_in = linear.in_features
    with torch.no_grad():
        if init == "he":
            nn.init.normal_(linear.weight, 0.0, (2.0 / fan_in) ** 0.5, generator=g)
            nn.init.zeros_(linear.bias)
        else:  # torch.nn.Linear.reset_parameters: kaiming_uniform(a=√5) = U(±1/√fan_in)
            bound = 1.0 / fan_in**0.5
            nn.init.uniform_(linear.weight, -bound, bound, generator=g)
            nn.init.uniform_(linear.bias, -bound, bound, generator=g)


def noise_layers(model: nn.Sequential) -> list[str]:
    """Names of the `NoisyShift` layers in ``model`` (empty unless "noisy")."""
    return [name for name, m in model.named_children() if isinstance(m, NoisyShift)]


def probe_index(model: nn.Sequential) -> int:
    """Index just past the middle block's norm (and noise): the slice
    ``model[:probe_index]`` gives the pre-ReLU activations of that block, the
    distribution a reader of "internal covariate shift" would watch."""
    linears = [i for i, m in enumerate(model) if isinstance(m, nn.Linear)][:-1]
    middle = linears[len(linears) // 2]
    i = middle + 1
    while i < len(model) and not isinstance(model[i], nn.ReLU):
        i += 1
    return i


# ---- Xiong et al. 2020: pre-norm vs post-norm at initialization ----

D_MODEL = 64
HEADS = 4
SEQ = 16
STACK_BATCH = 8
TOKENS = 16  # classes of the per-token loss


def build_stack(depth: int, norm_first: bool, seed: int) -> nn.Module:
    """``depth`` transformer encoder layers (self-attention + FFN, no dropout)
    and a linear head. Post-norm (``norm_first=False``) is the original
    Transformer: LayerNorm after each residual addition. Pre-norm puts it at the
    start of each branch and adds a final LayerNorm before the head, as Xiong et
    al. 2020 analyse.

    nn.TransformerEncoder deep-copies one layer, so every layer would start with
    the same weights; here each weight matrix is redrawn independently from
    ``seed`` with Xavier-normal initialization and zero biases, the setting
    Xiong et al. analyse. LayerNorms start at γ = 1, β = 0.
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    with torch.random.fork_rng(devices=[]):  # leave the global RNG as it was
        layer = nn.TransformerEncoderLayer(
            D_MODEL,
            HEADS,
            4 * D_MODEL,
            dropout=0.0,
            batch_first=True,
            norm_first=norm_first,
        )
        encoder = nn.TransformerEncoder(
            layer,
            depth,
            norm=nn.LayerNorm(D_MODEL) if norm_first else None,
            enable_nested_tensor=False,
        )
        stack = nn.Sequential(encoder, nn.Linear(D_MODEL, TOKENS))
    g = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for m in stack.modules():  # in order: layer 1's attention, its FFN, layer 2…
            if isinstance(m, nn.MultiheadAttention):
                nn.init.xavier_normal_(m.in_proj_weight, generator=g)
                nn.init.zeros_(m.in_proj_bias)
            if isinstance(m, nn.Linear):  # includes attention's out_proj
                nn.init.xavier_normal_(m.weight, generator=g)
                nn.init.zeros_(m.bias)
    return stack


def stack_batch(seed: int) -> tuple[Tensor, Tensor]:
    """Random inputs (B, T, D) and per-token labels (B, T) for the stack."""
    g = torch.Generator().manual_seed(int(seed) + 1)
    x = torch.randn(STACK_BATCH, SEQ, D_MODEL, generator=g)  # B,T,D
    y = torch.randint(0, TOKENS, (STACK_BATCH, SEQ), generator=g)  # B,T
    return x, y
