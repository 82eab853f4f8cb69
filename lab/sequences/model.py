"""The padded batch normalized four ways, every number from the engine and
checked against torch.nn.

- BatchNorm over tokens, **pads pooled**: per channel over all N·T positions,
  as ``BatchNorm1d(C)`` on the padded ``(N·T, C)`` matrix computes it;
- BatchNorm **with a padding mask**: per channel over the real tokens only
  (`lab.core.norms.normalize`'s ``mask``), as ``BatchNorm1d(C)`` on the packed
  real tokens;
- LayerNorm and RMSNorm per token over its C features, as ``nn.LayerNorm(C)``
  and ``nn.RMSNorm(C)`` on ``(N, T, C)``.

For each, "without padding" is the same family on the real tokens packed
(no pad anywhere); the largest difference of a real token's output between
the two is what padding did to it. LayerNorm's and RMSNorm's is 0 exactly:
a token's statistics are its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import numpy as np
import torch
from torch import Tensor, nn

from lab.core.norms import FAMILY_NAMES, NormResult, normalize
from lab.core.threads import one_thread
from lab.sequences.data import BatchSpec, Padded, padded_batch

ENGINE: Mapping[str, str] = MappingProxyType(
    {"batch": "batch", "masked": "batch", "layer": "layer", "rms": "rms"}
)
"""The engine's family for each of the page's four."""
NAMES: Mapping[str, str] = MappingProxyType(
    {
        k: FAMILY_NAMES[e] + (" + mask" if k == "masked" else "")
        for k, e in ENGINE.items()
    }
)
"""BatchNorm, BatchNorm + mask, LayerNorm, RMSNorm."""


@dataclass(frozen=True, eq=False)
class Family:
    """One family on the padded batch, against the same family without padding."""

    key: str
    result: NormResult  # the engine on all N·T positions, (N·T, C)
    alone: NormResult | None  # the engine on the packed real tokens; None: none
    change: float | None  # largest |with padding − without| of a real token
    torch_diff: float | None  # largest |engine − torch.nn|; None: not compared
    torch_error: str | None  # what torch.nn said when it refused
    unpadded_diff: float | None  # LN/RMS: torch.nn on (N,T,C) vs each sequence alone

    @property
    def y(self) -> np.ndarray:
        """The output at every position, (N·T, C) float32."""
        return self.result.output.numpy()


@dataclass(frozen=True, eq=False)
class Channels:
    """Per channel: BatchNorm's mean and biased variance over the real tokens,
    and over every position (pads included), (C,) each (NaN: nothing to pool)."""

    real_mean: np.ndarray
    real_var: np.ndarray
    all_mean: np.ndarray
    all_var: np.ndarray


@dataclass(frozen=True, eq=False)
class SeqView:
    """Everything the page computes for one padded batch (not the focus)."""

    spec: BatchSpec
    batch: Padded
    families: Mapping[str, Family]
    channels: Channels


def _max_abs(a: Tensor, b: Tensor) -> float | None:
    if a.numel() == 0:
        return None
    return float((a.double() - b.double()).abs().max())


def _torch_refusal(fn: Callable[[], Tensor]) -> tuple[Tensor | None, str | None]:
    """What ``fn`` (a torch.nn call) returns, or the message it refused with."""
    try:
        with torch.no_grad():
            return fn(), None
    except (ValueError, RuntimeError) as err:
        return None, str(err)


def _real(batch: Padded) -> Tensor:
    """(N·T,) bool: which rows of the padded matrix are real tokens."""
    return torch.from_numpy(batch.mask.reshape(-1))


def _engine(batch: Padded, key: str, rows: Tensor) -> NormResult:
    """Family ``key`` on the padded (N·T, C) ``rows``."""
    mask = _real(batch) if key == "masked" else None
    return normalize(rows, ENGINE[key], mask=mask)


def changes(
    batch: Padded,
) -> dict[str, tuple[NormResult, NormResult | None, float | None]]:
    """Each family on the padded batch and on its packed real tokens, and the
    largest change padding made to a real token's output (None: no real
    token)."""
    rows = torch.from_numpy(batch.rows())  # N·T,C
    packed = torch.from_numpy(batch.packed())  # R,C
    real = _real(batch)
    out = {}
    alone_by_engine: dict[str, NormResult | None] = {}
    for key in NAMES:
        result = _engine(batch, key, rows)
        fam = ENGINE[key]
        if fam not in alone_by_engine:
            alone_by_engine[fam] = normalize(packed, fam) if batch.real else None
        alone = alone_by_engine[fam]
        change = None if alone is None else _max_abs(result.output[real], alone.output)
        out[key] = (result, alone, change)
    return out


def _torch_check(batch: Padded, key: str, y: Tensor) -> tuple[float | None, str | None]:
    """The same normalization by a fresh torch.nn module (γ = 1, β = 0)."""
    n, t, c = batch.x.shape
    real = _real(batch)
    if key == "batch":
        ref, err = _torch_refusal(
            lambda: nn.BatchNorm1d(c)(torch.from_numpy(batch.rows()))
        )
        return (None, err) if ref is None else (_max_abs(y, ref), None)
    if key == "masked":
        if batch.real == 0:
            return None, None
        ref, err = _torch_refusal(
            lambda: nn.BatchNorm1d(c)(torch.from_numpy(batch.packed()))
        )
        return (None, err) if ref is None else (_max_abs(y[real], ref), None)
    module = nn.LayerNorm(c) if key == "layer" else nn.RMSNorm(c)
    with torch.no_grad():
        ref = module(torch.from_numpy(batch.x)).reshape(n * t, c)
    return _max_abs(y, ref), None


def unpadded_diff(batch: Padded, key: str) -> float | None:
    """LayerNorm or RMSNorm by torch.nn on the padded (N, T, C) batch against
    the same module on each sequence alone, unpadded ((1, L, C)): the largest
    difference over the real tokens (None: there is none)."""
    if batch.real == 0:
        return None
    c = batch.x.shape[2]
    module = nn.LayerNorm(c) if key == "layer" else nn.RMSNorm(c)
    x = torch.from_numpy(batch.x)
    with torch.no_grad():
        padded = module(x)[torch.from_numpy(batch.mask)]  # R,C
        alone = torch.cat(
            [
                module(x[i : i + 1, :length]).reshape(-1, c)
                for i, length in enumerate(batch.lengths.tolist())
                if length
            ]
        )  # R,C
    return _max_abs(padded, alone)


def _channels(fams: Mapping[str, Family]) -> Channels:
    def arr(t: Tensor | None) -> np.ndarray:
        return t.double().numpy()

    return Channels(
        real_mean=arr(fams["masked"].result.mean),
        real_var=arr(fams["masked"].result.var),
        all_mean=arr(fams["batch"].result.mean),
        all_var=arr(fams["batch"].result.var),
    )


@lru_cache(maxsize=64)
def build_view(spec: BatchSpec) -> SeqView:
    """The four families on the batch ``spec`` describes, with their checks.

    Memoized on the spec: a click on a token moves only the focus, which
    `focus_readout` reads from this view.
    """
    batch = padded_batch(spec)
    fams = {}
    with one_thread():
        for key, (result, alone, change) in changes(batch).items():
            diff, err = _torch_check(batch, key, result.output)
            fams[key] = Family(
                key=key,
                result=result,
                alone=alone,
                change=change,
                torch_diff=diff,
                torch_error=err,
                unpadded_diff=unpadded_diff(batch, key)
                if key in ("layer", "rms")
                else None,
            )
    return SeqView(spec, batch, MappingProxyType(fams), _channels(fams))


@dataclass(frozen=True)
class Readout:
    """The focused cell under one family: its values and the statistic it used."""

    sequence: int
    position: int
    channel: int
    row: int
    is_pad: bool
    x: float
    y: float
    y_alone: float | None  # the same token without padding (None: a pad)
    mean: float | None  # None for RMSNorm
    var: float  # biased variance; RMSNorm: the mean square
    pooled: int  # cells the statistic pooled
    pads_pooled: int  # of which padding


def focus_readout(view: SeqView, key: str, focus: tuple[int, int]) -> Readout:
    """What the page reads out for the focused cell (row n·T + t, channel)."""
    row, c = focus
    t_len = view.spec.tokens
    n, t = divmod(row, t_len)
    fam = view.families[key]
    r = fam.result
    k = r.stat_index((row, c))
    is_pad = not bool(view.batch.mask[n, t])
    y_alone = None
    if not is_pad and fam.alone is not None:
        packed_row = int(view.batch.mask.reshape(-1)[:row].sum())
        y_alone = float(fam.alone.output[packed_row, c])
    batch_family = ENGINE[key] == "batch"
    pads = view.batch.positions - view.batch.real
    if batch_family:
        pooled = view.batch.real if key == "masked" else view.batch.positions
        pads_pooled = 0 if key == "masked" else pads
    else:
        pooled, pads_pooled = view.spec.features, view.spec.features if is_pad else 0
    return Readout(
        sequence=n,
        position=t,
        channel=c,
        row=row,
        is_pad=is_pad,
        x=float(view.batch.rows()[row, c]),
        y=float(r.output[row, c]),
        y_alone=y_alone,
        mean=None if r.mean is None else float(r.mean[k]),
        var=float(r.var[k]),
        pooled=pooled,
        pads_pooled=pads_pooled,
    )
