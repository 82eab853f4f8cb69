"""What each of BatchNorm's three train/eval pitfalls costs the small classifier
(`lab.train_eval.classifier`), measured on a held-out set:

* **forgetting ``model.eval()``**: serving in train mode at batch sizes 1..1024
  against eval mode (`serving_costs`);
* **stale running statistics**: test inputs shifted after training, served with
  the old statistics, with statistics re-estimated on unlabelled shifted data
  (Li et al. 2016, "AdaBN"), and by LayerNorm/RMSNorm models (`stale_costs`);
* **fine-tuning** on a small shifted dataset with BatchNorm frozen (eval mode,
  statistics and γ/β fixed, as torchvision's ``FrozenBatchNorm2d``) or updating
  (train mode) (`finetune_costs`).

Apart from the classifier because these are the experiments, each with its
own settings and result, while the classifier is what they all run on. Each
result is memoized in the classifier's `MEMO` and, on a server, computed in a
worker process (`lab.core.workers`): a worker imports the functions named
here, and decodes with `lab.train_eval.cache`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from lab.core.threads import one_thread
from lab.core.workers import Report, Task
from lab.train_eval.classifier import (
    ADAPT,
    FAMILIES,
    FT_TEST,
    FT_TRAIN,
    MEMO,
    N_TEST,
    TEST,
    Score,
    memo_key,
    moons,
    predict,
    score,
    torch_refuses_one,
    trained,
)

N_ADAPT = 512
"""Unlabelled shifted inputs used to re-estimate BatchNorm's statistics."""
SERVE_SIZES: tuple[int, ...] = (1, 2, 4, 8, 16, 64, 256, 1024)
SHIFTS: tuple[float, ...] = tuple(i * 0.25 for i in range(13))  # 0, 0.25, ..., 3
FT_EXAMPLES = 32
FT_STEPS = 60
FT_LR = 3e-3
FT_BATCHES: tuple[int, ...] = (2, 4, 8, 16, 32)
FT_VARIANTS: tuple[str, ...] = ("update", "frozen")


def _task(compute: str, decode: str, *args: Any) -> Task:
    """The worker's job for one measurement: ``compute`` is a function of this
    module, ``decode`` one of `lab.train_eval.cache`."""
    return Task(
        f"lab.train_eval.costs:{compute}",
        args,
        encode="lab.train_eval.cache:to_arrays",
        decode=f"lab.train_eval.cache:{decode}",
    )


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


def _serving(family: str, seed: int, progress: Report) -> ServingCosts:
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
    family: str, seed: int, progress: Report | None = None
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


def _stale(seed: int, progress: Report) -> StaleCosts:
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


def stale_costs(seed: int, progress: Report | None = None) -> StaleCosts:
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


def _finetune(seed: int, shift: float, progress: Report) -> FinetuneCosts:
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
    seed: int, shift: float, progress: Report | None = None
) -> FinetuneCosts:
    shift = round(float(shift), 6)
    return MEMO.get(
        ("finetune", int(seed), shift),
        lambda p: _finetune(int(seed), shift, p),
        progress,
        _task("_finetune", "finetune_from_arrays", int(seed), shift),
    )


def requests(
    pitfall: str, seed: int, shift: float
) -> dict[Hashable, tuple[Task, Callable[[Report | None], Any]]]:
    """What a pitfall's numbers need: memo key → (the worker's task, the same
    computed here). The eval pitfall needs one model per family."""
    if pitfall == "eval":
        return {
            memo_key("serving", fam, seed): (
                _task("_serving", "serving_from_arrays", fam, int(seed)),
                lambda p, fam=fam: serving_costs(fam, seed, p),
            )
            for fam in FAMILIES
        }
    if pitfall == "stale":
        return {
            memo_key("stale", seed): (
                _task("_stale", "stale_from_arrays", int(seed)),
                lambda p: stale_costs(seed, p),
            )
        }
    shift = round(float(shift), 6)
    return {
        memo_key("finetune", seed, shift): (
            _task("_finetune", "finetune_from_arrays", int(seed), shift),
            lambda p: finetune_costs(seed, shift, p),
        )
    }
