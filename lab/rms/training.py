"""Does RMSNorm train as well? The same small network with LayerNorm and with
RMSNorm, trained side by side.

The network is a pre-norm residual stack, the placement Llama uses for its
RMSNorm: ``h ← h + W₂·GELU(W₁·norm(h))`` per block, a final norm, a linear
head, on the synthetic task of `lab.core.tasks` (the Why normalize page's).
Both networks start from the same weights (drawn from the seed before the
norm is chosen; the norms' γ start at 1, LayerNorm's β at 0), see the same
batches and take Adam steps with the same learning rate: any difference in
their losses comes from the norm alone.

Wall-clock time is measured per step (forward, backward, update) with the two
networks' steps interleaved, their order alternating, so that load from
another process slows both alike. The load average and the share of a core
the process got are recorded with the run.

Seeded and single-threaded, so the losses repeat to the last bit (the times
do not: they are measurements). Runs in a worker process (lab.core.workers).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lab.core.tasks import CLASSES, INPUTS, make_task
from lab.core.threads import one_thread
from lab.core.workers import Report
from lab.rms.timing import Meter

VARIANTS: tuple[str, ...] = ("layer", "rms")
BATCH = 64
EVAL_EVERY = 10  # steps between losses on the whole training set
TAIL = 0.1  # "final" loss: the mean over this last fraction of the evaluations


@dataclass(frozen=True)
class TrainConfig:
    blocks: int = 4
    width: int = 64
    steps: int = 300
    lr: float = 3e-3
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.blocks <= 16 or not 4 <= self.width <= 1024:
            raise ValueError("blocks must be 1–16 and width 4–1024")
        if not 1 <= self.steps <= 5000:
            raise ValueError("steps must be 1–5000")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError("lr must be a positive number")


class Block(nn.Module):
    """One pre-norm residual block: h + W₂·GELU(W₁·norm(h)), no biases."""

    def __init__(self, width: int, norm: nn.Module) -> None:
        super().__init__()
        self.norm = norm
        self.up = nn.Linear(width, 2 * width, bias=False)
        self.down = nn.Linear(2 * width, width, bias=False)

    def forward(self, h: Tensor) -> Tensor:  # B,W
        return h + self.down(F.gelu(self.up(self.norm(h))))


def _norm(variant: str, width: int) -> nn.Module:
    if variant == "layer":
        return nn.LayerNorm(width)
    if variant == "rms":
        return nn.RMSNorm(width)
    raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")


def build_net(variant: str, config: TrainConfig) -> nn.Sequential:
    """INPUTS → width, ``blocks`` pre-norm blocks, a final norm, → CLASSES.

    Every Linear is drawn from the seed in the same order whatever the norm,
    so both variants start from the very same weights.
    """
    w = config.width
    with torch.random.fork_rng(devices=[]):  # leave the global RNG as it was
        net = nn.Sequential(
            nn.Linear(INPUTS, w),
            *[Block(w, _norm(variant, w)) for _ in range(config.blocks)],
            _norm(variant, w),
            nn.Linear(w, CLASSES),
        )
    g = torch.Generator().manual_seed(int(config.seed))
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Linear):
                bound = 1 / math.sqrt(m.in_features)  # torch.nn.Linear's default
                m.weight.uniform_(-bound, bound, generator=g)
                if m.bias is not None:
                    m.bias.uniform_(-bound, bound, generator=g)
    return net


@dataclass(frozen=True, eq=False)
class TrainRun:
    """Both networks' runs: index 0 LayerNorm, 1 RMSNorm (`VARIANTS`)."""

    config: TrainConfig
    losses: np.ndarray  # 2,S  minibatch loss before each step
    step_seconds: np.ndarray  # 2,S  wall-clock seconds of each step
    eval_steps: np.ndarray  # E  steps after which the whole set was scored
    eval_loss: np.ndarray  # 2,E  loss on the whole training set
    accuracy: np.ndarray  # 2  on the whole training set, at the end
    baseline: float  # the loss of predicting the class frequencies
    load_before: float
    load_after: float
    cpu_share: float  # CPU time ÷ wall time of the process during the run
    started: float  # time.time() at the start
    wall: float

    def final(self, variant: str) -> float:
        """Mean whole-set loss over the last TAIL of the evaluations."""
        e = self.eval_loss[VARIANTS.index(variant)]
        k = max(1, round(len(e) * TAIL))
        return float(e[-k:].mean())

    def clock(self, variant: str) -> np.ndarray:
        """Seconds of training done after each step (S,)."""
        return np.cumsum(self.step_seconds[VARIANTS.index(variant)])

    def median_step(self, variant: str) -> float:
        return float(np.median(self.step_seconds[VARIANTS.index(variant)]))

    def step_spread(self, variant: str) -> tuple[float, float]:
        """10th and 90th percentiles of the step time."""
        lo, hi = np.quantile(self.step_seconds[VARIANTS.index(variant)], [0.1, 0.9])
        return float(lo), float(hi)


def _whole(net: nn.Module, x: Tensor, y: Tensor) -> tuple[float, float]:
    with torch.no_grad():
        logits = net(x)
        return float(F.cross_entropy(logits, y)), float(
            (logits.argmax(1) == y).float().mean()
        )


def train(config: TrainConfig, progress: Report | None = None) -> TrainRun:
    """Train both networks for ``config.steps`` Adam steps; see the module.

    ``progress`` is called every few steps; an exception from it abandons the
    run (nothing partial is returned)."""
    task = make_task(config.seed)
    with Meter() as meter, one_thread():
        nets = [build_net(v, config) for v in VARIANTS]
        opts = [torch.optim.Adam(n.parameters(), lr=config.lr) for n in nets]
        batches = torch.Generator().manual_seed(int(config.seed) + 2)
        s = config.steps
        losses = np.zeros((2, s), dtype=np.float32)
        secs = np.zeros((2, s), dtype=np.float64)
        evals = list(range(EVAL_EVERY, s + 1, EVAL_EVERY))
        if not evals or evals[-1] != s:
            evals.append(s)
        eval_loss = np.zeros((2, len(evals)), dtype=np.float32)
        acc = np.zeros(2)
        k = 0
        for t in range(s):
            idx = torch.randint(0, len(task.y), (BATCH,), generator=batches)
            x, y = task.x[idx], task.y[idx]
            for i in (0, 1) if t % 2 == 0 else (1, 0):
                t0 = time.perf_counter()
                loss = F.cross_entropy(nets[i](x), y)
                opts[i].zero_grad()
                loss.backward()
                opts[i].step()
                secs[i, t] = time.perf_counter() - t0
                losses[i, t] = float(loss.detach())
            if k < len(evals) and t + 1 == evals[k]:
                for i in (0, 1):
                    eval_loss[i, k], acc[i] = _whole(nets[i], task.x, task.y)
                k += 1
            if progress is not None and (t + 1) % EVAL_EVERY == 0:
                progress((t + 1) / s, f"step {t + 1} of {s}")
    return TrainRun(
        config=config,
        losses=losses,
        step_seconds=secs,
        eval_steps=np.array(evals, dtype=np.int64),
        eval_loss=eval_loss,
        accuracy=acc,
        baseline=task.baseline,
        **meter.record(),
    )


# ---- as plain data: a worker's arrays, and the shipped JSON ----

_ARRAYS = ("losses", "step_seconds", "eval_steps", "eval_loss", "accuracy")
_DTYPES = {"eval_steps": np.int64, "losses": np.float32, "eval_loss": np.float32}


def run_to_dict(run: TrainRun) -> dict:
    """The run as JSON-ready values (floats written exactly)."""
    out = {k: v for k, v in asdict(run).items() if k not in _ARRAYS}
    out["config"] = asdict(run.config)
    return out | {k: getattr(run, k).tolist() for k in _ARRAYS}


def run_from_dict(d: Mapping) -> TrainRun:
    meta = {k: v for k, v in d.items() if k not in (*_ARRAYS, "config")}
    arrays = {k: np.asarray(d[k], dtype=_DTYPES.get(k, np.float64)) for k in _ARRAYS}
    return TrainRun(config=TrainConfig(**d["config"]), **meta, **arrays)


def run_to_arrays(run: TrainRun) -> dict[str, np.ndarray]:
    return {"json": np.array(json.dumps(run_to_dict(run)))}


def run_from_arrays(arrays: Mapping[str, np.ndarray]) -> TrainRun:
    return run_from_dict(json.loads(str(arrays["json"])))


def train_task(config: Mapping, progress: Report) -> TrainRun:
    """`train` for a worker process: the config arrives as plain values."""
    return train(TrainConfig(**config), progress)
