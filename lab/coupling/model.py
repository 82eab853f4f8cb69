"""Batch coupling: how much an example's output depends on who else is in its batch.

Pure numerics of the Batch coupling page, all built on the engine (`lab.core.norms`):

* a two-class population to draw examples from (`Population`), so a batch can be
  i.i.d. (both classes) or not (one class only);
* the resampling experiment: one example held fixed while its batch-mates are
  redrawn R times, for every family and many batch sizes, vectorized so that one
  engine call normalizes all R batches of one size (`spread_at`);
* the coupling probe: the Jacobian ∂y/∂x of the focused example with
  ``torch.func.jacfwd`` through the engine, checked by a finite difference
  (`probe`).

Batch composition (one-class batches, ghost batches, devices and SyncBatchNorm)
lives in `lab.coupling.batches`.

Shapes: ``R`` resamples, ``B`` batch size, ``F`` features, ``K`` statistics.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

from lab.core.norms import FAMILY_NAMES, NormResult, normalize

MAX_BATCH = 64
MAX_FEATURES = 64
MAX_RESAMPLES = 2000
MAX_GAP = 6.0
SHIFT = 1.5
"""Per-feature means are SHIFT·u_f, as on the Lab page's default data."""
DRIFT = 0.5
"""Per-feature scales are exp(DRIFT·v_f), as on the Lab page's default data."""

FAMILIES: tuple[str, ...] = ("batch", "layer", "rms", "group")
"""The families this page compares (InstanceNorm needs spatial positions)."""

TRACES: tuple[str, ...] = ("batch", "batch_eval", "layer", "rms", "group")
"""What the experiments run: the four families, plus BatchNorm in eval mode."""

TRACE_NAMES: dict[str, str] = {
    **{f: FAMILY_NAMES[f] for f in FAMILIES},
    "batch": "BatchNorm (train)",
    "batch_eval": "BatchNorm (eval)",
}

BATCH_GRID: tuple[int, ...] = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
"""Batch sizes of the spread-vs-batch-size curve (B = 1 has no batch-mates)."""

CLASS_A, CLASS_B = 1, -1


@dataclass(frozen=True)
class Population:
    """Where examples come from: two equally likely classes, F features.

    Feature f has mean ``SHIFT·u_f`` and within-class scale ``exp(DRIFT·v_f)``;
    class A sits ``gap/2`` within-class standard deviations above that mean along
    a fixed sign pattern ``s_f ∈ {±1}``, class B as far below. With ``gap = 0``
    the classes coincide and every batch is i.i.d. from one Gaussian.
    """

    features: int = 16
    gap: float = 2.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.features <= MAX_FEATURES:
            raise ValueError(f"features must be 1–{MAX_FEATURES}, got {self.features}")
        if not (math.isfinite(self.gap) and 0 <= self.gap <= MAX_GAP):
            raise ValueError(f"gap must lie in [0, {MAX_GAP}], got {self.gap}")
        if self.seed < 0:
            raise ValueError("seed must be ≥ 0")

    def feature_params(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-feature mean, within-class scale and class sign, each (F,) float64."""
        rng = np.random.default_rng([self.seed, 21])
        u, v = rng.standard_normal((2, MAX_FEATURES))  # draws for the widest case
        sign = np.where(rng.random(MAX_FEATURES) < 0.5, -1.0, 1.0)
        f = self.features
        return SHIFT * u[:f], np.exp(DRIFT * v[:f]), sign[:f]

    def stats(self) -> tuple[Tensor, Tensor]:
        """The population's exact per-feature mean and variance, (F,) float32.

        A 50/50 mixture of N(m ± g/2·σ, σ²) has mean m and variance σ²(1 + g²/4):
        what BatchNorm's running estimates converge to after a long training run,
        so eval mode here normalizes with them.
        """
        mean, scale, _ = self.feature_params()
        var = scale**2 * (1 + self.gap**2 / 4)
        return torch.from_numpy(mean.astype(np.float32)), torch.from_numpy(
            var.astype(np.float32)
        )

    def compose(self, z: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Examples from standard-normal noise ``z`` (..., F) and ``labels`` (...)."""
        mean, scale, sign = self.feature_params()
        centre = labels[..., None] * (self.gap / 2) * sign  # ...,F
        return (mean + scale * (z + centre)).astype(np.float32)  # ...,F


def batch_labels(batch: int) -> np.ndarray:
    """The class of each example in the page's batch: A, B, A, B, … (B,)."""
    return np.where(np.arange(batch) % 2 == 0, CLASS_A, CLASS_B)


def _batch_noise(pop: Population, batch: int) -> np.ndarray:
    z = np.random.default_rng([pop.seed, 22]).standard_normal((MAX_BATCH, MAX_FEATURES))
    return z[:batch, : pop.features]  # B,F  growing B adds rows below


def make_batch(pop: Population, batch: int, one_class: int | None = None) -> Tensor:
    """The page's batch: (B, F) float32, classes alternating A, B, A, …

    ``one_class`` (``CLASS_A`` or ``CLASS_B``) gives every example that class
    while keeping each example's own noise: the non-i.i.d. version of the same
    batch, so the two differ only in composition.
    """
    if not 1 <= batch <= MAX_BATCH:
        raise ValueError(f"batch must be 1–{MAX_BATCH}, got {batch}")
    labels = batch_labels(batch)
    if one_class is not None:
        labels = np.full(batch, one_class)
    return torch.from_numpy(pop.compose(_batch_noise(pop, batch), labels))  # B,F


def draw_mates(pop: Population, resamples: int, count: int) -> Tensor:
    """``resamples`` independent sets of ``count`` batch-mates, (R, count, F).

    Drawn for the largest batch and cut, so a smaller batch's mates are the first
    ones of a larger batch's (common random numbers: the curves are smooth in B).
    """
    if not 1 <= resamples <= MAX_RESAMPLES:
        raise ValueError(f"resamples must be 1–{MAX_RESAMPLES}, got {resamples}")
    if not 0 <= count <= MAX_BATCH - 1:
        raise ValueError(f"count must be 0–{MAX_BATCH - 1}, got {count}")
    return _mates(pop, resamples)[:, :count]


@lru_cache(maxsize=2)  # up to 32 MB each (R = 2000, F = 64)
def _mates(pop: Population, resamples: int) -> Tensor:
    z = np.random.default_rng([pop.seed, 23]).standard_normal(
        (resamples, MAX_BATCH - 1, MAX_FEATURES), dtype=np.float32
    )[..., : pop.features]  # R,63,F
    coin = np.random.default_rng([pop.seed, 24]).random((resamples, MAX_BATCH - 1))
    labels = np.where(coin < 0.5, CLASS_A, CLASS_B)  # R,63
    return torch.from_numpy(pop.compose(z, labels))  # R,63,F


def normalize_many(
    x: Tensor,
    trace: str,
    *,
    groups: int = 1,
    stats: tuple[Tensor, Tensor] | None = None,
) -> Tensor:
    """Normalize R independent batches at once with the engine: (R, B, F) → (R, B, F).

    One engine call per family, however many batches: BatchNorm's channels
    become the R·F (batch, feature) pairs, so each pools over its own batch's B
    examples; the per-example families see R·B rows. ``batch_eval`` normalizes
    with ``stats`` (running mean, running var), as BatchNorm does in eval mode.
    """
    r, b, f = x.shape
    if trace == "batch":
        cols = x.permute(1, 0, 2).reshape(b, r * f)  # B, R·F
        out = normalize(cols, "batch").output  # B, R·F
        return out.reshape(b, r, f).permute(1, 0, 2)  # R,B,F
    rows = x.reshape(r * b, f)  # R·B, F
    if trace == "batch_eval":
        if stats is None:
            raise ValueError("batch_eval needs running statistics")
        mean, var = stats
        out = normalize(
            rows, "batch", training=False, running_mean=mean, running_var=var
        ).output
    elif trace in ("layer", "rms", "group"):
        out = normalize(rows, trace, groups=groups).output
    else:
        raise ValueError(f"unknown trace {trace!r}; expected one of {TRACES}")
    return out.reshape(r, b, f)  # R,B,F


def spread(outputs: Tensor) -> float:
    """How far one example's output wanders across resamples, (R, F) → a number.

    The root mean over features of the variance across resamples:
    sqrt(mean_f var_r y[r, f]). Zero exactly when every resample gives the same
    output, bit for bit.
    """
    var = outputs.double().var(dim=0, correction=0)  # F
    return float(var.mean().sqrt())


@dataclass(frozen=True, eq=False)
class SpreadPoint:
    """The resampling experiment at one batch size."""

    batch: int
    spread: dict[str, float]  # trace → spread of the fixed example's output
    feature: dict[str, np.ndarray]  # trace → (R,) the focused feature's outputs
    seconds: float  # how long the computation took (before caching)


@lru_cache(maxsize=128)
def spread_at(
    pop: Population,
    example: int,
    feature: int,
    batch: int,
    resamples: int,
    groups: int,
) -> SpreadPoint:
    """Hold the page's example fixed, redraw its B − 1 batch-mates R times.

    The fixed example is row ``example`` of `make_batch`; it sits at position 0
    of every resampled batch (position does not matter to any family). Returns,
    for every trace, the spread of its normalized output and the R values of
    its ``feature``-th output.
    """
    start = time.perf_counter()
    fixed = make_batch(pop, example + 1)[example]  # F
    mates = draw_mates(pop, resamples, batch - 1)  # R,B-1,F
    x = torch.cat([fixed.expand(resamples, 1, -1), mates], dim=1)  # R,B,F
    stats = pop.stats()
    out: dict[str, float] = {}
    values: dict[str, np.ndarray] = {}
    for trace in TRACES:
        y = normalize_many(x, trace, groups=groups, stats=stats)[:, 0]  # R,F
        out[trace] = spread(y)
        values[trace] = y[:, feature].numpy().copy()
    return SpreadPoint(batch, out, values, time.perf_counter() - start)


@dataclass(frozen=True)
class Slope:
    """Least-squares fit log(spread) = log(c) + p·log(B) over the BatchNorm curve."""

    exponent: float
    constant: float


def fit_slope(sizes: np.ndarray, spreads: np.ndarray, min_batch: int = 4) -> Slope:
    """Fit spread ≈ c·B^p for B ≥ ``min_batch`` (p ≈ −1/2 for BatchNorm)."""
    keep = (sizes >= min_batch) & (spreads > 0)
    if keep.sum() < 2:
        return Slope(float("nan"), float("nan"))
    p, logc = np.polyfit(np.log(sizes[keep]), np.log(spreads[keep]), 1)
    return Slope(float(p), float(np.exp(logc)))


def _result(
    x: Tensor, family: str, groups: int, training: bool, stats: tuple[Tensor, Tensor]
) -> NormResult:
    """The engine run the probe makes: (B, F), γ = 1, β = 0; BatchNorm in eval
    mode normalizes with ``stats`` (running mean, running var)."""
    if family == "batch" and not training:
        mean, var = stats
        return normalize(
            x,
            "batch",
            training=False,
            running_mean=mean.to(x.dtype),
            running_var=var.to(x.dtype),
        )
    return normalize(x, family, groups=groups)


def _outputs(
    x: Tensor, family: str, groups: int, training: bool, stats: tuple[Tensor, Tensor]
) -> Tensor:
    return _result(x, family, groups, training, stats).output  # B,F


def jacobian_of_example(
    x: Tensor,
    example: int,
    family: str,
    *,
    groups: int = 1,
    training: bool = True,
    stats: tuple[Tensor, Tensor] | None = None,
) -> Tensor:
    """∂y/∂x_i: how every output of the batch moves with example i's input.

    Shape (B, F, F): ``J[n, k, j] = ∂y[n, k] / ∂x[i, j]``. Forward-mode
    (``torch.func.jacfwd``) through the engine: F tangents, one per input
    feature of the example, however large the batch.
    """
    b, f = x.shape
    if not 0 <= example < b:
        raise ValueError(f"example must be 0–{b - 1}, got {example}")
    if stats is None:
        stats = (torch.zeros(f, dtype=x.dtype), torch.ones(f, dtype=x.dtype))

    def outputs_given_row(row: Tensor) -> Tensor:  # F → B,F
        xx = torch.cat([x[:example], row.unsqueeze(0), x[example + 1 :]])  # B,F
        return _outputs(xx, family, groups, training, stats)

    return torch.func.jacfwd(outputs_given_row)(x[example])  # B,F,F


def finite_difference(
    x: Tensor,
    cell: tuple[int, int],
    family: str,
    *,
    groups: int = 1,
    training: bool = True,
    stats: tuple[Tensor, Tensor] | None = None,
    delta: float = 1e-4,
) -> Tensor:
    """Central difference (y(x + δe) − y(x − δe)) / 2δ in float64, (B, F).

    An independent check of one Jacobian column: no autograd, just the engine
    run twice on a nudged batch.
    """
    xd = x.double()
    f = x.shape[1]
    if stats is None:
        stats = (torch.zeros(f), torch.ones(f))
    stats64 = (stats[0].double(), stats[1].double())
    up, down = xd.clone(), xd.clone()
    up[cell] += delta
    down[cell] -= delta
    y_up = _outputs(up, family, groups, training, stats64)
    y_down = _outputs(down, family, groups, training, stats64)
    return (y_up - y_down) / (2 * delta)  # B,F


@dataclass(frozen=True, eq=False)
class Probe:
    """What nudging the focused cell does to the whole batch."""

    x: np.ndarray  # B,F  the batch
    y: np.ndarray  # B,F  its normalized output
    column: np.ndarray  # B,F  ∂y/∂x[i, j]: the nudged cell's Jacobian column
    blocks: np.ndarray  # B  ‖∂y_n/∂x_i‖_F: how much example n hears example i
    self_effect: float  # ∂y[i, j]/∂x[i, j]
    moved_outputs: int  # outputs with a nonzero derivative w.r.t. x[i, j]
    moved_examples: int  # examples with any nonzero derivative w.r.t. x_i
    other: tuple[int, float] | None  # (example, ‖block‖) loudest other example
    fd_error: float  # max |finite difference − Jacobian column|
    outline: tuple[int, int, int, int] | None  # the cell's pooled set (r0, r1, c0, c1)
    notes: tuple[str, ...]  # the engine's notes, as text


@lru_cache(maxsize=64)
def probe(
    pop: Population,
    batch: int,
    family: str,
    groups: int,
    training: bool,
    focus: tuple[int, int],
) -> Probe:
    """Nudge cell ``focus`` = (example i, feature j) of the page's batch.

    The Jacobian says which outputs move and by how much per unit of nudge;
    exact zeros are outputs that do not depend on x[i, j] at all.
    """
    i, j = focus
    x = make_batch(pop, batch)  # B,F
    stats = pop.stats()
    result = _result(x, family, groups, training, stats)
    jac = jacobian_of_example(
        x, i, family, groups=groups, training=training, stats=stats
    )  # B,F,F
    column = jac[:, :, j]  # B,F
    blocks = jac.double().square().sum(dim=(1, 2)).sqrt()  # B
    others = blocks.clone()
    others[i] = -1.0
    k = int(others.argmax()) if batch > 1 else -1
    other = (k, float(blocks[k])) if k >= 0 and float(blocks[k]) > 0 else None
    if result.from_running:
        outline = None  # eval: fixed statistics, nothing is pooled with the cell
    else:
        mask = result.pooled_with((i, j)).numpy()  # B,F
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        outline = (int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1]))
    fd = finite_difference(
        x, (i, j), family, groups=groups, training=training, stats=stats
    )
    return Probe(
        x=x.numpy(),
        y=result.output.numpy(),
        column=column.numpy().copy(),
        blocks=blocks.numpy().astype(np.float32),
        self_effect=float(column[i, j]),
        moved_outputs=int((column != 0).sum()),
        moved_examples=int((blocks != 0).sum()),
        other=other,
        fd_error=float((fd - column.double()).abs().max()),
        outline=outline,
        notes=tuple(n.message for n in result.notes),
    )


def curve_sizes(batch: int) -> tuple[int, ...]:
    """The batch sizes the curve is computed at: the grid plus the page's B."""
    return tuple(sorted(set(BATCH_GRID) | ({batch} if batch >= 2 else set())))


@dataclass(frozen=True, eq=False)
class SpreadCurve:
    """The resampling experiment over every batch size of the curve."""

    sizes: np.ndarray  # S  batch sizes
    spreads: dict[str, np.ndarray]  # trace → (S,) spread at each size
    slope: Slope  # BatchNorm's fitted log–log slope
    reference: float  # c in c/√B, through BatchNorm's point at the largest B
    at: SpreadPoint | None  # the page's batch size (None for B = 1)
    seconds: float  # total computing time of the points (before caching)


def spread_curve(
    pop: Population,
    example: int,
    feature: int,
    resamples: int,
    groups: int,
    batch: int,
    on_step: Callable[[int, int], None] | None = None,
) -> SpreadCurve:
    """`spread_at` for every size of `curve_sizes`, assembled into curves.

    Each size is cached on its own; ``on_step(done, total)`` lets a page show
    progress while the first computation runs.
    """
    sizes = curve_sizes(batch)
    points = []
    for k, b in enumerate(sizes):
        points.append(spread_at(pop, example, feature, b, resamples, groups))
        if on_step is not None:
            on_step(k + 1, len(sizes))
    arr = np.asarray(sizes)
    spreads = {t: np.array([p.spread[t] for p in points]) for t in TRACES}
    slope = fit_slope(arr, spreads["batch"])
    reference = float(spreads["batch"][-1] * math.sqrt(sizes[-1]))
    at = next((p for p in points if p.batch == batch), None)
    seconds = sum(p.seconds for p in points)
    return SpreadCurve(arr, spreads, slope, reference, at, seconds)
