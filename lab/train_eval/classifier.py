"""A small classifier trained here, to measure what BatchNorm's train/eval bugs cost.

A three-layer MLP on a 2-D, two-class "two moons" problem, with BatchNorm (or
LayerNorm, or RMSNorm) after each hidden layer, trained for a fraction of a
second from a fixed seed, and the ways to serve and score it. What each
pitfall costs it is measured in `lab.train_eval.costs`: this module is what
every measurement shares (the data, the model, its training, serving in train
or eval mode, the memo), that one the three experiments run on top of it.

Everything is deterministic from a seed (a local ``torch.Generator``; no global
random state, so concurrent sessions cannot disturb each other) and memoized
process-wide on plain arguments (`MEMO`), so a class of students costs one run.
"""

from __future__ import annotations

import copy
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import numpy as np
import torch
from torch import Tensor, nn

from lab.core.norms import normalize
from lab.core.stores import PoolStore
from lab.core.threads import one_thread
from lab.core.workers import Report, Task, code_version, result_key
from lab.core.workers import default as default_workers

T = TypeVar("T")

FAMILIES: tuple[str, ...] = ("batch", "layer", "rms")
HIDDEN = 32
TRAIN_STEPS = 400
TRAIN_BATCH = 64
LR = 0.01
N_TRAIN = 1024
N_TEST = 1024
NOISE = 0.15
SHIFT_DIRECTION = (2 / math.sqrt(5), 1 / math.sqrt(5))
"""Test inputs move by ``shift`` standard deviations along this unit vector."""
_CENTER = np.array([0.5, 0.25])
_SCALE = np.array([0.87, 0.5])


CODE: tuple[str, ...] = (
    "lab.train_eval.classifier",
    "lab.train_eval.costs",
    "lab.core.threads",
    "lab.core.norms",
)
"""The modules whose code computes the pitfalls' numbers: a result computed by
other code is another result (a worker's shared results are keyed on them, and
the shipped default results carry their hash: `lab.train_eval.cache`)."""


# ---- memo ----


class Memo(PoolStore):
    """Results of slow pure functions, kept for the whole process, keyed on plain
    values. Each key is computed once even when several sessions ask for it at
    the same moment: the others wait for the first and share its result."""

    def __init__(self, maxsize: int = 48) -> None:
        self.maxsize = maxsize
        self.workers: Any = None  # a Workers; None: lab.core.workers.default()
        self._done: OrderedDict[Hashable, Any] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def has(self, key: Hashable) -> bool:
        with self._guard:
            return key in self._done

    def get(
        self,
        key: Hashable,
        compute: Callable[[Report], T],
        progress: Report | None = None,
        task: Task | None = None,
    ) -> T:
        """The value for ``key``, computing it (with ``progress``) if nobody has.

        With a worker pool (`workers`, else the server's `lab.core.workers.default`)
        and a ``task`` that computes the same value in a worker process, the
        computation runs there and this thread only waits, so other students'
        clicks are not held up.
        """
        with self._guard:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
        pool = self.workers or default_workers()
        if pool is not None and task is not None:
            value = pool.run(_result_key(key), task, progress or _silent)
            self.put(key, value)
            return value
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._done:
                    return self._done[key]
            with one_thread():  # see `lab.core.threads`
                value = compute(progress or _silent)
            with self._guard:
                self._done[key] = value
                while len(self._done) > self.maxsize:
                    self._done.popitem(last=False)
                self._locks.pop(key, None)
        return value

    def stored(self, key: Hashable) -> Any | None:
        with self._guard:
            return self._done.get(key)

    def pool_key(self, key: Hashable) -> str:
        return _result_key(key)

    def put(self, key: Hashable, value: Any) -> None:
        """Store a value computed elsewhere (the shipped default results)."""
        with self._guard:
            self._done[key] = value
            self._done.move_to_end(key)
            while len(self._done) > self.maxsize:
                self._done.popitem(last=False)

    def clear(self) -> None:
        with self._guard:
            self._done.clear()


MEMO = Memo()


@cache
def _version() -> str:
    return code_version(*CODE)


def _result_key(key: Hashable) -> str:
    """The shared results directory's name for a memo key (and this code)."""
    kind, *args = key
    return result_key(f"train_eval-{kind}", {"args": args}, _version())


def _silent(fraction: float, text: str) -> None:
    return None


# ---- data ----


def moons(n: int, seed: int, stream: int, shift: float = 0.0) -> tuple[Tensor, Tensor]:
    """``n`` two-moons examples, standardized, float32 (n, 2), labels float (n,).

    ``stream`` keeps training, test, adaptation and fine-tuning sets apart for
    one seed; ``shift`` moves every input by that many standard deviations
    along `SHIFT_DIRECTION` (a covariate shift: same labels, moved inputs).
    """
    rng = np.random.default_rng([seed, 31, stream])
    y = rng.integers(0, 2, n)  # n
    t = rng.uniform(0.0, math.pi, n)  # n
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)  # n,2
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)  # n,2
    x = np.where(y[:, None] == 0, upper, lower) + NOISE * rng.standard_normal((n, 2))
    x = (x - _CENTER) / _SCALE + shift * np.asarray(SHIFT_DIRECTION)  # n,2
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


TRAIN, TEST, ADAPT, FT_TRAIN, FT_TEST = 1, 2, 3, 4, 5  # data streams


# ---- model ----


def _norm(family: str) -> nn.Module:
    if family == "batch":
        return nn.BatchNorm1d(HIDDEN)
    if family == "layer":
        return nn.LayerNorm(HIDDEN)
    if family == "rms":
        return nn.RMSNorm(HIDDEN)
    raise ValueError(f"unknown family {family!r}; expected one of {FAMILIES}")


def build_model(family: str, generator: torch.Generator) -> nn.Sequential:
    """2 → 32 → norm → ReLU → 32 → norm → ReLU → 1, initialized from ``generator``.

    The initialization is torch.nn.Linear's own (Kaiming-uniform weights, uniform
    biases), redrawn from a local generator so no global random state is used.
    """
    model = nn.Sequential(
        nn.Linear(2, HIDDEN),
        _norm(family),
        nn.ReLU(),
        nn.Linear(HIDDEN, HIDDEN),
        _norm(family),
        nn.ReLU(),
        nn.Linear(HIDDEN, 1),
    )
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                nn.init.kaiming_uniform_(
                    layer.weight, a=math.sqrt(5), generator=generator
                )
                bound = 1 / math.sqrt(layer.in_features)
                layer.bias.uniform_(-bound, bound, generator=generator)
    return model


def norm_layers(model: nn.Module) -> list[nn.Module]:
    return [
        m for m in model if isinstance(m, nn.BatchNorm1d | nn.LayerNorm | nn.RMSNorm)
    ]


@dataclass(frozen=True, eq=False)
class Trained:
    """A trained classifier. Use `copy` for anything that runs it in train mode."""

    family: str
    seed: int
    model: nn.Sequential  # shared by every session: never mutate, copy first
    losses: np.ndarray  # TRAIN_STEPS  training loss per step
    test_accuracy: float  # eval mode on the held-out set

    def copy(self) -> nn.Sequential:
        return copy.deepcopy(self.model)


def _train(family: str, seed: int, progress: Report) -> Trained:
    g = torch.Generator().manual_seed(seed)
    x, y = moons(N_TRAIN, seed, TRAIN)
    model = build_model(family, g)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    losses = np.empty(TRAIN_STEPS, dtype=np.float32)
    model.train()
    with one_thread():
        for step in range(TRAIN_STEPS):
            idx = torch.randint(0, N_TRAIN, (TRAIN_BATCH,), generator=g)
            loss = nn.functional.binary_cross_entropy_with_logits(
                model(x[idx]).squeeze(1), y[idx]
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses[step] = loss.item()
            if step % 40 == 0:
                progress(step / TRAIN_STEPS, "training")
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    xt, yt = moons(N_TEST, seed, TEST)
    acc = accuracy(predict(model, xt, "eval"), yt)
    losses.setflags(write=False)
    return Trained(family, seed, model, losses, acc)


def trained(family: str, seed: int, progress: Report | None = None) -> Trained:
    """The classifier with ``family`` trained from ``seed`` (memoized)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; expected one of {FAMILIES}")
    return MEMO.get(
        ("trained", family, int(seed)),
        lambda p: _train(family, int(seed), p),
        progress,
    )


# ---- serving ----


def engine_forward(model: nn.Sequential, x: Tensor, training: bool) -> Tensor:
    """The model's logits with every norm layer computed by `lab.core.norms.normalize`.

    Equal to torch's forward wherever torch runs (tests check it); it also runs
    where torch refuses, a BatchNorm in train mode on one example, and returns
    what the formula means there: every normalized value is 0, the output β.
    Running statistics are read, never updated.
    """
    h = x  # N,2
    for layer in model:
        if isinstance(layer, nn.BatchNorm1d):
            h = normalize(
                h,
                "batch",
                gamma=layer.weight.detach(),
                beta=layer.bias.detach(),
                eps=layer.eps,
                training=training,
                running_mean=layer.running_mean,
                running_var=layer.running_var,
            ).output  # N,H
        elif isinstance(layer, nn.LayerNorm):
            h = normalize(
                h,
                "layer",
                gamma=layer.weight.detach(),
                beta=layer.bias.detach(),
                eps=layer.eps,
            ).output  # N,H
        elif isinstance(layer, nn.RMSNorm):
            h = normalize(h, "rms", gamma=layer.weight.detach(), eps=layer.eps).output
        else:
            h = layer(h)
    return h.squeeze(1)  # N


def torch_refuses_one(model: nn.Sequential) -> str | None:
    """Serve one example through ``model`` in train mode with torch itself.

    Returns torch's error message if it refuses (BatchNorm1d does), else None.
    """
    m = copy.deepcopy(model)
    m.train()
    try:
        with torch.no_grad():
            m(torch.zeros(1, 2))
    except ValueError as err:
        return str(err)
    return None


def predict(
    model: nn.Sequential, x: Tensor, mode: str, batch: int | None = None
) -> Tensor:
    """Logits for ``x`` served in ``mode`` ("train"/"eval") in batches of ``batch``.

    Train mode runs on a copy (torch would update the running statistics while
    serving) and normalizes each served batch with its own statistics. Batches of
    one in train mode go through `engine_forward`, because torch raises there.
    """
    n = x.shape[0]
    batch = n if batch is None else batch
    m = copy.deepcopy(model)
    m.train(mode == "train")
    out = []
    with torch.no_grad():
        for i in range(0, n, batch):
            xb = x[i : i + batch]  # b,2
            if mode == "train" and xb.shape[0] == 1 and norm_layers(m):
                is_bn = isinstance(norm_layers(m)[0], nn.BatchNorm1d)
                out.append(engine_forward(m, xb, True) if is_bn else m(xb).squeeze(1))
            else:
                out.append(m(xb).squeeze(1))
    return torch.cat(out)  # N


def accuracy(logits: Tensor, y: Tensor) -> float:
    """Fraction of examples whose predicted class (logit > 0) is the label."""
    return float(((logits > 0).float() == y).float().mean())


def auc(logits: Tensor | np.ndarray, y: Tensor | np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative).

    Ties count one half (the Mann–Whitney statistic from average ranks), so a
    model that gives every input the same score has AUC exactly 0.5.
    """
    s = np.asarray(logits, dtype=np.float64)
    lab = np.asarray(y).astype(bool)
    pos, neg = int(lab.sum()), int((~lab).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(s.size, dtype=np.float64)
    sorted_s = s[order]
    i = 0
    while i < s.size:
        j = i
        while j + 1 < s.size and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1  # average rank of the tie
        i = j + 1
    return float((ranks[lab].sum() - pos * (pos + 1) / 2) / (pos * neg))


@dataclass(frozen=True)
class Score:
    accuracy: float
    auc: float


def score(logits: Tensor, y: Tensor) -> Score:
    return Score(accuracy(logits, y), auc(logits, y))


def memo_key(kind: str, *args: Any) -> tuple:
    """The `MEMO` key of a pitfall's numbers: ``("serving", family, seed)``,
    ``("stale", seed)`` or ``("finetune", seed, shift)``."""
    return {
        "serving": lambda: ("serving", args[0], int(args[1])),
        "stale": lambda: ("stale", int(args[0])),
        "finetune": lambda: ("finetune", int(args[0]), round(float(args[1]), 6)),
    }[kind]()


def is_ready(kind: str, *args: Any) -> bool:
    """Whether a pitfall's numbers are memoized, or in the worker pool's shared
    results (another replica computed them): the page then skips the progress bar."""
    key = memo_key(kind, *args)
    if MEMO.has(key):
        return True
    pool = MEMO.workers or default_workers()
    value = pool and pool.cached(
        _result_key(key), f"lab.train_eval.cache:{kind}_from_arrays"
    )
    if value is None:
        return False
    MEMO.put(key, value)
    return True
