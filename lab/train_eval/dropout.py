"""Dropout before BatchNorm: the variance BatchNorm learns is not the one it sees.

In training, dropout zeroes each unit with probability p and scales the rest
by 1/(1 − p): the mean is kept, the variance is not. A BatchNorm right after it
folds the dropped-out variance into ``running_var``; in eval dropout does
nothing, the variance is smaller, and BatchNorm divides by the training one:
Li et al. (2019), "Understanding the disharmony between dropout and batch
normalization by variance shift". For a unit x with mean m and variance v,

    training:  Var = (v + m²)/(1 − p) − m²        eval:  Var = v

so eval's variance is v(1 − p)/(v + p·m²) of training's: 1 − p for m = 0,
less when the unit has a mean (dropout scales the mean's square up too).

Two measurements, through the engine (`lab.core.norms.normalize`):

* `variance_shift`: a batch of activations with per-feature means and scales,
  through dropout at each rate and a BatchNorm: the variance it normalizes
  with in training against the variance of the same inputs in eval, beside the
  formula (pure, milliseconds; tests check it against ``nn.Dropout`` and
  ``nn.BatchNorm1d``, float32 and float64);
* `dropout_costs`: the page's small classifier (`lab.train_eval.classifier`)
  trained with dropout **before** each BatchNorm and, as the control, **after**
  the last one (the placement Li et al. recommend), at each rate: held-out
  scores in eval mode, the variance ratio each trained BatchNorm meets in eval,
  and the before-model again with its statistics re-estimated with dropout off
  (seconds: a worker process runs it, `lab.core.workers`).

Dropout here draws its masks from a local ``torch.Generator`` (`Dropout`), as
the rest of the classifier does, so a run repeats from its seed whatever else
the process is doing; its formula is torch's (``nn.Dropout``).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from lab.core.norms import normalize
from lab.core.threads import one_thread
from lab.core.workers import Report, Task, code_version, result_key
from lab.train_eval.classifier import (
    CODE as CLASSIFIER_CODE,
)
from lab.train_eval.classifier import (
    HIDDEN,
    LR,
    N_TEST,
    N_TRAIN,
    TEST,
    TRAIN,
    TRAIN_BATCH,
    TRAIN_STEPS,
    Memo,
    Score,
    engine_forward,
    moons,
    score,
)

RATES: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
"""Dropout rates the classifier is trained at."""
SWEEP: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(15))
"""Dropout rates of the variance sweep, 0 to 0.7."""
PLACEMENTS: tuple[str, ...] = ("before", "after")
SWEEP_ROWS = 4096
SWEEP_FEATURES = 8
CODE: tuple[str, ...] = (*CLASSIFIER_CODE, "lab.train_eval.dropout")
"""The code behind the classifier's dropout numbers: a worker's results are
keyed on it."""


# ---- dropout with a local generator ----


class Dropout(nn.Module):
    """``nn.Dropout(p)`` with its masks drawn from ``generator``: in training
    x·mask/(1 − p) with mask ~ Bernoulli(1 − p), in eval x unchanged."""

    def __init__(self, p: float, generator: torch.Generator) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"p must lie in [0, 1), got {p}")
        self.p = p
        self.generator = generator

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.empty_like(x).bernoulli_(1 - self.p, generator=self.generator)
        return x * keep.div_(1 - self.p)  # in torch's order: bit for bit


# ---- the variance shift, on one batch ----


def predicted_ratio(p: float, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Eval's variance over training's, per feature: v / ((v + m²)/(1 − p) − m²)."""
    return var / ((var + mean**2) / (1 - p) - mean**2)


@dataclass(frozen=True)
class Shift:
    """The variance sweep: one row per dropout rate, one column per feature."""

    rates: tuple[float, ...]
    mean: np.ndarray  # F  the inputs' mean
    var: np.ndarray  # F  their (biased) variance: what BatchNorm sees in eval
    train_var: np.ndarray  # P,F  what BatchNorm normalizes with in training
    ratio: np.ndarray  # P,F  var / train_var, measured
    predicted: np.ndarray  # P,F  the formula
    eval_std: np.ndarray  # P,F  std of BatchNorm's eval output, running_var = train_var


def sweep_inputs(seed: int, dtype: torch.dtype = torch.float32) -> Tensor:
    """(4096, 8) activations: feature f has mean ~N(0, 1) and scale exp(0.5·v_f)."""
    rng = np.random.default_rng([seed, 41])
    mean = rng.standard_normal(SWEEP_FEATURES)
    scale = np.exp(0.5 * rng.standard_normal(SWEEP_FEATURES))
    z = rng.standard_normal((SWEEP_ROWS, SWEEP_FEATURES))
    return torch.tensor(mean + scale * z, dtype=dtype)


def dropped(x: Tensor, p: float, seed: int) -> Tensor:
    """``x`` through `Dropout` in training, masks from ``seed``."""
    layer = Dropout(p, torch.Generator().manual_seed(seed)).train()
    return layer(x)


@lru_cache(maxsize=8)
def variance_shift(seed: int = 0, dtype: str = "float32") -> Shift:
    """For every rate of `SWEEP`: BatchNorm's training variance on the dropped
    inputs, the inputs' own variance (eval), their ratio and the formula's."""
    x = sweep_inputs(seed, getattr(torch, dtype))
    ev = normalize(x, "batch")  # eval's inputs, no dropout: their statistics
    assert ev.mean is not None
    mean, var = ev.mean.double().numpy(), ev.var.double().numpy()
    train_var, eval_std = [], []
    for i, p in enumerate(SWEEP):
        tr = normalize(dropped(x, p, seed * 1000 + i), "batch")  # training's
        tv = tr.var.double()
        out = normalize(
            x,
            "batch",
            training=False,
            running_mean=tr.mean,
            running_var=tr.var,
        ).output  # eval: the inputs normalized with training's statistics
        train_var.append(tv.numpy())
        eval_std.append(out.double().std(dim=0, correction=0).numpy())
    tv = np.stack(train_var)
    return Shift(
        rates=SWEEP,
        mean=mean,
        var=var,
        train_var=tv,
        ratio=var / tv,
        predicted=np.stack([predicted_ratio(p, mean, var) for p in SWEEP]),
        eval_std=np.stack(eval_std),
    )


# ---- the classifier ----


def build(placement: str, p: float, generator: torch.Generator) -> nn.Sequential:
    """The page's classifier with dropout: ``before`` each BatchNorm (Linear →
    Dropout → BatchNorm → ReLU, twice), or ``after`` the last (Linear →
    BatchNorm → ReLU, twice, then Dropout), then Linear(32, 1). Weights from
    ``generator``, as torch.nn.Linear initializes them."""
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {PLACEMENTS}")

    def linear(i: int, o: int) -> nn.Linear:
        layer = nn.Linear(i, o)
        with torch.no_grad():
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            bound = 1 / math.sqrt(i)
            layer.bias.uniform_(-bound, bound, generator=generator)
        return layer

    def drop() -> Dropout:
        return Dropout(p, generator)

    if placement == "before":
        layers = [linear(2, HIDDEN), drop(), nn.BatchNorm1d(HIDDEN), nn.ReLU()]
        layers += [linear(HIDDEN, HIDDEN), drop(), nn.BatchNorm1d(HIDDEN), nn.ReLU()]
    else:
        layers = [linear(2, HIDDEN), nn.BatchNorm1d(HIDDEN), nn.ReLU()]
        layers += [linear(HIDDEN, HIDDEN), nn.BatchNorm1d(HIDDEN), nn.ReLU(), drop()]
    return nn.Sequential(*layers, linear(HIDDEN, 1))


def train(placement: str, p: float, seed: int) -> nn.Sequential:
    """Trained as the page's classifier is (`lab.train_eval.classifier`): the
    same data, steps, batches and Adam; then in eval mode."""
    g = torch.Generator().manual_seed(seed)
    x, y = moons(N_TRAIN, seed, TRAIN)
    model = build(placement, p, g)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    model.train()
    for _ in range(TRAIN_STEPS):
        idx = torch.randint(0, N_TRAIN, (TRAIN_BATCH,), generator=g)
        loss = nn.functional.binary_cross_entropy_with_logits(
            model(x[idx]).squeeze(1), y[idx]
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    for q in model.parameters():
        q.requires_grad_(False)
    return model


def bn_inputs(model: nn.Sequential, x: Tensor) -> list[Tensor]:
    """What each BatchNorm receives in eval mode, (N, 32) each."""
    out, h = [], x
    for layer in model:
        if isinstance(layer, nn.BatchNorm1d):
            out.append(h)
        h = layer(h)
    return out


def eval_ratios(model: nn.Sequential, x: Tensor) -> list[float]:
    """Per BatchNorm, the mean over channels of (the variance of its eval-mode
    input on ``x``, from the engine) ÷ running_var (learned in training)."""
    with torch.no_grad():
        seen = [normalize(h, "batch").var for h in bn_inputs(model, x)]
    bns = [m for m in model if isinstance(m, nn.BatchNorm1d)]
    return [float((v / b.running_var).mean()) for v, b in zip(seen, bns, strict=True)]


def reestimated(model: nn.Sequential, x: Tensor) -> nn.Sequential:
    """A copy whose BatchNorm statistics are re-estimated on ``x`` with dropout
    off: reset, ``momentum=None``, forward passes in batches of 64, no gradient."""
    m = copy.deepcopy(model)
    for layer in m:
        if isinstance(layer, nn.BatchNorm1d):
            layer.reset_running_stats()
            layer.momentum = None
            layer.train()
    with torch.no_grad():
        for i in range(0, x.shape[0], 64):
            m(x[i : i + 64])
    return m.eval()


@dataclass(frozen=True)
class DropoutCosts:
    """Held-out scores in eval mode at every rate of `RATES`."""

    rates: tuple[float, ...]
    before: tuple[Score, ...]  # dropout before each BatchNorm
    after: tuple[Score, ...]  # dropout after the last BatchNorm (the control)
    reestimated: tuple[Score, ...]  # before, statistics re-estimated, dropout off
    ratio_first: tuple[float, ...]  # before: eval variance ÷ running_var, 1st BN
    ratio_second: tuple[float, ...]  # ... 2nd BN
    ratio_after: tuple[float, ...]  # after: the same for its 2nd BN (≈ 1)


def _dropout(seed: int, progress: Report) -> DropoutCosts:
    x, _ = moons(N_TRAIN, seed, TRAIN)
    xt, yt = moons(N_TEST, seed, TEST)
    rows: dict[str, list[Any]] = {k: [] for k in ("b", "a", "r", "r1", "r2", "ra")}
    runs = len(RATES) * len(PLACEMENTS)
    with one_thread():
        for i, p in enumerate(RATES):
            progress(2 * i / runs, "training")
            before = train("before", p, seed)
            progress((2 * i + 1) / runs, "training")
            after = train("after", p, seed)
            rows["b"].append(score(engine_forward(before, xt, False), yt))
            rows["a"].append(score(engine_forward(after, xt, False), yt))
            fixed = reestimated(before, x)
            rows["r"].append(score(engine_forward(fixed, xt, False), yt))
            r1, r2 = eval_ratios(before, xt)
            rows["r1"].append(r1)
            rows["r2"].append(r2)
            rows["ra"].append(eval_ratios(after, xt)[1])
    return DropoutCosts(
        rates=RATES,
        before=tuple(rows["b"]),
        after=tuple(rows["a"]),
        reestimated=tuple(rows["r"]),
        ratio_first=tuple(rows["r1"]),
        ratio_second=tuple(rows["r2"]),
        ratio_after=tuple(rows["ra"]),
    )


# ---- kept for everyone, computed by a worker ----


class DropoutMemo(Memo):
    """The classifier's memo, keyed in the pool's results on this module's
    code too (`CODE`)."""

    def pool_key(self, key: Hashable) -> str:
        kind, *args = key  # type: ignore[misc]
        return result_key(f"train_eval-{kind}", {"args": args}, _version())


DROPOUT = DropoutMemo(maxsize=16)


@cache
def _version() -> str:
    return code_version(*CODE)


def memo_key(seed: int) -> tuple:
    return ("dropout", int(seed))


def task(seed: int) -> Task:
    return Task(
        "lab.train_eval.dropout:_dropout",
        (int(seed),),
        encode="lab.train_eval.dropout:to_arrays",
        decode="lab.train_eval.dropout:from_arrays",
    )


def dropout_costs(seed: int, progress: Report | None = None) -> DropoutCosts:
    """The classifier's dropout numbers for ``seed``, computed once per process
    (here, when no worker pool runs: a notebook, AppTest)."""
    return DROPOUT.get(memo_key(seed), lambda p: _dropout(int(seed), p), progress)


def requests(
    seed: int,
) -> dict[Hashable, tuple[Task, Callable[[Report | None], Any]]]:
    """What the dropout pitfall needs (as `lab.train_eval.costs.requests`)."""
    return {memo_key(seed): (task(seed), lambda p: dropout_costs(seed, p))}


def to_arrays(value: DropoutCosts) -> dict[str, Any]:
    return {"json": np.array(json.dumps(asdict(value)))}


def from_arrays(arrays: dict[str, Any]) -> DropoutCosts:
    d = json.loads(str(arrays["json"]))

    def scores(items: list[dict[str, float]]) -> tuple[Score, ...]:
        return tuple(Score(float(s["accuracy"]), float(s["auc"])) for s in items)

    return DropoutCosts(
        rates=tuple(float(r) for r in d["rates"]),
        before=scores(d["before"]),
        after=scores(d["after"]),
        reestimated=scores(d["reestimated"]),
        ratio_first=tuple(float(r) for r in d["ratio_first"]),
        ratio_second=tuple(float(r) for r in d["ratio_second"]),
        ratio_after=tuple(float(r) for r in d["ratio_after"]),
    )
