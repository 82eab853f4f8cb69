"""Parameters, buffers and memory traffic of LayerNorm and RMSNorm.

Counts come from the torch.nn modules themselves (their parameters and
buffers), BatchNorm's beside them for contrast. Memory per token has two
parts: the traffic a one-pass kernel cannot avoid (read the row, write the
row; γ and β are read once per call, so per token they cost 1/T of a row),
which is a model, and what autograd keeps for the backward pass, which is
measured here with ``torch.autograd.graph.saved_tensors_hooks`` on the
library kernels and on the tensor-op references of `lab.rms.timing`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lab.rms.timing import IMPLS, implementations

BYTES: dict[str, int] = {"float32": 4, "bfloat16": 2, "float64": 8}


@dataclass(frozen=True)
class Counts:
    """What a module holds for a hidden size: learned parameters and buffers."""

    gamma: int
    beta: int
    buffers: int  # elements of running statistics (BatchNorm's mean, var, count)
    buffer_names: tuple[str, ...]

    @property
    def params(self) -> int:
        return self.gamma + self.beta


def counts(module: nn.Module) -> Counts:
    """Read γ, β and the buffers off a torch.nn norm module."""
    named = dict(module.named_parameters())
    bufs = dict(module.named_buffers())
    return Counts(
        gamma=named["weight"].numel() if "weight" in named else 0,
        beta=named["bias"].numel() if "bias" in named else 0,
        buffers=sum(b.numel() for b in bufs.values()),
        buffer_names=tuple(bufs),
    )


def modules(hidden: int) -> dict[str, nn.Module]:
    return {
        "layer": nn.LayerNorm(hidden),
        "rms": nn.RMSNorm(hidden),
        "batch": nn.BatchNorm1d(hidden),
    }


def saved_bytes(impl: str, hidden: int, tokens: int, dtype: str) -> int:
    """Bytes autograd keeps for the backward pass of one call (measured).

    Every tensor saved for backward is counted once, by its storage, except
    the input x, γ and β themselves, which exist anyway."""
    dt = getattr(torch, dtype)
    x = torch.randn(tokens, hidden, dtype=dt, requires_grad=True)
    w = torch.ones(hidden, dtype=dt, requires_grad=True)
    b = torch.zeros(hidden, dtype=dt, requires_grad=True)
    own = {t.untyped_storage().data_ptr() for t in (x, w, b)}
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        ptr = t.untyped_storage().data_ptr()
        if ptr not in own:
            seen[ptr] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        implementations(hidden)[impl](x, w, b)
    return sum(seen.values())


@dataclass(frozen=True)
class Memory:
    """Per token, in bytes, for one hidden size, token count and dtype."""

    hidden: int
    tokens: int
    dtype: str
    read: dict[str, float]  # forward: the row, and γ (β) shared by the call's tokens
    written: dict[str, float]  # forward: the output row
    saved: dict[str, float]  # kept for backward per token, measured, by impl


def saved_per_token(impl: str, hidden: int, tokens: int, dtype: str) -> float:
    """`saved_bytes` per token at ``tokens``, from measurements at 1 and 2
    tokens: what autograd keeps grows as a + b·T (a per call, b per token),
    so two small calls give it exactly without allocating T rows."""
    one, two = (saved_bytes(impl, hidden, t, dtype) for t in (1, 2))
    per_token = two - one
    return (one - per_token) / tokens + per_token


def memory(hidden: int, tokens: int, dtype: str = "float32") -> Memory:
    """Forward traffic per token (a one-pass kernel's least) and the bytes
    kept for backward per token (measured) for every implementation."""
    b = BYTES[dtype]
    row = hidden * b
    return Memory(
        hidden=hidden,
        tokens=tokens,
        dtype=dtype,
        read={"layer": row + 2 * row / tokens, "rms": row + row / tokens},
        written={"layer": row, "rms": row},
        saved={impl: saved_per_token(impl, hidden, tokens, dtype) for impl in IMPLS},
    )
