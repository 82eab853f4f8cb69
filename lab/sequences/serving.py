"""Serving a model whose BatchNorm learned on padded batches.

**Train vs eval.** Two BatchNorm layers see the same stream of padded training
batches (the distribution on the page, new tokens and lengths each step): one
pools every position, pads included, the other only the real tokens (a
padding mask). In eval mode each normalizes with its running statistics, so
the batch around a token no longer matters, but what the running statistics
learned does: the pads' values are in one of them. Served the page's real
tokens without padding, the two layers' outputs differ by the pads' share of
the running statistics; LayerNorm keeps no running statistics, and its served
output is its training output.

**One token at a time.** Autoregressive serving normalizes one new token at
batch size one. BatchNorm in train mode has nothing to pool (torch refuses;
the engine's output is β), in eval it uses the running statistics; LayerNorm
and RMSNorm give the token exactly its output inside the full sequence.

Every running statistic is the engine's and checked against
``torch.nn.BatchNorm1d`` fed the same batches (the padded matrix, or the
packed real tokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor, nn

from lab.core.norms import NormResult, normalize
from lab.core.threads import one_thread
from lab.sequences.data import BatchSpec, Padded, padded_batch, training_batch
from lab.sequences.model import SeqView

TRAIN_STEPS = 16
MOMENTUM = None
"""torch's cumulative average (``BatchNorm1d(C, momentum=None)``): the running
statistics are the plain average of the 16 training batches' own, with nothing
left of their start, so what they hold is exactly what training pooled (and
16 batches keep a move of a batch control within the page's latency budget)."""


@dataclass(frozen=True, eq=False)
class Running:
    """One BatchNorm layer's running statistics after the training stream."""

    mean: np.ndarray  # C
    var: np.ndarray  # C  (unbiased, as torch keeps it)
    updates: int  # training batches that had something to pool
    torch_diff: float | None  # largest |engine − BatchNorm1d| over mean and var


@dataclass(frozen=True, eq=False)
class Serving:
    """The two layers after training, serving the page's real tokens packed."""

    padded: Running  # learned with pads pooled
    masked: Running  # learned with a padding mask
    served_padded: np.ndarray  # R,C  eval output with the padded-trained statistics
    served_masked: np.ndarray  # R,C  eval output with the masked ones
    gap: float | None  # largest |served_padded − served_masked| (None: no token)
    layer_gap: float | None  # LayerNorm served vs in its padded training batch


def _streams(spec: BatchSpec) -> tuple[Running, Running]:
    """Two BatchNorm layers trained on the same stream, pads pooled and masked,
    and a torch.nn.BatchNorm1d beside each."""
    c = spec.features
    state = {m: (torch.zeros(c), torch.ones(c), 0) for m in (False, True)}
    modules = {m: nn.BatchNorm1d(c, momentum=MOMENTUM) for m in (False, True)}
    for step in range(1, TRAIN_STEPS + 1):
        b = training_batch(spec, step)
        rows = torch.from_numpy(b.rows())
        for masked in (False, True):
            rm, rv, nbt = state[masked]
            r = normalize(
                rows,
                "batch",
                running_mean=rm,
                running_var=rv,
                momentum=MOMENTUM,
                num_batches_tracked=nbt,
                mask=torch.from_numpy(b.mask.reshape(-1)) if masked else None,
            )
            state[masked] = (r.running_mean, r.running_var, r.num_batches_tracked)
            fed = torch.from_numpy(b.packed()) if masked else rows
            if fed.shape[0] > 1:  # torch refuses one value; none pools nothing
                with torch.no_grad():
                    modules[masked](fed)
    out = []
    for masked in (False, True):
        rm, rv, nbt = state[masked]
        module = modules[masked]
        diff = None
        if nbt:
            diff = max(
                float((rm.double() - module.running_mean.double()).abs().max()),
                float((rv.double() - module.running_var.double()).abs().max()),
            )
        out.append(Running(rm.double().numpy(), rv.double().numpy(), nbt, diff))
    return out[0], out[1]


def _serve(packed: Tensor, running: Running) -> np.ndarray:
    r = normalize(
        packed,
        "batch",
        training=False,
        running_mean=torch.from_numpy(running.mean).float(),
        running_var=torch.from_numpy(running.var).float(),
    )
    return r.output.numpy()


@lru_cache(maxsize=32)
def serving(spec: BatchSpec) -> Serving:
    """Train both layers on the stream of ``spec``'s batches, then serve its
    batch's real tokens, packed, in eval mode (memoized on the spec)."""
    with one_thread():
        padded, masked = _streams(spec)
        batch = padded_batch(spec)
        packed = torch.from_numpy(batch.packed())
        if batch.real == 0:
            empty = np.zeros((0, spec.features), dtype=np.float32)
            return Serving(padded, masked, empty, empty, None, None)
        a, b = _serve(packed, padded), _serve(packed, masked)
        ln_served = normalize(packed, "layer").output
        ln_trained = normalize(torch.from_numpy(batch.rows()), "layer").output
        real = torch.from_numpy(batch.mask.reshape(-1))
        layer_gap = float((ln_served - ln_trained[real]).abs().max())
    gap = float(np.abs(a.astype(np.float64) - b).max())
    return Serving(padded, masked, a, b, gap, layer_gap)


# ---- one token at a time ----


@dataclass(frozen=True, eq=False)
class OneToken:
    """One real token served alone (batch 1, sequence length 1) and inside its
    padded batch, by every family."""

    sequence: int
    position: int
    x: np.ndarray  # C
    train_alone: NormResult  # BatchNorm, train mode, on this token alone
    torch_error: str | None  # what BatchNorm1d said to one token in train mode
    eval_padded: np.ndarray  # C  eval, running statistics learned with pads
    eval_masked: np.ndarray  # C  eval, learned with a mask
    in_batch: np.ndarray  # C  masked BatchNorm in training, inside its batch
    alone: dict[str, np.ndarray]  # layer, rms: the token alone
    inside: dict[str, np.ndarray]  # layer, rms: the token in its padded batch
    torch_diff: dict[str, float]  # layer, rms: torch.nn alone vs in (N,T,C)

    def diff(self, key: str) -> float:
        """Largest |alone − inside| for LayerNorm or RMSNorm."""
        return float(
            np.abs(self.alone[key].astype(np.float64) - self.inside[key]).max()
        )


def token_to_serve(
    batch: Padded, sequence: int, position: int
) -> tuple[int, int] | None:
    """The focused token if it is real; else the last real token of its
    sequence, else of the first sequence that has one; None if none does."""
    if batch.mask[sequence, position]:
        return sequence, position
    for n in (sequence, *range(batch.mask.shape[0])):
        length = int(batch.lengths[n])
        if length:
            return n, length - 1
    return None


def one_token(
    view: SeqView, serve: Serving, sequence: int, position: int
) -> OneToken | None:
    """Serve the token at (``sequence``, ``position``) (or the nearest real one:
    `token_to_serve`) alone, by every family."""
    where = token_to_serve(view.batch, sequence, position)
    if where is None:
        return None
    n, t = where
    c = view.spec.features
    x = torch.from_numpy(view.batch.x[n, t].copy()).unsqueeze(0)  # 1,C
    row = n * view.spec.tokens + t
    with one_thread():
        alone_bn = normalize(x, "batch")
        module = nn.BatchNorm1d(c)
        err = None
        try:
            with torch.no_grad():
                module(x)
        except ValueError as e:
            err = str(e)
        alone = {k: normalize(x, k).output[0].numpy() for k in ("layer", "rms")}
        inside = {k: view.families[k].y[row] for k in ("layer", "rms")}
        full = torch.from_numpy(view.batch.x)
        tdiff = {}
        for k, mod in (("layer", nn.LayerNorm(c)), ("rms", nn.RMSNorm(c))):
            with torch.no_grad():
                a = mod(x.unsqueeze(0))[0, 0]
                b = mod(full)[n, t]
            tdiff[k] = float((a.double() - b.double()).abs().max())
        eval_padded = _serve(x, serve.padded)[0]
        eval_masked = _serve(x, serve.masked)[0]
    return OneToken(
        sequence=n,
        position=t,
        x=view.batch.x[n, t].copy(),
        train_alone=alone_bn,
        torch_error=err,
        eval_padded=eval_padded,
        eval_masked=eval_masked,
        in_batch=view.families["masked"].y[row],
        alone=alone,
        inside=inside,
        torch_diff=tdiff,
    )
