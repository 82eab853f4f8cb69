"""A real run: a tiny sequence model trained here on variable-length sequences,
with BatchNorm pooling the pads, BatchNorm with a padding mask, and LayerNorm.

The task: each sequence holds 2–24 tokens of 4 features; its label says
whether its first feature's mean over the real tokens is above 0. The model is
a 1-D convolution over the tokens (kernel 3, 16 channels), a norm, ReLU, the
same again, a mean over the real tokens and a linear read-out. Pads are zeroed
before each convolution and skipped by the mean, so the only way padding can
reach a real token is through a norm's statistics.

Training batches come in two kinds, in turn: short sequences (2–8 tokens of
24: mostly padding) and long ones (16–24: little padding), as when a data
loader does not bucket by length. A BatchNorm that pools the pads sees very
different statistics in the two kinds; its running statistics average them.
The test sets, in eval mode: little padding (18–24 tokens) and much padding
(2–8 tokens).

Deterministic from a seed (local generators only: no global random state, so
concurrent sessions cannot disturb one another); single-threaded torch. On a
server the run goes to a worker process (`lab.core.workers`) and its result is
kept for every visitor; the default seed's result ships precomputed
(`lab.sequences.cache`).
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from lab.core.threads import one_thread
from lab.core.workers import Report, Task, code_version, result_key
from lab.core.workers import default as default_workers

VARIANTS: tuple[str, ...] = ("batch", "masked", "layer")
FEATURES = 4
HIDDEN = 16
LENGTH = 24  # every batch is padded to this
STEPS = 300
BATCH = 32
LR = 0.01
N_TEST = 2048
TRAIN_SHORT = (2, 8)
TRAIN_LONG = (16, 24)
TEST_LITTLE = (18, 24)
TEST_MUCH = (2, 8)
CODE: tuple[str, ...] = ("lab.sequences.run", "lab.core.threads")
"""The modules whose code computes a run: a result of other code is another
result (the workers' shared results and the shipped default name them)."""


# ---- data ----


def sample(
    n: int, lengths: tuple[int, int], seed: int, stream: int
) -> tuple[Tensor, Tensor, Tensor]:
    """``n`` sequences with lengths uniform on ``lengths``, padded with zeros to
    `LENGTH`: inputs (n, LENGTH, FEATURES), mask (n, LENGTH), labels (n,)."""
    rng = np.random.default_rng([seed, 41, stream])
    lo, hi = lengths
    size = rng.integers(lo, hi + 1, n)  # n
    level = 0.5 * rng.standard_normal(n)  # n  each sequence's own level
    x = rng.standard_normal((n, LENGTH, FEATURES))  # n,L,F
    x[:, :, 0] += level[:, None]
    x[:, :, 1] += 1.0  # a feature whose mean is not 0: pads (0) move it
    mask = np.arange(LENGTH)[None, :] < size[:, None]  # n,L
    x = np.where(mask[:, :, None], x, 0.0)
    y = (x[:, :, 0].sum(1) / size > 0).astype(np.float32)  # n
    return (
        torch.tensor(x, dtype=torch.float32),
        torch.tensor(mask),
        torch.tensor(y),
    )


def padded_fraction(lengths: tuple[int, int]) -> float:
    """The expected share of padding in a batch with lengths uniform on ``lengths``."""
    lo, hi = lengths
    return 1.0 - (lo + hi) / 2 / LENGTH


# ---- model ----


class TokenNorm(nn.Module):
    """A norm over tokens of (N, H, L) activations: BatchNorm1d over every
    position (pads included), BatchNorm1d over the real tokens only (masked:
    they are packed, normalized and put back), or LayerNorm(H) per token."""

    def __init__(self, variant: str) -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
        self.variant = variant
        self.norm = (
            nn.LayerNorm(HIDDEN) if variant == "layer" else nn.BatchNorm1d(HIDDEN)
        )

    def forward(self, h: Tensor, mask: Tensor) -> Tensor:
        if self.variant == "batch":
            return self.norm(h)  # N,H,L: pools N and L, pads and all
        tokens = h.transpose(1, 2)  # N,L,H
        if self.variant == "layer":
            return self.norm(tokens).transpose(1, 2)
        out = tokens.clone()
        out[mask] = self.norm(tokens[mask])  # R,H: the real tokens only
        return out.transpose(1, 2)


class SeqModel(nn.Module):
    """conv(k=3) → norm → ReLU → conv(k=3) → norm → ReLU → mean over the real
    tokens → linear. Pads are zeroed before each convolution."""

    def __init__(self, variant: str, generator: torch.Generator) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(FEATURES, HIDDEN, 3, padding=1)
        self.norm1 = TokenNorm(variant)
        self.conv2 = nn.Conv1d(HIDDEN, HIDDEN, 3, padding=1)
        self.norm2 = TokenNorm(variant)
        self.out = nn.Linear(HIDDEN, 1)
        with torch.no_grad():  # torch's own init, from a local generator
            for layer in (self.conv1, self.conv2, self.out):
                nn.init.kaiming_uniform_(
                    layer.weight, a=math.sqrt(5), generator=generator
                )
                fan_in = layer.weight[0].numel()
                bound = 1 / math.sqrt(fan_in)
                layer.bias.uniform_(-bound, bound, generator=generator)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        keep = mask[:, None, :].to(x.dtype)  # N,1,L
        h = x.transpose(1, 2) * keep  # N,F,L
        h = torch.relu(self.norm1(self.conv1(h), mask)) * keep
        h = torch.relu(self.norm2(self.conv2(h), mask)) * keep
        pooled = h.sum(2) / keep.sum(2).clamp(min=1)  # N,H
        return self.out(pooled).squeeze(1)  # N


# ---- a run ----


@dataclass(frozen=True)
class RunResult:
    """Eval-mode accuracy of each variant on the two test sets."""

    seed: int
    variants: tuple[str, ...]
    little: tuple[float, ...]  # per variant: test set with little padding
    much: tuple[float, ...]  # per variant: test set with much padding
    final_loss: tuple[float, ...]  # per variant: mean training loss, last 50 steps
    steps: int

    def accuracy(self, variant: str, test: str) -> float:
        return getattr(self, test)[self.variants.index(variant)]


def _silent(fraction: float, text: str) -> None:
    return None


def accuracy(model: SeqModel, lengths: tuple[int, int], seed: int) -> float:
    """Eval-mode accuracy on `N_TEST` fresh sequences with these lengths."""
    x, mask, y = sample(N_TEST, lengths, seed, 2 if lengths == TEST_LITTLE else 3)
    model.eval()
    with torch.no_grad():
        return float(((model(x, mask) > 0).float() == y).float().mean())


def train(
    variant: str, seed: int, progress: Report = _silent
) -> tuple[SeqModel, float]:
    """The model with ``variant`` trained from ``seed``; and its final loss."""
    g = torch.Generator().manual_seed(seed)
    model = SeqModel(variant, g)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    model.train()
    losses = []
    for step in range(STEPS):
        kind = TRAIN_SHORT if step % 2 else TRAIN_LONG
        x, mask, y = sample(BATCH, kind, seed, 1000 + step)
        loss = nn.functional.binary_cross_entropy_with_logits(model(x, mask), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step % 30 == 0:
            progress(step / STEPS, "")
    return model, float(np.mean(losses[-50:]))


def compute(seed: int, progress: Report = _silent) -> RunResult:
    """Train the three variants from ``seed`` and test them (seconds on a CPU)."""
    little, much, final = [], [], []
    n = len(VARIANTS)
    with one_thread():
        for i, variant in enumerate(VARIANTS):

            def part(f: float, m: str, i: int = i) -> None:
                progress((i + f) / n, m)

            model, loss = train(variant, seed, part)
            little.append(accuracy(model, TEST_LITTLE, seed))
            much.append(accuracy(model, TEST_MUCH, seed))
            final.append(loss)
    progress(1.0, "")
    return RunResult(seed, VARIANTS, tuple(little), tuple(much), tuple(final), STEPS)


# ---- kept for every visitor ----

_DONE: dict[int, RunResult] = {}
_GUARD = threading.Lock()
_COMPUTE = threading.Lock()


@cache
def _version() -> str:
    return code_version(*CODE)


def pool_key(seed: int) -> str:
    """The worker pool's name for the run at ``seed`` (and this code)."""
    return result_key("sequences-run", {"seed": int(seed), "steps": STEPS}, _version())


def task(seed: int) -> Task:
    """The worker's version of ``compute(seed)``."""
    return Task(
        "lab.sequences.run:compute",
        (int(seed),),
        encode="lab.sequences.run:to_arrays",
        decode="lab.sequences.run:from_arrays",
    )


def to_arrays(result: RunResult) -> dict[str, Any]:
    """A result as the one array a results file holds: its JSON text."""
    return {"json": np.array(json.dumps(asdict(result)))}


def from_dict(d: dict[str, Any]) -> RunResult:
    return RunResult(
        seed=int(d["seed"]),
        variants=tuple(str(v) for v in d["variants"]),
        little=tuple(float(v) for v in d["little"]),
        much=tuple(float(v) for v in d["much"]),
        final_loss=tuple(float(v) for v in d["final_loss"]),
        steps=int(d["steps"]),
    )


def from_arrays(arrays: dict[str, Any]) -> RunResult:
    return from_dict(json.loads(str(arrays["json"])))


def kept(seed: int) -> RunResult | None:
    """The run at ``seed`` if this process keeps it."""
    with _GUARD:
        return _DONE.get(seed)


def remember(result: RunResult) -> None:
    """Keep ``result`` for every session of this process."""
    with _GUARD:
        _DONE[result.seed] = result


def forget() -> None:
    with _GUARD:
        _DONE.clear()


def is_ready(seed: int) -> bool:
    """Whether the run for ``seed`` is kept here or in the workers' shared
    results (another process computed it): the page then shows no bar."""
    with _GUARD:
        if seed in _DONE:
            return True
    pool = default_workers()
    value = pool and pool.cached(pool_key(seed), "lab.sequences.run:from_arrays")
    if value is None:
        return False
    remember(value)
    return True


def run_results(seed: int, progress: Report | None = None) -> RunResult:
    """The run for ``seed``: kept, or computed now (in a worker process when
    the server has a pool) while ``progress`` reports. If ``progress`` raises
    (a control changed), nothing is kept and the worker's job is withdrawn."""
    with _GUARD:
        hit = _DONE.get(seed)
    if hit is not None:
        return hit
    report = progress or _silent
    pool = default_workers()
    if pool is not None:
        value = pool.run(pool_key(seed), task(seed), report)
    else:
        with _COMPUTE:  # one run at a time in this process
            with _GUARD:
                hit = _DONE.get(seed)
            value = hit if hit is not None else compute(seed, report)
    remember(value)
    return value
