"""Batch composition: one-class batches, ghost batches, a batch split across devices.

BatchNorm's statistics are whatever the examples pooled together happen to be.
Three ways the pool differs from "a large i.i.d. batch":

* **non-i.i.d.**: every example of one class. Each feature's batch mean is then
  the class mean, so BatchNorm subtracts the very signal that tells the classes
  apart (`composition`).
* **ghost batches** (Hoffer et al. 2017, "Train longer, generalize better"): the
  batch is cut into virtual sub-batches of g examples and each is normalized on
  its own, so the statistics are as noisy as a batch of g (`ghost_norm`).
* **K devices**: data parallelism gives each device a shard; plain BatchNorm on
  each device is ghost BatchNorm by accident, SyncBatchNorm combines the
  per-device sums into the statistics of the whole batch (`sync_batch_norm`).

Every normalization goes through the engine (`lab.core.norms.normalize`); SyncBatchNorm
normalizes each shard with the combined statistics, as the engine's eval path
normalizes with given statistics. Shapes: ``B`` examples, ``F`` features
(channels), ``K`` devices or ghost batches, ``R`` resamples.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

from lab.core.norms import DEFAULT_EPS, normalize
from lab.coupling.model import (
    CLASS_A,
    CLASS_B,
    FAMILIES,
    Population,
    batch_labels,
    draw_mates,
    make_batch,
    normalize_many,
    spread,
)

MAX_DEVICES = 16


# --- non-i.i.d. batches ------------------------------------------------------


COMPOSITION_ROWS: tuple[tuple[str, str], ...] = tuple(
    (trace, comp)
    for trace in ("batch", "batch_eval", *FAMILIES[1:])
    for comp in ("mixed", "one")
)
"""(trace, composition) of every row of the one-class view, top to bottom."""


@dataclass(frozen=True, eq=False)
class Composition:
    """The same examples normalized in a mixed batch and in a one-class batch."""

    labels: dict[str, np.ndarray]  # composition → (B,) class of each example
    scores: dict[tuple[str, str], np.ndarray]  # (trace, comp) → (B,) class score
    focus_change: dict[str, float]  # trace → max |y_mixed − y_one| of the example
    focus_class: int


def class_scores(y: Tensor, sign: np.ndarray) -> np.ndarray:
    """Each example's class score: mean over features of s_f·y[n, f], (B,).

    Positive leans class A, negative class B: how much class signal the next
    layer could still read off the normalized example.
    """
    s = torch.from_numpy(sign).to(torch.float64)  # F
    return (y.double() @ s / len(sign)).numpy()  # B


@lru_cache(maxsize=64)
def composition(pop: Population, batch: int, example: int, groups: int) -> Composition:
    """Normalize the page's batch as it is (classes mixed) and as one class only.

    The one-class batch keeps every example's own noise and gives all of them
    the focused example's class, so the two batches differ only in composition.
    """
    cls = CLASS_A if batch_labels(batch)[example] == CLASS_A else CLASS_B
    batches = {"mixed": make_batch(pop, batch), "one": make_batch(pop, batch, cls)}
    labels = {"mixed": batch_labels(batch), "one": np.full(batch, cls)}
    stats = pop.stats()
    _, _, sign = pop.feature_params()
    scores: dict[tuple[str, str], np.ndarray] = {}
    outputs: dict[tuple[str, str], Tensor] = {}
    for trace, comp in COMPOSITION_ROWS:
        y = normalize_many(batches[comp][None], trace, groups=groups, stats=stats)[0]
        outputs[trace, comp] = y  # B,F
        scores[trace, comp] = class_scores(y, sign)
    change = {
        trace: float(
            (outputs[trace, "mixed"][example] - outputs[trace, "one"][example])
            .abs()
            .max()
        )
        for trace, _ in COMPOSITION_ROWS[::2]
    }
    return Composition(labels, scores, change, cls)


# --- ghost batches and devices -------------------------------------------------


def shard_sizes(batch: int, parts: int) -> tuple[int, ...]:
    """How ``torch.tensor_split`` cuts ``batch`` examples into ``parts`` shards.

    Sizes differ by at most one, the larger shards first, as a distributed
    sampler that pads nothing would give.
    """
    if not 1 <= parts <= batch:
        raise ValueError(f"parts must be 1–{batch}, got {parts}")
    q, r = divmod(batch, parts)
    return tuple(q + 1 if k < r else q for k in range(parts))


def shard_of(example: int, sizes: tuple[int, ...]) -> int:
    """Which shard holds ``example``."""
    edges = np.cumsum(sizes)
    return int(np.searchsorted(edges, example, side="right"))


def split(x: Tensor, parts: int) -> tuple[Tensor, ...]:
    """Cut the batch (B, F) into ``parts`` shards along the examples."""
    return torch.split(x, list(shard_sizes(x.shape[0], parts)))


def per_shard_norm(x: Tensor, parts: int) -> Tensor:
    """BatchNorm on each shard with its own statistics, (B, F) → (B, F).

    Ghost batch normalization when the shards are virtual; per-device BatchNorm
    when they sit on different devices.
    """
    return torch.cat([normalize(s, "batch").output for s in split(x, parts)])


@dataclass(frozen=True)
class DeviceSums:
    """What each device contributes to SyncBatchNorm: a count and two sums."""

    counts: Tensor  # K  int64, examples (times positions) per device
    sums: Tensor  # K,C  float64, Σx per channel
    squares: Tensor  # K,C  float64, Σx² per channel


def device_sums(shards: tuple[Tensor, ...] | list[Tensor]) -> DeviceSums:
    """Per-device count, Σx and Σx² per channel, in float64 (shards: (b_k, C))."""
    counts = torch.tensor([s.shape[0] for s in shards], dtype=torch.int64)  # K
    sums = torch.stack([s.double().sum(0) for s in shards])  # K,C
    squares = torch.stack([s.double().square().sum(0) for s in shards])  # K,C
    return DeviceSums(counts, sums, squares)


def combine_sums(total: int, sums: Tensor, squares: Tensor) -> tuple[Tensor, Tensor]:
    """Global mean and biased variance from the all-reduced N, Σx and Σx² (C,).

    μ = Σx/N, σ² = Σx²/N − μ²; float64, so the subtraction loses nothing that
    float32 data could show.
    """
    mean = sums / total  # C
    var = (squares / total - mean.square()).clamp_min(0.0)  # C
    return mean, var


def sync_statistics(shards: tuple[Tensor, ...] | list[Tensor]) -> tuple[Tensor, Tensor]:
    """SyncBatchNorm's statistics: all-reduce (sum) the devices' N, Σx, Σx²."""
    d = device_sums(shards)
    return combine_sums(int(d.counts.sum()), d.sums.sum(0), d.squares.sum(0))


def combine_moments(
    counts: Tensor, means: Tensor, variances: Tensor
) -> tuple[Tensor, Tensor]:
    """Global mean and biased variance from per-device (n_k, μ_k, σ²_k), (K, C).

    This is how torch.nn.SyncBatchNorm combines the (mean, 1/σ, count) it
    all-gathers (``batch_norm_gather_stats_with_counts``, CUDA only): the
    parallel formula σ² = Σ n_k (σ²_k + (μ_k − μ)²) / N. Same statistics as
    summing Σx and Σx², without subtracting two large numbers.
    """
    n = counts.to(torch.float64).unsqueeze(1)  # K,1
    total = n.sum()
    mean = (n * means.double()).sum(0) / total  # C
    var = (n * (variances.double() + (means.double() - mean).square())).sum(0) / total
    return mean, var  # C, C


def normalize_with(x: Tensor, mean: Tensor, var: Tensor, eps: float) -> Tensor:
    """The engine normalizing ``x`` (b, C) with given statistics (C,), no update."""
    return normalize(
        x,
        "batch",
        eps=eps,
        training=False,
        running_mean=mean.to(x.dtype),
        running_var=var.to(x.dtype),
    ).output


def sync_batch_norm(x: Tensor, devices: int, eps: float = DEFAULT_EPS) -> Tensor:
    """SyncBatchNorm's output for a batch (B, C) split across ``devices``.

    Every device normalizes its own shard, with the statistics of the whole
    batch: the same numbers as BatchNorm on the concatenated batch.
    """
    shards = split(x, devices)
    mean, var = sync_statistics(shards)
    return torch.cat([normalize_with(s, mean, var, eps) for s in shards])


@dataclass(frozen=True, eq=False)
class Split:
    """The page's batch cut into K shards (ghost batches or devices)."""

    sizes: tuple[int, ...]
    x: np.ndarray  # B,F
    per_shard: np.ndarray  # B,F  each shard normalized with its own statistics
    synced: np.ndarray  # B,F  SyncBatchNorm (all shards, one set of statistics)
    full: np.ndarray  # B,F  BatchNorm on the whole batch
    counts: np.ndarray  # K
    sums: np.ndarray  # K,F  Σx per device, float64
    squares: np.ndarray  # K,F  Σx² per device, float64
    means: np.ndarray  # K,F  each shard's μ
    variances: np.ndarray  # K,F  each shard's biased σ²
    mean: np.ndarray  # F  synced μ
    var: np.ndarray  # F  synced σ²
    sync_error: float  # max |SyncBatchNorm − full-batch BatchNorm|
    shard_error: float  # max |per-shard BatchNorm − full-batch BatchNorm|


@lru_cache(maxsize=64)
def split_batch(pop: Population, batch: int, parts: int) -> Split:
    """Everything the ghost and device views show for the page's batch."""
    x = make_batch(pop, batch)  # B,F
    shards = split(x, parts)
    d = device_sums(shards)
    mean, var = combine_sums(int(d.counts.sum()), d.sums.sum(0), d.squares.sum(0))
    synced = torch.cat([normalize_with(s, mean, var, DEFAULT_EPS) for s in shards])
    per_shard = per_shard_norm(x, parts)
    full = normalize(x, "batch").output
    moments = [torch.var_mean(s.double(), dim=0, correction=0) for s in shards]
    return Split(
        sizes=shard_sizes(batch, parts),
        x=x.numpy(),
        per_shard=per_shard.numpy(),
        synced=synced.numpy(),
        full=full.numpy(),
        counts=d.counts.numpy(),
        sums=d.sums.numpy(),
        squares=d.squares.numpy(),
        means=torch.stack([m for _, m in moments]).numpy(),
        variances=torch.stack([v for v, _ in moments]).numpy(),
        mean=mean.numpy(),
        var=var.numpy(),
        sync_error=float((synced - full).abs().max()),
        shard_error=float((per_shard - full).abs().max()),
    )


@dataclass(frozen=True, eq=False)
class SplitSpread:
    """The resampling experiment with the batch cut into 1…K shards."""

    parts: tuple[int, ...]  # the shard counts tried
    per_shard: tuple[float, ...]  # spread with each shard's own statistics
    synced: tuple[float, ...]  # spread with SyncBatchNorm's statistics
    shard_batch: tuple[int, ...]  # examples in the focused example's shard


def _split_many(x: Tensor, parts: int) -> tuple[Tensor, Tensor]:
    """Per-shard and SyncBatchNorm outputs of the example at position 0, (R, F).

    ``x`` is (R, B, F): R independent batches, one engine call per shard.
    """
    r, b, f = x.shape
    sizes = shard_sizes(b, parts)
    first = x[:, : sizes[0]]  # R,b0,F  the shard holding position 0
    own = normalize_many(first, "batch")[:, 0]  # R,F
    shards = torch.split(x, list(sizes), dim=1)  # each R,b_k,F
    rows = [s.permute(1, 0, 2).reshape(s.shape[1], r * f) for s in shards]  # b_k,R·F
    mean, var = sync_statistics(rows)  # R·F
    synced = normalize_with(rows[0], mean, var, DEFAULT_EPS)[0].reshape(r, f)  # R,F
    return own, synced


@lru_cache(maxsize=64)
def split_spread(
    pop: Population,
    example: int,
    batch: int,
    resamples: int,
    parts: tuple[int, ...],
) -> SplitSpread:
    """Hold the page's example fixed, redraw its batch-mates, cut the batch.

    For every shard count in ``parts``: the spread of the example's output when
    each shard uses its own statistics (ghost batches, per-device BatchNorm)
    and when SyncBatchNorm combines them. The example sits in the first shard.
    """
    fixed = make_batch(pop, example + 1)[example]  # F
    mates = draw_mates(pop, resamples, batch - 1)  # R,B-1,F
    x = torch.cat([fixed.expand(resamples, 1, -1), mates], dim=1)  # R,B,F
    own, synced = [], []
    for k in parts:
        y_own, y_sync = _split_many(x, k)
        own.append(spread(y_own))
        synced.append(spread(y_sync))
    return SplitSpread(
        parts=parts,
        per_shard=tuple(own),
        synced=tuple(synced),
        shard_batch=tuple(shard_sizes(batch, k)[0] for k in parts),
    )
