"""A small classifier trained here, to measure what BatchNorm's train/eval bugs cost.

A three-layer MLP on a 2-D, two-class "two moons" problem, with BatchNorm (or
LayerNorm, or RMSNorm) after each hidden layer, trained for a fraction of a
second from a fixed seed. Then the pitfalls, each measured on a held-out set:

* **forgetting ``model.eval()``**: serving in train mode at batch sizes 1..1024
  against eval mode (`serving_costs`);
* **stale running statistics**: test inputs shifted after training, served with
  the old statistics, with statistics re-estimated on unlabelled shifted data
  (Li et al. 2016, "AdaBN"), and by LayerNorm/RMSNorm models (`stale_costs`);
* **fine-tuning** on a small shifted dataset with BatchNorm frozen (eval mode,
  statistics and γ/β fixed, as torchvision's ``FrozenBatchNorm2d``) or updating
  (train mode) (`finetune_costs`).

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

from lab.norms import normalize
from lab.train_eval import one_thread
from lab.workers import Task, code_version, result_key
from lab.workers import default as default_workers

T = TypeVar("T")
Progress = Callable[[float, str], None]
"""A callback ``(fraction done in [0, 1], what is happening)``."""

FAMILIES: tuple[str, ...] = ("batch", "layer", "rms")
HIDDEN = 32
TRAIN_STEPS = 400
TRAIN_BATCH = 64
LR = 0.01
N_TRAIN = 1024
N_TEST = 1024
N_ADAPT = 512
"""Unlabelled shifted inputs used to re-estimate BatchNorm's statistics."""
NOISE = 0.15
SERVE_SIZES: tuple[int, ...] = (1, 2, 4, 8, 16, 64, 256, 1024)
SHIFTS: tuple[float, ...] = tuple(i * 0.25 for i in range(13))  # 0, 0.25, ..., 3
SHIFT_DIRECTION = (2 / math.sqrt(5), 1 / math.sqrt(5))
"""Test inputs move by ``shift`` standard deviations along this unit vector."""
FT_EXAMPLES = 32
FT_STEPS = 60
FT_LR = 3e-3
FT_BATCHES: tuple[int, ...] = (2, 4, 8, 16, 32)
FT_VARIANTS: tuple[str, ...] = ("update", "frozen")
_CENTER = np.array([0.5, 0.25])
_SCALE = np.array([0.87, 0.5])


# ---- memo and threads ----


class Memo:
    """Results of slow pure functions, kept for the whole process, keyed on plain
    values. Each key is computed once even when several sessions ask for it at
    the same moment: the others wait for the first and share its result."""

    def __init__(self, maxsize: int = 48) -> None:
        self.maxsize = maxsize
        self.workers: Any = None  # a lab.workers.Workers; None: lab.workers.default()
        self._done: OrderedDict[Hashable, Any] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def has(self, key: Hashable) -> bool:
        with self._guard:
            return key in self._done

    def get(
        self,
        key: Hashable,
        compute: Callable[[Progress], T],
        progress: Progress | None = None,
        task: Task | None = None,
    ) -> T:
        """The value for ``key``, computing it (with ``progress``) if nobody has.

        With a worker pool (`workers`, else the server's `lab.workers.default`)
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
            with one_thread():  # see `lab.train_eval.one_thread`
                value = compute(progress or _silent)
            with self._guard:
                self._done[key] = value
                while len(self._done) > self.maxsize:
                    self._done.popitem(last=False)
                self._locks.pop(key, None)
        return value

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
    return code_version("lab.train_eval_classifier", "lab.norms", "lab.train_eval")


def _result_key(key: Hashable) -> str:
    """The shared results directory's name for a memo key (and this code)."""
    kind, *args = key
    return result_key(f"train_eval-{kind}", {"args": args}, _version())


def _task(compute: str, decode: str, *args: Any) -> Task:
    return Task(
        f"lab.train_eval_classifier:{compute}",
        args,
        encode="lab.train_eval_cache:to_arrays",
        decode=f"lab.train_eval_cache:{decode}",
    )


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


def _train(family: str, seed: int, progress: Progress) -> Trained:
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


def trained(family: str, seed: int, progress: Progress | None = None) -> Trained:
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
    """The model's logits with every norm layer computed by `lab.norms.normalize`.

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


# ---- pitfall 1: forgetting model.eval() ----


@dataclass(frozen=True)
class ServingCosts:
    """One model served in eval and in train mode at every size in `SERVE_SIZES`."""

    family: str
    sizes: tuple[int, ...]
    eval: tuple[Score, ...]  # per size
    train: tuple[Score, ...]  # per size, test set in a fixed shuffled order
    sorted_train: Score  # train mode, batches of 64 holding one class each
    torch_error: str | None  # what torch says when served one example in train mode
    constant_at_one: bool  # train mode at batch 1 gave every input the same logit


def _serving(family: str, seed: int, progress: Progress) -> ServingCosts:
    model = trained(family, seed, progress).model
    x, y = moons(N_TEST, seed, TEST)
    perm = torch.randperm(N_TEST, generator=torch.Generator().manual_seed(seed))
    x, y = x[perm], y[perm]
    with one_thread():
        ev = tuple(score(predict(model, x, "eval", b), y) for b in SERVE_SIZES)
        tr_logits = [predict(model, x, "train", b) for b in SERVE_SIZES]
        by_class = torch.argsort(y, stable=True)
        sorted_logits = predict(model, x[by_class], "train", 64)
    return ServingCosts(
        family=family,
        sizes=SERVE_SIZES,
        eval=ev,
        train=tuple(score(lg, y) for lg in tr_logits),
        sorted_train=score(sorted_logits, y[by_class]),
        torch_error=torch_refuses_one(model),
        constant_at_one=bool((tr_logits[0] == tr_logits[0][0]).all()),
    )


def serving_costs(
    family: str, seed: int, progress: Progress | None = None
) -> ServingCosts:
    return MEMO.get(
        ("serving", family, int(seed)),
        lambda p: _serving(family, int(seed), p),
        progress,
        _task("_serving", "serving_from_arrays", family, int(seed)),
    )


# ---- pitfall 2: stale statistics after a shift ----


def recalibrated(model: nn.Sequential, x: Tensor) -> nn.Sequential:
    """A copy of ``model`` whose BatchNorm statistics are re-estimated on ``x``.

    Unlabelled inputs only, no gradient step: reset the running statistics, set
    momentum=None (a cumulative average, so every batch counts equally) and run
    the inputs through in train mode in batches of 64 (Li et al. 2016, AdaBN).
    """
    m = copy.deepcopy(model)
    bns = [b for b in m if isinstance(b, nn.BatchNorm1d)]
    for b in bns:
        b.reset_running_stats()
        b.momentum = None
    m.train()
    with torch.no_grad():
        for i in range(0, x.shape[0], 64):
            m(x[i : i + 64])
    m.eval()
    return m


@dataclass(frozen=True)
class StaleCosts:
    """Held-out scores against the shift of the test inputs, for each remedy."""

    shifts: tuple[float, ...]
    stale: tuple[Score, ...]  # BatchNorm, eval mode, statistics from training
    recalibrated: tuple[Score, ...]  # BatchNorm, statistics re-estimated (AdaBN)
    batch_stats: tuple[Score, ...]  # BatchNorm, train mode, batches of 256
    layer: tuple[Score, ...]  # LayerNorm model, eval mode
    rms: tuple[Score, ...]  # RMSNorm model, eval mode


def _stale(seed: int, progress: Progress) -> StaleCosts:
    models = {}
    for i, fam in enumerate(FAMILIES):
        models[fam] = trained(
            fam, seed, lambda f, t, i=i: progress((i + f) / 4, t)
        ).model
    rows: dict[str, list[Score]] = {k: [] for k in ("stale", "re", "bs", "ln", "rms")}
    with one_thread():
        for k, shift in enumerate(SHIFTS):
            progress(0.75 + 0.25 * k / len(SHIFTS), "measuring")
            x, y = moons(N_TEST, seed, TEST, shift)
            xa, _ = moons(N_ADAPT, seed, ADAPT, shift)  # labels unused
            bn = models["batch"]
            rows["stale"].append(score(predict(bn, x, "eval"), y))
            rows["re"].append(score(predict(recalibrated(bn, xa), x, "eval"), y))
            rows["bs"].append(score(predict(bn, x, "train", 256), y))
            rows["ln"].append(score(predict(models["layer"], x, "eval"), y))
            rows["rms"].append(score(predict(models["rms"], x, "eval"), y))
    return StaleCosts(
        SHIFTS,
        tuple(rows["stale"]),
        tuple(rows["re"]),
        tuple(rows["bs"]),
        tuple(rows["ln"]),
        tuple(rows["rms"]),
    )


def stale_costs(seed: int, progress: Progress | None = None) -> StaleCosts:
    return MEMO.get(
        ("stale", int(seed)),
        lambda p: _stale(int(seed), p),
        progress,
        _task("_stale", "stale_from_arrays", int(seed)),
    )


# ---- pitfall 3: fine-tuning with BatchNorm frozen or updating ----


def finetune(
    model: nn.Sequential,
    x: Tensor,
    y: Tensor,
    batch: int,
    variant: str,
    seed: int,
    steps: int = FT_STEPS,
) -> nn.Sequential:
    """A copy of ``model`` fine-tuned on (x, y) for ``steps`` steps of Adam.

    ``update``: the usual ``model.train()``; BatchNorm normalizes each small
    batch with its own statistics and folds them into the running ones.
    ``frozen``: BatchNorm stays in eval mode with its statistics and γ/β fixed
    (torchvision's ``FrozenBatchNorm2d``); every other weight trains.
    """
    if variant not in FT_VARIANTS:
        raise ValueError(f"variant must be one of {FT_VARIANTS}")
    m = copy.deepcopy(model)
    for p in m.parameters():
        p.requires_grad_(True)
    bns = [b for b in m if isinstance(b, nn.BatchNorm1d)]
    if variant == "frozen":
        for b in bns:
            for p in b.parameters():
                p.requires_grad_(False)
    opt = torch.optim.Adam([p for p in m.parameters() if p.requires_grad], lr=FT_LR)
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        m.train()
        if variant == "frozen":
            for b in bns:
                b.eval()
        idx = torch.randperm(x.shape[0], generator=g)[:batch]
        loss = nn.functional.binary_cross_entropy_with_logits(
            m(x[idx]).squeeze(1), y[idx]
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
    m.eval()
    for p in m.parameters():
        p.requires_grad_(False)
    return m


@dataclass(frozen=True)
class FinetuneCosts:
    """Scores on new (shifted) and old data after fine-tuning on a few new examples."""

    shift: float
    batches: tuple[int, ...]
    before_new: Score  # the trained model, stale statistics, on the new data
    before_old: Score  # ... on the old data
    recal_new: Score  # statistics re-estimated on the fine-tuning inputs only
    recal_old: Score
    new: dict[str, tuple[Score, ...]]  # variant → per batch size, on the new data
    old: dict[str, tuple[Score, ...]]  # variant → per batch size, on the old data


def _finetune(seed: int, shift: float, progress: Progress) -> FinetuneCosts:
    base = trained("batch", seed, lambda f, t: progress(0.3 * f, t)).model
    xf, yf = moons(FT_EXAMPLES, seed, FT_TRAIN, shift)
    xn, yn = moons(N_TEST, seed, FT_TEST, shift)
    xo, yo = moons(N_TEST, seed, TEST)
    new: dict[str, list[Score]] = {v: [] for v in FT_VARIANTS}
    old: dict[str, list[Score]] = {v: [] for v in FT_VARIANTS}
    runs = len(FT_BATCHES) * len(FT_VARIANTS)
    with one_thread():
        recal = recalibrated(base, xf)
        for i, b in enumerate(FT_BATCHES):
            for j, v in enumerate(FT_VARIANTS):
                progress(0.3 + 0.7 * (i * len(FT_VARIANTS) + j) / runs, "fine-tuning")
                m = finetune(base, xf, yf, b, v, seed)
                new[v].append(score(predict(m, xn, "eval"), yn))
                old[v].append(score(predict(m, xo, "eval"), yo))
        return FinetuneCosts(
            shift=shift,
            batches=FT_BATCHES,
            before_new=score(predict(base, xn, "eval"), yn),
            before_old=score(predict(base, xo, "eval"), yo),
            recal_new=score(predict(recal, xn, "eval"), yn),
            recal_old=score(predict(recal, xo, "eval"), yo),
            new={v: tuple(s) for v, s in new.items()},
            old={v: tuple(s) for v, s in old.items()},
        )


def finetune_costs(
    seed: int, shift: float, progress: Progress | None = None
) -> FinetuneCosts:
    shift = round(float(shift), 6)
    return MEMO.get(
        ("finetune", int(seed), shift),
        lambda p: _finetune(int(seed), shift, p),
        progress,
        _task("_finetune", "finetune_from_arrays", int(seed), shift),
    )


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
        _result_key(key), f"lab.train_eval_cache:{kind}_from_arrays"
    )
    if value is None:
        return False
    MEMO.put(key, value)
    return True
