"""The Batch coupling page's gradient-accumulation view as a panel: the
micro-batches' statistics against the effective batch's, the all-reduce
arithmetic micro-batch by micro-batch, and the resampling experiment.

Apart from `lab.coupling.panels` (which calls it for the ``accum`` view) so
that neither passes 500 lines; pure, as the other views' panels are.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from lab.core.helpers import fmt, plural
from lab.core.panel import Chart, Panel
from lab.coupling import texts as T
from lab.coupling.accumulate import (
    Accumulation,
    accumulation,
    accumulation_spread,
    micro_devices,
)
from lab.coupling.batch_figures import shard_means_figure
from lab.coupling.batches import shard_of
from lab.coupling.figures import accumulation_figure
from lab.coupling.state import CouplingState


def _num(v: float) -> str:
    return f"{v:.5g}".replace("-", "−")


def accumulation_rows(acc: Accumulation, j: int) -> list[list[str]]:
    """Each micro-batch's n, Σx, Σx², μ, σ² of feature ``j`` (its devices'
    all-reduce), then the effective batch's, which no forward pass uses."""
    sp = acc.split
    rows = [
        [
            str(m),
            str(int(sp.counts[m])),
            _num(float(sp.sums[m, j])),
            _num(float(sp.squares[m, j])),
            _num(float(acc.means[m, j])),
            _num(float(acc.variances[m, j])),
        ]
        for m in range(acc.steps)
    ]
    rows.append(
        [
            "effective batch (never used)",
            str(int(sp.counts.sum())),
            _num(float(sp.sums[:, j].sum())),
            _num(float(sp.squares[:, j].sum())),
            _num(float(sp.mean[j])),
            _num(float(sp.var[j])),
        ]
    )
    return rows


def accum_words(state: CouplingState) -> dict[str, str | int]:
    """The numbers the view's copy names, from the state."""
    d = micro_devices(state.ghost, state.devices)
    return {
        "mdevices": d,
        "per_device": state.ghost // d
        if state.ghost % d == 0
        else f"{state.ghost}/{d}",
    }


def accum_panel(
    state: CouplingState, p: Panel, progress: Callable[[int, int], None]
) -> None:
    """The accumulation view's charts, table and readouts, after its lead."""
    i, j = state.focus
    pop = state.population
    acc = accumulation(pop, state.batch, state.ghost, state.devices)
    progress(1, 2)
    spread = accumulation_spread(pop, j, state.batch, state.devices, state.resamples)
    progress(2, 2)
    k, g, b = acc.steps, acc.micro, state.batch
    micro = shard_of(i, acc.split.sizes)
    p.figures(
        [
            Chart(
                "accum-means",
                shard_means_figure(
                    acc.split, feature=j, example_shard=micro, what="micro-batch"
                ),
                "accum-means",
            ),
            Chart(
                "accum-spread", accumulation_figure(spread, current=k), "accum-spread"
            ),
        ],
        cols=2,
    )
    if k == 1:
        p.callout("info", T.ACCUM_ONE.format(batch=b))
    if state.devices > g:
        p.callout(
            "warning",
            T.ACCUM_IDLE.format(devices=state.devices, micro=g, idle=state.devices - g),
        )
    p.text(T.ACCUM_TABLE.format(feature=j))
    p.table(
        ["micro-batch", "n", "Σx", "Σx²", "μ", "σ²"],
        accumulation_rows(acc, j),
        "lrrrrr",
    )
    within, between = float(acc.within[j]), float(acc.between[j])
    p.text(
        T.ACCUM_IDENTITY.format(
            within=_num(within),
            between=_num(between),
            total=_num(within + between),
            var=_num(float(acc.split.var[j])),
        )
    )
    at = spread.steps.index(k) if k in spread.steps else None
    ratio = None if at is None else spread.sync_sd[at] / spread.effective_sd
    per = acc.per_device
    p.metrics(
        [
            (
                "SyncBN's statistics from",
                plural(g, "example"),
                f"One micro-batch: {per[0]} per device on "
                f"{plural(acc.devices, 'device')}"
                + ("" if len(set(per)) == 1 else " (shards differ by one)")
                + ".",
            ),
            (
                "Effective batch",
                f"{b} = {k} × {g}",
                "What one optimizer step averages.",
            ),
            (
                "sd(μ): micro-batch ÷ effective",
                "—" if ratio is None else fmt(ratio),
                f"√k = {fmt(math.sqrt(k))} for independent draws.",
            ),
            (
                "Accumulated vs effective BN",
                fmt(acc.effective_gap),
                "Largest |output with each micro-batch's statistics − output with "
                "the effective batch's|.",
            ),
            (
                "SyncBN vs BN per micro-batch",
                "0 (exactly)"
                if acc.sync_error == 0
                else fmt(acc.sync_error, small=True),
                "SyncBatchNorm on the devices' shards against BatchNorm on each "
                "micro-batch whole (float32 rounding).",
            ),
        ]
    )
    if at is not None:
        p.caption(
            T.ACCUM_SPREAD.format(
                k=k,
                micro=g,
                sync=fmt(spread.sync_sd[at]),
                pred=fmt(spread.sigma / np.sqrt(g)),
                batch=b,
                eff=fmt(spread.effective_sd),
                pred_eff=fmt(spread.sigma / np.sqrt(b)),
                svar=fmt(spread.sync_var_sd[at]),
                evar=fmt(spread.effective_var_sd),
                resamples=state.resamples,
            )
        )
