"""Train vs eval: a drifting stream of batches feeds BatchNorm's running statistics.

The most common BatchNorm bug in practice is a model that behaves differently at
inference. In training, BatchNorm normalizes each batch with that batch's own
mean and (biased) variance, and folds them into running estimates; in eval it
uses the running estimates instead (Ioffe & Szegedy 2015). This module makes the
two visible and measurable, all through the one engine (`lab.core.norms.normalize`):

* `stream_batches`: batches whose per-feature mean and scale drift, gradually or
  all at once, by amounts the page controls;
* `stream_trace`: the engine's running mean/var after every batch, next to each
  batch's own statistics (tested against ``torch.nn.BatchNorm1d`` fed the same
  batches);
* `compare`: the next batch through train mode and eval mode, and every example
  served alone (batch size 1), for BatchNorm, LayerNorm and RMSNorm;
* `variance_readout`: the biased variance that normalized a batch next to the
  unbiased one that went into ``running_var``, with the update written out.

Everything is pure and cached on plain values (frozen dataclasses, numbers), so
a notebook gets the page's numbers: ``build_live(TrainEvalState())``.

Steps: step ``t`` means the layer has been trained on batches 1..t (step 0: a
fresh layer, running mean 0 and variance 1). Arrays indexed by step have
``MAX_STEPS + 1`` rows; batch ``t`` is row ``t − 1`` of `stream_batches`, and the
*probe*, the batch the train/eval panels show at step ``t``, is batch ``t + 1``:
data the running statistics have not seen yet, as at inference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from lab.core.norms import DEFAULT_EPS, NormResult, normalize
from lab.core.threads import one_thread

MAX_STEPS = 200
MAX_BATCH = 64
MAX_FEATURES = 8
DRIFT_START = 50
"""Ramp: batches 1..50 come from the starting distribution..."""
DRIFT_END = 150
"""...batches 51..150 move linearly, and from batch 150 on it stays put."""
JUMP_AT = 100
"""Jump: batches 1..100 from the starting distribution, 101 on from the shifted one."""
BASE_SPREAD = 0.3
"""Each feature's starting std is exp(0.3·v), v a standard normal draw per feature."""

PATTERNS: tuple[str, ...] = ("ramp", "jump")
PAGE_FAMILIES: tuple[str, ...] = ("batch", "layer", "rms")
MOMENTA: tuple[float | None, ...] = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, None)
"""The momentum options; ``None`` is torch's cumulative average (factor 1/t)."""
CUMULATIVE = "none"
"""How a link writes ``momentum=None``: the very word torch uses."""
PITFALLS: tuple[str, ...] = ("eval", "stale", "finetune", "dropout")
METRICS: tuple[str, ...] = ("accuracy", "auc")


# ---- the stream ----


@dataclass(frozen=True)
class StreamSpec:
    """Everything that determines the stream of batches; equal specs, equal data."""

    batch: int = 16
    features: int = 4
    shift: float = 2.0  # mean drift, in units of each feature's starting std
    scale: float = 1.5  # each feature's std is multiplied by this at full drift
    pattern: str = "ramp"
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.batch <= MAX_BATCH:
            raise ValueError(f"batch must be 1–{MAX_BATCH}, got {self.batch}")
        if not 1 <= self.features <= MAX_FEATURES:
            raise ValueError(f"features must be 1–{MAX_FEATURES}, got {self.features}")
        if not (math.isfinite(self.shift) and math.isfinite(self.scale)):
            raise ValueError("shift and scale must be finite")
        if self.scale <= 0:
            raise ValueError("scale is a factor and must be positive")
        if self.pattern not in PATTERNS:
            raise ValueError(f"pattern must be one of {PATTERNS}")


def drift_amount(pattern: str, t: int) -> float:
    """How far batch ``t`` (1-based) has drifted, from 0 (start) to 1 (full)."""
    if pattern == "jump":
        return 1.0 if t > JUMP_AT else 0.0
    return min(max((t - DRIFT_START) / (DRIFT_END - DRIFT_START), 0.0), 1.0)


def _base(spec: StreamSpec) -> tuple[np.ndarray, np.ndarray]:
    """Each feature's starting mean and std, (F,) each; drawn at the largest F."""
    u, v = np.random.default_rng([spec.seed, 21]).standard_normal((2, MAX_FEATURES))
    return u[: spec.features], np.exp(BASE_SPREAD * v[: spec.features])


@lru_cache(maxsize=64)
def true_moments(spec: StreamSpec) -> tuple[np.ndarray, np.ndarray]:
    """The distribution each batch is drawn from: mean and variance, (T+1, F) each.

    Row ``t − 1`` belongs to batch ``t``, for t = 1..MAX_STEPS + 1 (the last is
    the probe at the final step). Feature f's mean moves by ``shift`` of its own
    starting std, and its std is multiplied by ``scale``, as the drift goes 0 → 1.
    """
    mu0, sd0 = _base(spec)  # F, F
    d = np.array(
        [drift_amount(spec.pattern, t) for t in range(1, MAX_STEPS + 2)]
    )  # T+1
    mean = mu0[None, :] + spec.shift * d[:, None] * sd0[None, :]  # T+1,F
    var = (sd0[None, :] * spec.scale ** d[:, None]) ** 2  # T+1,F
    mean.setflags(write=False)  # cached and shared: nobody may change them
    var.setflags(write=False)
    return mean, var


@lru_cache(maxsize=64)
def stream_batches(spec: StreamSpec) -> np.ndarray:
    """Batches 1..MAX_STEPS + 1, shape (T+1, B, F), float32.

    Standard normal draws are made at the largest batch and feature count and
    then cut, so growing the batch adds examples below the ones on screen, and
    changing the drift moves the same examples instead of drawing new ones.
    """
    mean, var = true_moments(spec)  # T+1,F
    z = np.random.default_rng([spec.seed, 22]).standard_normal(
        (MAX_STEPS + 1, MAX_BATCH, MAX_FEATURES)
    )[:, : spec.batch, : spec.features]  # T+1,B,F
    x = (mean[:, None, :] + np.sqrt(var)[:, None, :] * z).astype(np.float32)  # T+1,B,F
    x.setflags(write=False)  # cached and shared: nobody may change it
    return x


@dataclass(frozen=True, eq=False)
class Trace:
    """BatchNorm's running statistics along the stream, beside each batch's own.

    Arrays indexed by step have T+1 rows (row t: after batches 1..t; row 0: a
    fresh layer). Arrays indexed by batch have T+1 rows too (row t − 1: batch t;
    the last row is the probe at step T).
    """

    spec: StreamSpec
    momentum: float | None
    running_mean: np.ndarray  # T+1,F  by step
    running_var: np.ndarray  # T+1,F  by step; unbiased estimates folded in
    num_batches_tracked: np.ndarray  # T+1  by step
    batch_mean: np.ndarray  # T+1,F  by batch
    batch_var: np.ndarray  # T+1,F  by batch; biased (÷N): what normalized it
    true_mean: np.ndarray  # T+1,F  by batch
    true_var: np.ndarray  # T+1,F  by batch


@lru_cache(maxsize=64)
def stream_trace(spec: StreamSpec, momentum: float | None) -> Trace:
    """Feed the whole stream through the engine's BatchNorm in training mode.

    ``momentum`` as in torch: running ← (1 − m)·running + m·batch statistic, or,
    when None, the cumulative average (m = 1/t). A batch of one leaves the
    running statistics unchanged (torch refuses it; see `lab.core.norms`).
    """
    with one_thread():
        return _trace(spec, momentum)


def _trace(spec: StreamSpec, momentum: float | None) -> Trace:
    xs = stream_batches(spec)  # T+1,B,F
    f = spec.features
    rm_out = np.empty((MAX_STEPS + 1, f), dtype=np.float32)
    rv_out = np.empty((MAX_STEPS + 1, f), dtype=np.float32)
    nbt_out = np.zeros(MAX_STEPS + 1, dtype=np.int64)
    bm = np.empty((MAX_STEPS + 1, f), dtype=np.float32)
    bv = np.empty((MAX_STEPS + 1, f), dtype=np.float32)
    rm = torch.zeros(f)  # F
    rv = torch.ones(f)  # F
    nbt = 0
    rm_out[0], rv_out[0] = rm.numpy(), rv.numpy()
    for t in range(1, MAX_STEPS + 2):
        r = normalize(
            torch.tensor(xs[t - 1]),
            "batch",
            running_mean=rm,
            running_var=rv,
            momentum=momentum,
            num_batches_tracked=nbt,
        )
        bm[t - 1], bv[t - 1] = r.mean.numpy(), r.var.numpy()
        if t > MAX_STEPS:
            break  # the probe at the last step: its statistics, no update
        rm, rv, nbt = r.running_mean, r.running_var, r.num_batches_tracked
        rm_out[t], rv_out[t], nbt_out[t] = rm.numpy(), rv.numpy(), nbt
    true_mean, true_var = true_moments(spec)
    for a in (rm_out, rv_out, nbt_out, bm, bv):
        a.setflags(write=False)
    return Trace(
        spec,
        momentum,
        rm_out,
        rv_out,
        nbt_out,
        bm,
        bv,
        true_mean.astype(np.float32),
        true_var.astype(np.float32),
    )


def torch_running_stats(
    spec: StreamSpec, momentum: float | None, steps: int = MAX_STEPS
) -> tuple[np.ndarray, np.ndarray, int]:
    """The same stream through a real ``torch.nn.BatchNorm1d``: its buffers at the end.

    The page shows how far the engine's trace is from these (float32 rounding);
    tests check they agree. Raises ``ValueError`` for batches of one, as torch does.
    """
    bn = torch.nn.BatchNorm1d(spec.features, momentum=momentum)
    bn.train()
    xs = stream_batches(spec)
    with torch.no_grad(), one_thread():
        for t in range(steps):
            bn(torch.tensor(xs[t]))
    return (
        bn.running_mean.numpy().copy(),
        bn.running_var.numpy().copy(),
        int(bn.num_batches_tracked),
    )


@lru_cache(maxsize=64)
def torch_agreement(spec: StreamSpec, momentum: float | None) -> float | None:
    """Largest |engine − torch.nn.BatchNorm1d| over the final running mean and var.

    None for batches of one, where torch raises instead of training.
    """
    if spec.batch < 2:
        return None
    tm, tv, _ = torch_running_stats(spec, momentum)
    tr = stream_trace(spec, momentum)
    return float(
        max(
            np.abs(tr.running_mean[-1] - tm).max(),
            np.abs(tr.running_var[-1] - tv).max(),
        )
    )


# ---- train vs eval on one batch ----


@dataclass(frozen=True, eq=False)
class Comparison:
    """One batch through train mode and eval mode, and each example served alone."""

    family: str
    step: int
    x: np.ndarray  # B,F  the probe batch (batch step + 1)
    train: NormResult  # the batch normalized with its own statistics
    eval: NormResult  # the batch normalized with the running statistics
    alone_train: np.ndarray  # B,F  each example alone (batch of 1), train mode
    alone_eval: np.ndarray  # B,F  each example alone, eval mode

    @property
    def diff(self) -> np.ndarray:
        """Eval output minus train output, (B, F)."""
        return self.eval.output.numpy() - self.train.output.numpy()

    @property
    def max_diff(self) -> float:
        """Largest |eval − train| over the batch: 0.0 exactly when they agree."""
        return float(np.abs(self.diff).max())

    @property
    def max_alone_diff(self) -> float:
        """Largest |served alone in train mode − eval output|: batch 1 vs eval."""
        return float(np.abs(self.alone_train - self.eval.output.numpy()).max())


def _norm_kwargs(family: str) -> dict[str, Any]:
    return {"eps": None if family == "rms" else DEFAULT_EPS}


@lru_cache(maxsize=256)
def compare(
    spec: StreamSpec, momentum: float | None, step: int, family: str
) -> Comparison:
    """The probe batch at ``step`` through ``family`` in train mode and in eval mode.

    BatchNorm in eval uses the running statistics after ``step`` batches (a fresh
    layer's mean 0, variance 1 at step 0). LayerNorm and RMSNorm keep no running
    statistics: their two modes are one computation, and the page says so with
    a difference of exactly 0.
    """
    if not 0 <= step <= MAX_STEPS:
        raise ValueError(f"step must be 0–{MAX_STEPS}, got {step}")
    with one_thread():
        return _compare(spec, momentum, step, family)


def _compare(
    spec: StreamSpec, momentum: float | None, step: int, family: str
) -> Comparison:
    tr = stream_trace(spec, momentum)
    x = torch.tensor(stream_batches(spec)[step])  # B,F  batch step + 1
    kw = _norm_kwargs(family)
    running: dict[str, Any] = {}
    if family == "batch" and step > 0:
        running = {
            "running_mean": torch.from_numpy(tr.running_mean[step].copy()),
            "running_var": torch.from_numpy(tr.running_var[step].copy()),
            "num_batches_tracked": int(tr.num_batches_tracked[step]),
        }
    train = normalize(x, family, training=True, momentum=momentum, **running, **kw)
    ev = normalize(x, family, training=False, momentum=momentum, **running, **kw)
    alone_t = np.empty(tuple(x.shape), dtype=np.float32)  # B,F
    alone_e = np.empty(tuple(x.shape), dtype=np.float32)  # B,F
    for n in range(x.shape[0]):
        xn = x[n : n + 1]  # 1,F
        alone_t[n] = normalize(xn, family, training=True, **running, **kw).output[0]
        alone_e[n] = normalize(xn, family, training=False, **running, **kw).output[0]
    return Comparison(family, step, x.numpy(), train, ev, alone_t, alone_e)


# ---- biased vs unbiased variance ----


@dataclass(frozen=True)
class VarianceReadout:
    """The update of one feature's running statistics at one step, term by term."""

    step: int  # the batch that was just fed (1-based)
    feature: int
    n: int  # examples in the batch
    mean: float  # the batch mean
    sum_sq: float  # Σ (x − μ)²
    biased: float  # Σ/N: normalized the batch in train mode
    unbiased: float | None  # Σ/(N − 1): folded into running_var (None for N = 1)
    factor: float | None  # m, or 1/t for momentum=None; None when nothing updated
    mean_before: float
    mean_after: float
    var_before: float
    var_after: float
    cumulative: bool


def variance_readout(
    spec: StreamSpec, momentum: float | None, step: int, feature: int
) -> VarianceReadout | None:
    """Batch ``step``'s statistics for ``feature`` and what they did to running_var.

    None at step 0, before any batch. The sums are recomputed here in float64
    from the batch itself, so the readout is an independent check of the trace.
    """
    if step < 1:
        return None
    tr = stream_trace(spec, momentum)
    col = stream_batches(spec)[step - 1][:, feature].astype(np.float64)  # B
    n = col.size
    mean = float(col.mean())
    sum_sq = float(((col - mean) ** 2).sum())
    updated = n > 1
    nbt = int(tr.num_batches_tracked[step])
    factor = (1.0 / nbt if momentum is None else momentum) if updated else None
    return VarianceReadout(
        step=step,
        feature=feature,
        n=n,
        mean=mean,
        sum_sq=sum_sq,
        biased=sum_sq / n,
        unbiased=sum_sq / (n - 1) if updated else None,
        factor=factor,
        mean_before=float(tr.running_mean[step - 1, feature]),
        mean_after=float(tr.running_mean[step, feature]),
        var_before=float(tr.running_var[step - 1, feature]),
        var_after=float(tr.running_var[step, feature]),
        cumulative=momentum is None,
    )
