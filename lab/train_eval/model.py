"""Everything the Train vs eval page's live panels show for one state, from the
stream (`lab.train_eval.stream`) through the one engine; a notebook gets the
same numbers: ``build_live(TrainEvalState())``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import numpy as np

from lab.train_eval.state import TrainEvalState, clean
from lab.train_eval.stream import (
    PAGE_FAMILIES,
    Comparison,
    Trace,
    VarianceReadout,
    compare,
    stream_trace,
    torch_agreement,
    variance_readout,
)


@dataclass(frozen=True)
class StreamReadout:
    """Where one feature's running statistics are, against where the data are."""

    step: int
    feature: int
    running_mean: float
    running_var: float
    true_mean: float  # of the next batch's distribution
    true_var: float
    num_batches_tracked: int

    @property
    def lag(self) -> float:
        """How far the running mean is from the data's mean, in the data's std."""
        return (self.running_mean - self.true_mean) / math.sqrt(self.true_var)

    @property
    def var_ratio(self) -> float:
        """running_var / the data's variance: 1 when the estimate is right."""
        return self.running_var / self.true_var


def stream_readout(trace: Trace, step: int, feature: int) -> StreamReadout:
    return StreamReadout(
        step=step,
        feature=feature,
        running_mean=float(trace.running_mean[step, feature]),
        running_var=float(trace.running_var[step, feature]),
        true_mean=float(trace.true_mean[step, feature]),
        true_var=float(trace.true_var[step, feature]),
        num_batches_tracked=int(trace.num_batches_tracked[step]),
    )


@dataclass(frozen=True, eq=False)
class LiveView:
    """Everything the stream and train/eval panels show for one state."""

    state: TrainEvalState
    trace: Trace
    comparison: Comparison  # the chosen family
    families: Mapping[str, Comparison]  # all of PAGE_FAMILIES, same batch
    stream: StreamReadout
    variance: VarianceReadout | None
    torch_diff: float | None  # engine vs torch.nn.BatchNorm1d, None for N = 1
    train_col: tuple[float, float]  # focused feature's output mean, std: train
    eval_col: tuple[float, float]  # ... eval


def _col_moments(out: np.ndarray, f: int) -> tuple[float, float]:
    col = out[:, f].astype(np.float64)  # B
    return float(col.mean()), float(col.std())


@lru_cache(maxsize=256)
def build_live(state: TrainEvalState) -> LiveView:
    """The live panels' numbers for ``state`` (a notebook gets the same)."""
    state = clean(state)
    spec, m = state.stream, state.momentum
    f = state.focus[1]
    trace = stream_trace(spec, m)
    fams = {fam: compare(spec, m, state.step, fam) for fam in PAGE_FAMILIES}
    comp = fams[state.norm]
    return LiveView(
        state=state,
        trace=trace,
        comparison=comp,
        families=MappingProxyType(fams),
        stream=stream_readout(trace, state.step, f),
        variance=variance_readout(spec, m, state.step, f),
        torch_diff=torch_agreement(spec, m),
        train_col=_col_moments(comp.train.output.numpy(), f),
        eval_col=_col_moments(comp.eval.output.numpy(), f),
    )
