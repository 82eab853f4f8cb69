"""The Batch coupling page's five views as panels (`lab.core.panel.Panel`): each
view's lead, charts, readouts and notes, from the state alone.

Apart from the view because they are pure: a test or a notebook builds a view's
panel without a server, and `lab.coupling.view` is left with the widgets — it
draws the probe's cell pickers between `probe_panels`' two panels and shows the
rest. The one thing that reaches out is the progress a slow resampling reports,
``progress(done, total)``, which the view turns into its progress bar.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from lab.core.helpers import fmt
from lab.core.panel import Chart, Panel
from lab.coupling import texts as T
from lab.coupling.accum_panel import accum_panel, accum_words
from lab.coupling.batch_figures import (
    blocks_figure,
    composition_figure,
    probe_heatmap,
    shard_means_figure,
)
from lab.coupling.batches import (
    Split,
    composition,
    shard_of,
    shard_sizes,
    split_batch,
    split_spread,
)
from lab.coupling.figures import (
    device_spread_figure,
    ghost_spread_figure,
    outputs_figure,
    spread_figure,
)
from lab.coupling.model import TRACE_NAMES, TRACES, probe, spread_at, spread_curve
from lab.coupling.state import CouplingState, ghost_sizes

Steps = Callable[[int, int], None]
"""A slow computation's report: ``progress(done, total)``."""

PROBE = "probe"
"""The probe heatmap's name in its panel: the chart a click nudges a cell of."""

RESAMPLING: Mapping[str, str] = MappingProxyType(
    {
        "spread": "Resampling batch-mates…",
        "ghost": "Resampling ghost batches…",
        "accum": "Resampling effective batches…",
    }
)
"""The views whose first computation can be slow, and their progress bar's words."""


def _quiet(done: int, total: int) -> None:
    """No progress to show (a test, a notebook)."""


def values(state: CouplingState) -> dict[str, Any]:
    """Everything the copy's placeholders can name, from the state: one place,
    so the lead, the side panel and the notes never disagree."""
    i, j = state.focus
    return {
        "example": i,
        "feature": j,
        "batch": state.batch,
        "resamples": state.resamples,
        "ghost": state.ghost,
        "ghosts": state.ghosts,
        "devices": state.devices,
        "features": state.features,
        "pairs": state.ghosts * state.features,
        "gap": fmt(state.gap),
        **accum_words(state),
    }


def lead(state: CouplingState) -> Panel:
    """A panel that starts with the view's one-line lead."""
    p = Panel()
    p.text(T.VIEWS[state.view].lead.format(**values(state)))
    return p


def _chart(name: str, fig: dict, **kw: Any) -> Chart:
    """A chart of the view's panel; ``name`` is its id and its PNG's name."""
    return Chart(name, fig, name, **kw)


def _zero(v: float) -> str:
    """Exact zeros are the point of the page: say so rather than print 0."""
    return "0 (exactly)" if v == 0 else fmt(v, small=True)


def view_panel(state: CouplingState, progress: Steps = _quiet) -> Panel:
    """The panel of every view but the probe (`probe_panels`): lead, charts,
    readouts, in one element, so a move redraws one element."""
    p = lead(state)
    if state.view == "spread":
        _spread(state, p, progress)
    elif state.view == "ghost":
        _ghost(state, p, progress)
    elif state.view == "oneclass":
        _oneclass(state, p)
    elif state.view == "devices":
        _devices(state, p)
    elif state.view == "accum":
        accum_panel(state, p, progress)
    else:
        raise ValueError(f"no single panel for view {state.view!r}")
    return p


def _spread(state: CouplingState, p: Panel, progress: Steps) -> None:
    i, j = state.focus
    curve = spread_curve(
        state.population,
        i,
        j,
        state.resamples,
        state.groups,
        state.batch,
        on_step=progress,
    )
    spread = spread_figure(
        curve.sizes,
        curve.spreads,
        batch=state.batch,
        highlight=state.norm,
        reference=curve.reference,
    )
    at = curve.at
    if at is None:
        p.figures([_chart("spread-vs-batch", spread)])
        p.callout("info", T.BATCH_OF_ONE)
    else:
        p.figures(
            [
                _chart("spread-vs-batch", spread),
                _chart(
                    "outputs-at-batch",
                    outputs_figure(at.feature, feature=j, example=i, batch=state.batch),
                ),
            ]
        )
        per_example = max(at.spread[t] for t in TRACES[1:])
        p.metrics(
            [
                (
                    f"BatchNorm spread, B = {state.batch}",
                    fmt(at.spread["batch"]),
                    "Train mode: statistics from the batch.",
                ),
                (
                    "Fitted exponent",
                    fmt(curve.slope.exponent),
                    "Slope of log(spread) against log(B) for B ≥ 4; 1/√B is −0.5.",
                ),
                (
                    "Every other family",
                    _zero(per_example),
                    "Largest spread of BatchNorm (eval), LayerNorm, RMSNorm and "
                    "GroupNorm.",
                ),
            ]
        )
    p.caption(T.RESAMPLED.format(resamples=state.resamples))


def probe_panels(state: CouplingState) -> tuple[Panel, Panel]:
    """The lead, then the heatmap of ∂y/∂x with the per-example bars and the
    readouts: two panels, because the nudged cell's inputs (widgets) stand
    between them. The heatmap is clickable (`PROBE`)."""
    i = state.focus[0]
    pr = probe(
        state.population,
        state.batch,
        state.norm,
        state.groups,
        state.training,
        state.focus,
    )
    p = Panel()
    heat = probe_heatmap(pr.column, focus=state.focus, outline=pr.outline)
    p.figures(
        [
            _chart(PROBE, heat, clickable=True, focus=state.focus),
            _chart(
                "probe-per-example",
                blocks_figure(pr.blocks, example=i, height=heat["layout"]["height"]),
            ),
        ],
        widths=(4, 1),
    )
    total = state.batch * state.features
    other = "none" if pr.other is None else f"{pr.other[0]}"
    p.metrics(
        [
            (
                "Self-effect",
                fmt(pr.self_effect),
                "The colour range is set by the other cells, so this one may saturate.",
            ),
            (
                "Outputs moved",
                f"{pr.moved_outputs}/{total}",
                "Outputs whose derivative with respect to the nudged cell is not 0.",
            ),
            (
                "Examples moved",
                f"{pr.moved_examples}/{state.batch}",
                f"Examples with any output that depends on example {i}'s input.",
            ),
            (
                "Loudest other",
                other,
                f"The other example that hears example {i} most, ‖∂y_n/∂x_{i}‖"
                + ("" if pr.other is None else f" = {fmt(pr.other[1])}")
                + ".",
            ),
        ]
    )
    p.caption(T.PROBE_PICK + T.PROBE_FD.format(err=fmt(pr.fd_error, small=True)))
    for note in pr.notes:
        p.caption(note)
    return lead(state), p


def _oneclass(state: CouplingState, p: Panel) -> None:
    i, _ = state.focus
    comp = composition(state.population, state.batch, i, state.groups)
    p.figures([_chart("one-class-batch", composition_figure(comp, example=i))])
    cls = "A" if comp.focus_class == 1 else "B"

    def class_mean(trace: str, comp_key: str) -> float:
        m = comp.labels[comp_key] == comp.focus_class
        return float(comp.scores[trace, comp_key][m].mean())

    readouts = (  # label, trace, batch, what the mean is of
        ("BN, mixed", "batch", "mixed", "in the mixed batch (BatchNorm in training)"),
        (
            "BN, one class",
            "batch",
            "one",
            "in a batch of their own class only (BatchNorm in training)",
        ),
        (
            "BN eval, one class",
            "batch_eval",
            "one",
            "with BatchNorm in eval mode: running statistics do not depend on "
            "the batch",
        ),
        (
            "LayerNorm, one class",
            "layer",
            "one",
            "under LayerNorm, which normalizes each example on its own",
        ),
    )
    p.metrics(
        [
            (
                label,
                fmt(class_mean(trace, key)),
                f"Mean class score of the class-{cls} examples {what}.",
            )
            for label, trace, key, what in readouts
        ]
    )
    changes = "; ".join(
        f"{TRACE_NAMES[t]} {_zero(comp.focus_change[t])}" for t in TRACES
    )
    p.caption(
        f"How far example {i}'s output moves between the two batches (largest "
        f"change over its features): {changes}."
    )


def _ghost(state: CouplingState, p: Panel, progress: Steps) -> None:
    i, j = state.focus
    pop = state.population
    split = split_batch(pop, state.batch, state.ghosts)
    shard = shard_of(i, split.sizes)
    means = _chart(
        "ghost-means",
        shard_means_figure(split, feature=j, example_shard=shard, what="ghost"),
    )
    sizes = tuple(g for g in ghost_sizes(state.batch) if g >= 2)
    if not sizes:
        p.figures([means], cols=2)
        p.callout("info", T.GHOST_OF_ONE)
        return
    steps = len(sizes) + 1
    result = split_spread(
        pop, i, state.batch, state.resamples, tuple(state.batch // g for g in sizes)
    )
    progress(1, steps)
    plain = []
    for k, g in enumerate(sizes):
        point = spread_at(pop, i, j, g, state.resamples, state.groups)
        plain.append(point.spread["batch"])
        progress(k + 2, steps)
    spread = _chart(
        "ghost-spread",
        ghost_spread_figure(
            np.asarray(sizes),
            np.asarray(result.per_shard),
            np.asarray(plain),
            batch=state.batch,
            current=state.ghost,
        ),
    )
    p.figures([means, spread], cols=2)
    if state.ghost == 1:
        p.callout("warning", T.GHOST_OF_ONE)
    idx = sizes.index(state.ghost) if state.ghost in sizes else None
    p.metrics(
        [
            ("Ghost batches", f"{state.ghosts} × {state.ghost}", None),
            (
                "(μ, σ) pairs",
                str(state.ghosts * state.features),
                "One pair per ghost batch and feature.",
            ),
            (
                f"Spread, ghosts of {state.ghost}",
                "—" if idx is None else fmt(result.per_shard[idx]),
                f"Example {i}'s output across resampled batches of {state.batch}.",
            ),
            (
                f"Spread, one batch of {state.batch}",
                fmt(result.per_shard[-1]) if sizes[-1] == state.batch else "—",
                "Plain BatchNorm on the whole batch.",
            ),
        ]
    )
    p.caption(
        f"Example {i} is in ghost batch {shard} (examples "
        f"{sum(split.sizes[:shard])}–{sum(split.sizes[: shard + 1]) - 1})."
    )


def device_rows(split: Split, j: int) -> list[list[str]]:
    """Each device's n, Σx, Σx², μ, σ² of feature ``j``, then their all-reduce:
    the table that shows SyncBatchNorm's arithmetic adds up."""

    def row(name: str, n: int, *vals: float) -> list[str]:
        return [name, str(n), *(f"{v:.5g}".replace("-", "−") for v in vals)]

    rows = [
        row(
            str(k),
            int(n),
            float(split.sums[k, j]),
            float(split.squares[k, j]),
            float(split.means[k, j]),
            float(split.variances[k, j]),
        )
        for k, n in enumerate(split.counts)
    ]
    rows.append(
        row(
            "all-reduce (SyncBN)",
            int(split.counts.sum()),
            float(split.sums[:, j].sum()),
            float(split.squares[:, j].sum()),
            float(split.mean[j]),
            float(split.var[j]),
        )
    )
    return rows


def _devices(state: CouplingState, p: Panel) -> None:
    i, j = state.focus
    pop = state.population
    split = split_batch(pop, state.batch, state.devices)
    device = shard_of(i, split.sizes)
    charts = [
        _chart(
            "device-means",
            shard_means_figure(split, feature=j, example_shard=device, what="device"),
        )
    ]
    parts = tuple(
        k
        for k in sorted({1, 2, 4, 8, 16, state.devices})
        if shard_sizes(state.batch, min(k, state.batch))[0] >= 2 and k <= state.batch
    )
    if parts:
        result = split_spread(pop, i, state.batch, state.resamples, parts)
        charts.append(
            _chart("device-spread", device_spread_figure(result, current=state.devices))
        )
    p.figures(charts, cols=2)
    p.text(
        f"**SyncBatchNorm's arithmetic for feature {j}.** Each device sends n, Σx "
        "and Σx²; one all-reduce sums them; μ = Σx/N and σ² = Σx²/N − μ² are "
        "the whole batch's statistics (last row). The device rows' μ and σ² are "
        "what plain BatchNorm uses on each device."
    )
    p.table(["device", "n", "Σx", "Σx²", "μ", "σ²"], device_rows(split, j), "lrrrrr")
    sizes = shard_sizes(state.batch, state.devices)
    p.metrics(
        [
            (
                "SyncBN vs whole batch",
                _zero(split.sync_error),
                "Largest |SyncBatchNorm output − BatchNorm on the concatenated batch|.",
            ),
            (
                "Per-device BN vs whole batch",
                fmt(split.shard_error),
                "Largest |per-device BatchNorm output − BatchNorm on the whole batch|.",
            ),
            (
                f"Example {i}'s device",
                str(device),
                f"Device {device} holds {sizes[device]} of the {state.batch} examples.",
            ),
        ]
    )
    if min(sizes) == 1 and state.devices > 1:
        p.callout("warning", T.DEVICE_OF_ONE)
