"""The MLP learning-rate sweep of the "Why normalize" page, and what it measures.

`run_sweep` trains the deep MLP of `lab.why.models` once per normalization
variant and learning rate, with plain SGD, and on the very same runs measures
what Santurkar et al. 2018 measured: how much the loss and the gradient change
when you move along the gradient (`lab.why.landscape` turns those probes into
their three measures).

The learning-rate sweep is one batched computation: the same torch.nn model is
called through ``torch.func.functional_call`` under ``torch.func.vmap`` with one
copy of the weights per learning rate, so nine networks train for the price of
about one (``tests/unit/why/test_runs.py`` checks it equals training each
network alone with ``torch.optim.SGD``). Every run shares its initial weights,
its batches and its noise with the others: a difference between two curves
comes from the learning rate or the normalization alone.

Every computation is seeded and single-threaded (a thread count changes how
BatchNorm's reductions are split, and with it the last bits of the result), so
the same arguments give the same numbers. Runs report progress through a
callback; if the callback raises (Streamlit stops a script that way when a
control changes), the run is abandoned and nothing partial is returned.

The module holds the sweep alone: the transformer stacks (`lab.why.xiong`) are
another experiment on other networks, and how results become plain arrays
(`lab.why.arrays`) is a file format, neither of which a change to the training
loop should touch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.func import functional_call, vmap

from lab.core.threads import one_thread
from lab.core.workers import Report
from lab.why.models import (
    INITS,
    VARIANTS,
    build_mlp,
    draw_noise,
    make_task,
    noise_layers,
    probe_index,
)

LR_GRID: tuple[float, ...] = tuple(10 ** (k / 2) for k in range(-4, 3))
"""Learning rates swept: 0.01 to 10, two per decade."""

PROBE_SIZES: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0)
"""Where the landscape is probed: w − c·lr·∇L for these c, from a quarter of
the optimizer's own step to twice it (Santurkar et al. probe a similar 8× range)."""

PROBE_EVERY = 10  # steps between landscape measurements (step 0, 10, 20, …)
TAIL = 0.1  # the final loss is the mean over this last fraction of the steps
TRAIN_FRACTION = 0.5
"""A run "trains" when its final loss is at most this fraction of the baseline
(the loss of predicting the class frequencies) and it never diverged."""
DIVERGED = 100.0  # a loss above this (or not finite) ends a run as diverged
QUANTILES: tuple[float, ...] = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class SweepConfig:
    """Every argument of a learning-rate sweep: plain values, hashable, in a URL."""

    depth: int = 10
    width: int = 64
    steps: int = 150
    batch: int = 64
    init: str = "he"
    noise: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.depth <= 64 or not 2 <= self.width <= 1024:
            raise ValueError("depth must be 1–64 and width 2–1024")
        if not 1 <= self.steps <= 5000 or not 2 <= self.batch <= 2048:
            raise ValueError("steps must be 1–5000 and batch 2–2048")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}")
        if not (math.isfinite(self.noise) and self.noise >= 0):
            raise ValueError("noise must be a finite number ≥ 0")


@dataclass(frozen=True, eq=False)
class VariantRun:
    """One variant's runs, one column per learning rate (G of them)."""

    variant: str
    losses: np.ndarray  # S,G  minibatch loss before each update; NaN after divergence
    diverged_at: np.ndarray  # G  first step whose loss was not finite or > DIVERGED; -1
    probe_steps: np.ndarray  # P  steps at which the landscape was probed
    probe_loss: np.ndarray  # P,G,C  loss at w − c·lr·∇L on the step's batch
    probe_gdiff: np.ndarray  # P,G,C  ‖∇L(w − c·lr·∇L) − ∇L(w)‖₂
    grad_norm: np.ndarray  # P,G  ‖∇L(w)‖₂
    unit: np.ndarray  # P,G,Q  quantiles over the batch of one unit (middle block)
    seconds: float = field(default=0.0, compare=False)


@dataclass(frozen=True, eq=False)
class Sweep:
    """A whole sweep: the config, the learning rates, and every variant's runs."""

    config: SweepConfig
    lrs: tuple[float, ...]
    baseline: float  # loss of predicting the class frequencies
    runs: Mapping[str, VariantRun]
    seconds: float = 0.0

    def final_loss(self, variant: str) -> np.ndarray:
        """Mean loss over the last TAIL of the steps (G,); NaN where diverged."""
        r = self.runs[variant]
        tail = max(1, round(len(r.losses) * TAIL))
        out = r.losses[-tail:].mean(axis=0)  # G
        return np.where(r.diverged_at >= 0, np.nan, out).astype(np.float32)

    @property
    def threshold(self) -> float:
        return TRAIN_FRACTION * self.baseline

    def trains(self, variant: str) -> np.ndarray:
        """Which learning rates trained (G,) bool: never diverged, and the final
        loss at most TRAIN_FRACTION of the baseline."""
        final = self.final_loss(variant)
        return np.isfinite(final) & (final <= self.threshold)

    def highest_lr(self, variant: str) -> float | None:
        ok = np.flatnonzero(self.trains(variant))
        return float(self.lrs[ok[-1]]) if ok.size else None

    def best(self, variant: str) -> tuple[float, float] | None:
        """(learning rate, final loss) of the variant's lowest final loss."""
        final = self.final_loss(variant)
        if not np.isfinite(final).any():
            return None
        i = int(np.nanargmin(final))
        return float(self.lrs[i]), float(final[i])


def probe_along_gradient(
    loss_fn: Callable[[Tensor], Tensor], w: Tensor, etas: Sequence[float]
) -> tuple[np.ndarray, np.ndarray, float]:
    """Santurkar et al.'s probe at one point ``w`` of a loss ``loss_fn``.

    Returns (L(w − η·g) for each η, ‖∇L(w − η·g) − g‖₂ for each η, ‖g‖₂) with
    g = ∇L(w). The sweep computes exactly this for every network at once; this
    one-point version states the definition and is what the tests check it
    (and the measures of `lab.why.landscape`) against, e.g. on a quadratic.
    """
    w0 = w.detach().double().requires_grad_()
    (g,) = torch.autograd.grad(loss_fn(w0), w0)
    losses, changes = [], []
    for eta in etas:
        w1 = (w0.detach() - eta * g).requires_grad_()
        loss1 = loss_fn(w1)
        (g1,) = torch.autograd.grad(loss1, w1)
        losses.append(float(loss1.detach()))
        changes.append(float((g1 - g).norm()))
    return np.array(losses), np.array(changes), float(g.norm())


def _stacked(tensors: Mapping[str, Tensor], copies: int) -> dict[str, Tensor]:
    """One independent copy of each tensor per learning rate: (G, *shape)."""
    return {
        name: t.detach().unsqueeze(0).repeat(copies, *([1] * t.dim())).contiguous()
        for name, t in tensors.items()
    }


def _per_model_norm(tensors: Sequence[Tensor]) -> Tensor:
    """ℓ2 norm over every parameter of each model: (G,) from a list of (G, …)."""
    return torch.sqrt(sum(t.double().pow(2).flatten(1).sum(1) for t in tensors))


def run_sweep(
    config: SweepConfig,
    *,
    variants: Sequence[str] = VARIANTS,
    lrs: Sequence[float] = LR_GRID,
    until: int | None = None,
    progress: Report | None = None,
) -> Sweep:
    """Train every variant at every learning rate; measure the landscape.

    ``until`` stops every run after that many steps (tests use it: a run's
    first k steps do not depend on how many follow). ``progress`` is called
    after every step; an exception from it abandons the sweep.
    """
    for v in variants:
        if v not in VARIANTS:
            raise ValueError(f"unknown variant {v!r}; expected one of {VARIANTS}")
    steps = config.steps if until is None else min(until, config.steps)
    task = make_task(config.seed)
    start = time.perf_counter()
    runs: dict[str, VariantRun] = {}
    with one_thread():
        for i, variant in enumerate(variants):

            def tick(t: int, i: int = i, variant: str = variant) -> None:
                if progress is not None:
                    done = (i * steps + t) / (len(variants) * steps)
                    progress(done, f"{variant}: step {t} of {steps}")

            runs[variant] = _train_variant(
                config, variant, task, tuple(lrs), steps, tick
            )
    return Sweep(
        config=config,
        lrs=tuple(float(lr) for lr in lrs),
        baseline=task.baseline,
        runs=MappingProxyType(runs),
        seconds=time.perf_counter() - start,
    )


def _train_variant(
    config: SweepConfig,
    variant: str,
    task,
    lrs: tuple[float, ...],
    steps: int,
    tick: Callable[[int], None],
) -> VariantRun:
    begun = time.perf_counter()
    n_lr, n_probe = len(lrs), len(PROBE_SIZES)
    base = build_mlp(config.depth, config.width, variant, config.init, config.seed)
    base.train()
    params = {
        k: v.requires_grad_()
        for k, v in _stacked(dict(base.named_parameters()), n_lr).items()
    }
    buffers = _stacked(dict(base.named_buffers()), n_lr)
    noisy = noise_layers(base)
    cut = probe_index(base)
    head = base[:cut]
    head_names = {n for n, _ in head.named_parameters()} | {
        n for n, _ in head.named_buffers()
    }

    def call(module, p, b, x):  # one model: its params and buffers, the batch
        return functional_call(module, (p, b), (x,))

    forward = vmap(lambda p, b, x: call(base, p, b, x), in_dims=(0, 0, None))
    forward_head = vmap(lambda p, b, x: call(head, p, b, x), in_dims=(0, 0, None))

    lr = torch.tensor(lrs, dtype=torch.float32)  # G
    batches = torch.Generator().manual_seed(config.seed + 2)
    noise_gen = torch.Generator().manual_seed(config.seed + 3)
    n_points = len(range(0, steps, PROBE_EVERY))
    losses = np.full((steps, n_lr), np.nan, dtype=np.float32)
    diverged_at = np.full(n_lr, -1, dtype=np.int64)
    probe_loss = np.full((n_points, n_lr, n_probe), np.nan, dtype=np.float32)
    probe_gdiff = np.full_like(probe_loss, np.nan)
    grad_norm = np.full((n_points, n_lr), np.nan, dtype=np.float32)
    unit = np.full((n_points, n_lr, len(QUANTILES)), np.nan, dtype=np.float32)
    alive = torch.ones(n_lr, dtype=torch.bool)  # G
    quantiles = torch.tensor(QUANTILES)

    def loss_and_grads(p, b, x, y) -> tuple[Tensor, tuple[Tensor, ...]]:
        logits = forward(p, b, x)  # G,B,K
        loss = (
            F.cross_entropy(logits.flatten(0, 1), y.repeat(n_lr), reduction="none")
            .view(n_lr, -1)
            .mean(1)
        )  # G
        grads = torch.autograd.grad(loss.sum(), list(p.values()))  # each G,…
        return loss.detach(), grads

    for t in range(steps):
        idx = torch.randint(0, len(task.y), (config.batch,), generator=batches)  # B
        x, y = task.x[idx], task.y[idx]  # B,D  B
        for name in noisy:  # fresh noise, the same for every learning rate
            scale, shift = draw_noise(config.width, config.noise, noise_gen)  # W, W
            buffers[f"{name}.scale"] = scale.expand(n_lr, -1)
            buffers[f"{name}.shift"] = shift.expand(n_lr, -1)
        probing = t % PROBE_EVERY == 0
        snapshot = {k: v.clone() for k, v in buffers.items()} if probing else None
        loss, grads = loss_and_grads(params, buffers, x, y)
        record = alive.clone()
        bad = ~torch.isfinite(loss) | (loss > DIVERGED)
        newly = alive & bad
        diverged_at[newly.numpy()] = t
        losses[t] = np.where(record.numpy(), loss.numpy(), np.nan)
        alive &= ~bad

        if probing:
            k = t // PROBE_EVERY
            with torch.no_grad():
                acts = forward_head(
                    {n: v for n, v in params.items() if n in head_names},
                    {n: v.clone() for n, v in snapshot.items() if n in head_names},
                    x,
                )[:, :, 0]  # G,B  unit 0 of the middle block, before its ReLU
                unit[k] = torch.quantile(acts, quantiles, dim=1).T.numpy()  # G,Q
            grad_norm[k] = _per_model_norm(grads).float().numpy()
            for c_i, c in enumerate(PROBE_SIZES):
                step = (c * lr).view(n_lr, 1)  # G,1
                moved = {
                    n: (
                        p.detach() - (step.view(n_lr, *([1] * (p.dim() - 1))) * g)
                    ).requires_grad_()
                    for (n, p), g in zip(params.items(), grads, strict=True)
                }
                b2 = {n: v.clone() for n, v in snapshot.items()}
                loss2, grads2 = loss_and_grads(moved, b2, x, y)
                diff = [g2 - g for g2, g in zip(grads2, grads, strict=True)]
                ok = record.numpy()
                probe_loss[k, :, c_i] = np.where(ok, loss2.numpy(), np.nan)
                probe_gdiff[k, :, c_i] = np.where(
                    ok, _per_model_norm(diff).float().numpy(), np.nan
                )
            grad_norm[k] = np.where(record.numpy(), grad_norm[k], np.nan)
            unit[k] = np.where(record.numpy()[:, None], unit[k], np.nan)

        with torch.no_grad():
            keep = alive.view(n_lr)  # a diverged model keeps its last weights
            for p, g in zip(params.values(), grads, strict=True):
                shape = (n_lr, *([1] * (p.dim() - 1)))
                p.copy_(torch.where(keep.view(shape), p - lr.view(shape) * g, p))
        tick(t + 1)

    return VariantRun(
        variant=variant,
        losses=losses,
        diverged_at=diverged_at,
        probe_steps=np.arange(0, steps, PROBE_EVERY, dtype=np.int64)[:n_points],
        probe_loss=probe_loss,
        probe_gdiff=probe_gdiff,
        grad_norm=grad_norm,
        unit=unit,
        seconds=time.perf_counter() - begun,
    )


# ---- computed in a worker process (lab.core.workers) ----


def sweep_task(config: Mapping[str, Any], progress: Report) -> Sweep:
    """`run_sweep` for a worker: the config arrives as plain values."""
    return run_sweep(SweepConfig(**config), progress=progress)
