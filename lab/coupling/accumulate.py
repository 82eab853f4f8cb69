"""SyncBatchNorm with gradient accumulation: statistics of a micro-batch, not of
the effective batch.

Gradient accumulation runs k forward and backward passes of micro-batches
before one optimizer step: the gradients of an effective batch of B = k·g
examples, g per micro-batch over all D devices (b = g/D each). SyncBatchNorm
all-reduces each device's (n, Σx, Σx²) **per forward pass**, so every
micro-batch is normalized with the statistics of its own g = b·D examples: the
step's gradient is the effective batch's, its BatchNorm noise is a batch of g's.
Accumulation is ghost batch normalization in time (`lab.coupling.batches`).

Here, with the page's population (`lab.coupling.model`), every statistic through
the engine (`lab.core.norms.normalize`):

* `accumulation`: the page's effective batch cut into k micro-batches, each
  split over D devices: each micro-batch's SyncBatchNorm statistics (the
  all-reduce of its devices' sums), the effective batch's (which no forward
  pass sees), and the identity between them — σ² of the effective batch is the
  mean of the micro-batches' σ² plus the variance of their μ (equal sizes), so
  accumulating loses exactly the between-micro-batch part;
* `accumulation_spread`: the resampling experiment, the standard deviation of
  a feature's μ across redrawn batches, for one device (g/D examples), one
  micro-batch with SyncBatchNorm (g) and the effective batch (B), at every
  number of accumulation steps k, against σ/√n.

tests/unit/coupling/test_accumulate.py checks it against torch.nn.BatchNorm1d
(float32 and float64); tests/unit/coupling/test_syncbn_distributed.py runs the
arithmetic through a real gloo all-reduce, micro-batch by micro-batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

from lab.core.helpers import divisors
from lab.core.norms import DEFAULT_EPS, normalize
from lab.coupling.batches import (
    Split,
    normalize_with,
    shard_sizes,
    split,
    split_batch,
    sync_statistics,
)
from lab.coupling.model import CLASS_A, CLASS_B, Population, make_batch


def micro_devices(micro: int, devices: int) -> int:
    """Devices that hold part of a micro-batch of ``micro`` examples: at most
    one per example (a device with none sits the micro-batch out)."""
    return max(1, min(devices, micro))


def accumulated_batch_norm(
    x: Tensor, steps: int, devices: int, eps: float = DEFAULT_EPS
) -> Tensor:
    """SyncBatchNorm's outputs over k accumulated micro-batches, (B, C) → (B, C).

    ``x`` is the effective batch in order: micro-batch j is rows j·g…(j+1)·g − 1,
    split over ``devices`` shards; each micro-batch is normalized with the
    all-reduced statistics of its own shards.
    """
    out = []
    for micro in split(x, steps):
        shards = split(micro, micro_devices(micro.shape[0], devices))
        mean, var = sync_statistics(shards)
        out += [normalize_with(s, mean, var, eps) for s in shards]
    return torch.cat(out)


@dataclass(frozen=True, eq=False)
class Accumulation:
    """The page's effective batch as k micro-batches over D devices."""

    batch: int  # B, the effective batch of one optimizer step
    micro: int  # g, one micro-batch over all devices
    steps: int  # k = B / g
    devices: int  # devices that hold part of a micro-batch
    per_device: tuple[int, ...]  # a micro-batch's examples on each device
    split: Split  # the micro-batches as shards of the effective batch
    means: np.ndarray  # K,F  each micro-batch's SyncBatchNorm μ (its all-reduce)
    variances: np.ndarray  # K,F  and σ²
    within: np.ndarray  # F  mean of the micro-batches' σ²
    between: np.ndarray  # F  variance of the micro-batches' μ (equal weights)
    sync_error: float  # max |SyncBatchNorm − BatchNorm on each micro-batch|
    effective_gap: float  # max |accumulated SyncBatchNorm − effective-batch BN|


@lru_cache(maxsize=64)
def accumulation(pop: Population, batch: int, micro: int, devices: int) -> Accumulation:
    """Everything the accumulation view shows for the page's batch."""
    if micro < 1 or batch % micro:
        raise ValueError(f"the micro-batch ({micro}) must divide the batch ({batch})")
    steps = batch // micro
    d = micro_devices(micro, devices)
    x = make_batch(pop, batch)  # B,F
    sp = split_batch(pop, batch, steps)  # micro-batches: n, Σx, Σx²; whole: μ, σ²
    # what each micro-batch's all-reduce gives SyncBatchNorm, device by device
    synced = [sync_statistics(split(m, d)) for m in split(x, steps)]
    means = torch.stack([m for m, _ in synced]).numpy()  # K,F float64
    variances = torch.stack([v for _, v in synced]).numpy()  # K,F
    accumulated = accumulated_batch_norm(x, steps, d)  # B,F
    plain = torch.cat([normalize(m, "batch").output for m in split(x, steps)])
    full = normalize(x, "batch").output  # B,F
    return Accumulation(
        batch=batch,
        micro=micro,
        steps=steps,
        devices=d,
        per_device=shard_sizes(micro, d),
        split=sp,
        means=means,
        variances=variances,
        within=variances.mean(0),
        between=((means - means.mean(0)) ** 2).mean(0),
        sync_error=float((accumulated - plain).abs().max()),
        effective_gap=float((accumulated - full).abs().max()),
    )


def accumulation_steps(batch: int, devices: int) -> tuple[int, ...]:
    """The k the spread chart shows: every divisor of the batch that leaves a
    micro-batch at least one example per device."""
    return tuple(k for k in divisors(batch) if batch // k >= min(devices, batch))


@dataclass(frozen=True, eq=False)
class AccumulationSpread:
    """How much a feature's μ wanders across redrawn batches, by pool."""

    steps: tuple[int, ...]  # k tried
    micro: tuple[int, ...]  # g = B / k
    device: tuple[int, ...]  # examples on the first device, g / D
    device_sd: tuple[float, ...]  # sd of μ on one device (plain BatchNorm)
    sync_sd: tuple[float, ...]  # sd of μ of one micro-batch (SyncBatchNorm)
    effective_sd: float  # sd of μ of the effective batch
    sync_var_sd: tuple[float, ...]  # sd of σ² of one micro-batch
    effective_var_sd: float  # sd of σ² of the effective batch
    sigma: float  # the population's σ of the feature: σ/√n predicts sd(μ)


def draw_batches(pop: Population, resamples: int, batch: int) -> Tensor:
    """``resamples`` independent effective batches of ``batch`` examples from
    the page's population, (R, B, F): classes drawn at random, as the page's
    resampled batch-mates are (`lab.coupling.model.draw_mates`)."""
    z = np.random.default_rng([pop.seed, 25]).standard_normal(
        (resamples, batch, pop.features), dtype=np.float32
    )
    coin = np.random.default_rng([pop.seed, 26]).random((resamples, batch))
    labels = np.where(coin < 0.5, CLASS_A, CLASS_B)  # R,B
    return torch.from_numpy(pop.compose(z, labels))  # R,B,F


def _moments(x: Tensor) -> tuple[Tensor, Tensor]:
    """Each batch's μ and biased σ² per feature, (R, n, F) → (R, F) twice,
    from the engine: BatchNorm's channels are the R·F (batch, feature) pairs."""
    r, n, f = x.shape
    cols = x.permute(1, 0, 2).reshape(n, r * f)  # n, R·F
    res = normalize(cols.double(), "batch")
    assert res.mean is not None
    return res.mean.reshape(r, f), res.var.reshape(r, f)


def _sd(values: Tensor) -> float:
    return float(values.double().std(correction=0))


@lru_cache(maxsize=32)
def accumulation_spread(
    pop: Population, feature: int, batch: int, devices: int, resamples: int
) -> AccumulationSpread:
    """Redraw the effective batch ``resamples`` times; at every k, the spread
    of feature ``feature``'s μ on the first device, in the first micro-batch
    and over the whole effective batch (and of σ², micro-batch and whole)."""
    x = draw_batches(pop, resamples, batch)  # R,B,F
    ks = accumulation_steps(batch, devices)
    whole_mean, whole_var = _moments(x)
    dev_sd, sync_sd, sync_var_sd, micro, device = [], [], [], [], []
    for k in ks:
        g = batch // k
        n_dev = shard_sizes(g, micro_devices(g, devices))[0]
        m_mean, m_var = _moments(x[:, :g])
        d_mean, _ = _moments(x[:, :n_dev])
        sync_sd.append(_sd(m_mean[:, feature]))
        sync_var_sd.append(_sd(m_var[:, feature]))
        dev_sd.append(_sd(d_mean[:, feature]))
        micro.append(g)
        device.append(n_dev)
    _, var = pop.stats()
    return AccumulationSpread(
        steps=ks,
        micro=tuple(micro),
        device=tuple(device),
        device_sd=tuple(dev_sd),
        sync_sd=tuple(sync_sd),
        effective_sd=_sd(whole_mean[:, feature]),
        sync_var_sd=tuple(sync_var_sd),
        effective_var_sd=_sd(whole_var[:, feature]),
        sigma=float(np.sqrt(float(var[feature]))),
    )
