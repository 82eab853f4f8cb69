"""Small known cases the Why normalize tests share: a tiny sweep's
settings, sweeps whose runs end (or are probed) where a test says, and a
quadratic whose landscape along the gradient is known in closed form.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import torch

from lab.why.runs import (
    LR_GRID,
    PROBE_EVERY,
    PROBE_SIZES,
    Sweep,
    SweepConfig,
    VariantRun,
)

TINY = SweepConfig(depth=3, width=8, steps=12, batch=16, noise=1.0, seed=5)
LRS = (0.05, 0.5)


def fake_sweep(finals: dict, baseline: float = 1.38) -> Sweep:
    """A sweep whose runs end at the given losses (None: diverged at step 3)."""
    runs = {}
    for v, values in finals.items():
        g = len(values)
        losses = np.array(
            [[np.nan if x is None else x for x in values]] * 10, dtype=np.float32
        )
        diverged = np.array([3 if x is None else -1 for x in values])
        p = np.full((1, g, len(PROBE_SIZES)), 0.5, dtype=np.float32)
        runs[v] = VariantRun(
            variant=v,
            losses=losses,
            diverged_at=diverged,
            probe_steps=np.zeros(1, dtype=np.int64),
            probe_loss=p,
            probe_gdiff=p,
            grad_norm=np.ones((1, g), dtype=np.float32),
            unit=np.zeros((1, g, 3), dtype=np.float32),
        )
    return Sweep(
        config=SweepConfig(),
        lrs=LR_GRID[: len(next(iter(finals.values())))],
        baseline=baseline,
        runs=MappingProxyType(runs),
    )


def probed_sweep(progress: dict, values: dict, lr: float = LR_GRID[3]) -> Sweep:
    """A sweep whose probes have the given training losses (per step, one per
    probe) and measure values (loss variation v: probe losses 1 and 1 + v,
    gradient change g, gradient norm 1 so β = g / (2·lr))."""
    runs = {}
    for v, prog in progress.items():
        p = len(prog)
        steps = PROBE_EVERY * p
        # the SMOOTH steps up to each probe all hold that probe's loss
        at = np.minimum((np.arange(steps) + PROBE_EVERY - 1) // PROBE_EVERY, p - 1)
        losses = np.asarray(prog, np.float32)[at][:, None]
        probe_loss = np.ones((p, 1, len(PROBE_SIZES)), np.float32)
        probe_loss[:, 0, -1] += np.asarray(values[v], np.float32)
        gdiff = np.zeros((p, 1, len(PROBE_SIZES)), np.float32)
        gdiff[:, 0, -1] = np.asarray(values[v], np.float32)
        runs[v] = VariantRun(
            variant=v,
            losses=losses.reshape(steps, 1),
            diverged_at=np.array([-1]),
            probe_steps=np.arange(0, steps, PROBE_EVERY),
            probe_loss=probe_loss,
            probe_gdiff=gdiff,
            grad_norm=np.ones((p, 1), np.float32),
            unit=np.zeros((p, 1, 3), np.float32),
        )
    return Sweep(
        config=SweepConfig(), lrs=(lr,), baseline=1.386, runs=MappingProxyType(runs)
    )


A_DIAG = torch.tensor([4.0, 1.0, 0.25], dtype=torch.float64)


def quadratic(w: torch.Tensor) -> torch.Tensor:
    """L(w) = ½ wᵀAw with A = diag(4, 1, ¼): ∇L = Aw, and along −∇L the loss
    and the gradient are known in closed form."""
    return 0.5 * (A_DIAG * w * w).sum()


ETAS = (0.025, 0.05, 0.1, 0.2)
