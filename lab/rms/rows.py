"""One example through both norms: what happens to its mean, and where the
ε conventions part ways for inputs of small norm.

The mean. LayerNorm's output has mean 0 by construction. RMSNorm divides by
the root mean square, so with μ the row's mean, σ² its variance and
rms² = μ² + σ² (ε aside) its output is, exactly,

    y_RMS = (μ/rms)·1 + (σ/rms)·y_LN,

a constant μ/rms on every feature (the sign and part of the size of the
mean) plus LayerNorm's output shrunk by σ/rms = cos θ, θ the angle between
the two outputs. With ε the same identity holds with √(σ²+ε_LN) and
√(rms²+ε_RMS) in place of σ and rms (`MeanSurvives.identity_error`).

ε. torch's ``nn.RMSNorm`` computes x/√(mean(x²) + ε) with ε =
``finfo(dtype).eps`` by default (1.19e-7 in float32); Hugging Face's Llama and
T5 use ε = 1e-6 inside the square root; some texts write x/(RMS(x) + ε), ε
outside. LayerNorm's default is 1e-5; BERT's checkpoints use 1e-12. For an
input of RMS s, inside gives an output RMS of s/√(s² + ε), outside s/(s + ε):
they halve at s = √(ε/3) and s = ε, decades apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from lab.core.norms import normalize

WIDTH = 16  # features of the example


def example(mean: float, seed: int, dtype: torch.dtype) -> Tensor:
    """One example (1, WIDTH): a fixed draw, centred and scaled to standard
    deviation 1, plus ``mean``."""
    z = np.random.default_rng([int(seed), 17]).standard_normal(WIDTH)
    z = (z - z.mean()) / z.std()
    return torch.tensor(z + mean, dtype=dtype).unsqueeze(0)


@dataclass(frozen=True, eq=False)
class MeanSurvives:
    """One example through LayerNorm and RMSNorm (γ = 1, β = 0)."""

    x: np.ndarray  # D  the input
    y_layer: np.ndarray  # D
    y_rms: np.ndarray  # D
    mean_in: float
    std_in: float
    rms_in: float
    mean_layer: float  # LayerNorm's output mean: 0 up to rounding
    mean_rms: float  # RMSNorm's: μ/√(rms² + ε)
    angle: float  # degrees between the two outputs
    kept: float  # the constant RMSNorm adds: μ/√(rms² + ε_RMS)
    shrink: float  # the factor on y_LN: √(σ² + ε_LN)/√(rms² + ε_RMS)
    identity_error: float  # max |y_RMS − (kept·1 + shrink·y_LN)|
    eps_layer: float
    eps_rms: float


def mean_survives(
    mean: float = 3.0, seed: int = 0, eps: float | None = None, dtype: str = "float32"
) -> MeanSurvives:
    """The example with this mean through both norms, with the page's ε (or
    torch's defaults) in ``dtype``."""
    dt = getattr(torch, dtype)
    x = example(mean, seed, dt)
    layer = normalize(x, "layer", eps=eps)
    rms = normalize(x, "rms", eps=eps)
    y_l, y_r = layer.output[0], rms.output[0]  # D, D
    var = float(layer.var[0])
    ms = float(rms.var[0])
    kept = float(x[0].double().mean()) / math.sqrt(ms + rms.eps)
    shrink = math.sqrt(var + layer.eps) / math.sqrt(ms + rms.eps)
    rebuilt = kept + shrink * y_l.double()
    dot = float((y_l.double() * y_r.double()).sum())
    norms = float(y_l.double().norm() * y_r.double().norm())
    angle = math.degrees(math.acos(max(-1.0, min(1.0, dot / norms)))) if norms else 90.0
    return MeanSurvives(
        x=x[0].double().numpy(),
        y_layer=y_l.double().numpy(),
        y_rms=y_r.double().numpy(),
        mean_in=float(x[0].double().mean()),
        std_in=math.sqrt(var),
        rms_in=math.sqrt(ms),
        mean_layer=float(y_l.double().mean()),
        mean_rms=float(y_r.double().mean()),
        angle=angle,
        kept=kept,
        shrink=shrink,
        identity_error=float((y_r.double() - rebuilt).abs().max()),
        eps_layer=layer.eps,
        eps_rms=rms.eps,
    )


# ---- ε conventions ----

SCALES = np.logspace(-10, 1, 45)
"""Input RMS values s the conventions are compared at: 1e-10 to 10."""
TABLE_SCALES: tuple[float, ...] = (1.0, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8)


@dataclass(frozen=True)
class Convention:
    key: str
    name: str
    family: str  # "rms" or "layer"
    eps: float | None  # None: torch's default for the dtype
    inside: bool  # ε under the square root (torch) or added to the RMS


def conventions(eps: float | None) -> tuple[Convention, ...]:
    """The conventions compared, and the page's ε (inside) when it is not one
    of them."""
    out = [
        Convention(
            "torch", "nn.RMSNorm default: ε = finfo.eps, inside", "rms", None, True
        ),
        Convention("llama", "Llama / T5: ε = 1e-6, inside", "rms", 1e-6, True),
        Convention("outside", "RMS(x) + ε, ε = 1e-6 outside", "rms", 1e-6, False),
        Convention("layer", "nn.LayerNorm default: ε = 1e-5", "layer", 1e-5, True),
        Convention("bert", "BERT: LayerNorm, ε = 1e-12", "layer", 1e-12, True),
    ]
    if eps is not None and eps not in (1e-6, 1e-5, 1e-12):
        out.append(
            Convention(
                "page", f"RMSNorm, ε = {eps:g} (this page's), inside", "rms", eps, True
            )
        )
    return tuple(out)


def scaled_rows(scales: np.ndarray, seed: int, dtype: torch.dtype) -> Tensor:
    """One fixed centred direction of RMS 1, scaled to each s: (S, WIDTH)."""
    z = example(0.0, seed, torch.float64)  # 1,D  mean 0, RMS 1
    return (torch.tensor(scales, dtype=torch.float64).unsqueeze(1) * z).to(dtype)


def output_rms(conv: Convention, x: Tensor) -> np.ndarray:
    """The RMS of each row's output (S,): 1 where ε does not matter.

    Inside conventions go through the engine (torch's formulas); the outside
    one is x/(RMS(x) + ε), written out."""
    if conv.inside:
        y = normalize(x, conv.family, eps=conv.eps).output
    else:
        rms = x.double().square().mean(1, keepdim=True).sqrt()
        y = (x.double() / (rms + conv.eps)).to(x.dtype)
    return y.double().square().mean(1).sqrt().numpy()


def half_scale(conv: Convention, dtype: torch.dtype) -> float:
    """The input RMS s at which the output RMS is 1/2: √(ε/3) inside, ε
    outside (exact arithmetic; 0 when ε = 0)."""
    eps = conv.eps
    if eps is None:
        eps = float(torch.finfo(dtype).eps)
    return math.sqrt(eps / 3) if conv.inside else eps


@dataclass(frozen=True, eq=False)
class EpsCompare:
    dtype: str
    convs: tuple[Convention, ...]
    scales: np.ndarray  # S
    out: np.ndarray  # K,S  output RMS per convention
    table: np.ndarray  # K,T  the same at TABLE_SCALES
    half: np.ndarray  # K  where the output RMS is 1/2


def eps_compare(
    eps: float | None = None, seed: int = 0, dtype: str = "float32"
) -> EpsCompare:
    """Every convention's output RMS over `SCALES` and at `TABLE_SCALES`."""
    dt = getattr(torch, dtype)
    convs = conventions(eps)
    x = scaled_rows(SCALES, seed, dt)
    xt = scaled_rows(np.array(TABLE_SCALES), seed, dt)
    return EpsCompare(
        dtype=dtype,
        convs=convs,
        scales=SCALES,
        out=np.stack([output_rms(c, x) for c in convs]),
        table=np.stack([output_rms(c, xt) for c in convs]),
        half=np.array([half_scale(c, dt) for c in convs]),
    )
