"""The Batch coupling page's widgets and drawing. Numbers come from `lab.coupling*`."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import streamlit as st

from lab.board import fmt
from lab.coupling import FAMILIES, TRACE_NAMES, TRACES, probe, spread_at, spread_curve
from lab.coupling_batches import (
    MAX_DEVICES,
    composition,
    shard_of,
    shard_sizes,
    split_batch,
    split_spread,
)
from lab.coupling_figures import (
    blocks_figure,
    composition_figure,
    device_spread_figure,
    ghost_spread_figure,
    outputs_figure,
    probe_heatmap,
    shard_means_figure,
    spread_figure,
)
from lab.coupling_state import (
    KEEP_ON_PICK,
    NUMERIC,
    VIEWS,
    CouplingState,
    clean,
    ghost_sizes,
    matches_scenario,
    parse,
    scenario_base,
    to_params,
)
from lab.norms import FAMILY_NAMES
from lab.state import divisors
from lab.texts import coupling as T
from lab.ui.controls import divisor_slider, range_slider
from lab.ui.figure import Click
from lab.ui.fragments import draws_outside
from lab.ui.panel import Chart, Panel, show
from lab.ui.sync import UrlState, forget_scenario, link_note_and_scenario

SYNC: UrlState[CouplingState] = UrlState("coupling", CouplingState, parse, to_params)
K = SYNC.key
PROBE = "probe"  # the probe heatmap's name in its panel
PROGRESS_AFTER = 0.25
"""Seconds of computing after which a progress bar appears (cached runs: none)."""


def _apply_scenario() -> None:
    """Scenario picked: set every control the scenario fixes, keep seed and focus."""
    key = st.session_state[K("scenario")]
    if key == "custom":
        forget_scenario(SYNC)
        return
    current = SYNC.read()
    keep = {n: getattr(current, n) for n in KEEP_ON_PICK}
    SYNC.write(clean(replace(scenario_base(key), **keep)))


def _focus_from_chart(chart: str, click: Click) -> None:
    """A cell of the probe heatmap was clicked: nudge that cell instead."""
    st.session_state[K("focus")] = (int(click["y"]), int(click["x"]))


def _focus_from_pickers() -> None:
    """The example or feature number input changed: nudge that cell (keyboard)."""
    ss = st.session_state
    n, f = ss.get(K("focus"), (0, 0))
    # Either input may be gone from the session (a view without them ran since):
    # the other keeps the nudged cell's coordinate.
    ss[K("focus")] = (int(ss.get(K("pick_n"), n)), int(ss.get(K("pick_f"), f)))


def _pickers(state: CouplingState) -> None:
    """Example and feature inputs that mirror the nudged cell, for the keyboard.

    They are set from the state before they are drawn, so a click on the chart
    or a link moves them too; typing in them moves the cell (and the link).
    """
    ss = st.session_state
    i, j = state.focus
    ss[K("pick_n")], ss[K("pick_f")] = i, j
    row = st.container(horizontal=True, gap="medium")
    for key, label, top, help_text in (
        ("pick_n", "Nudged example", state.batch - 1, T.HELP["pick_n"]),
        ("pick_f", "Nudged feature", state.features - 1, T.HELP["pick_f"]),
    ):
        row.number_input(
            label,
            0,
            top,
            step=1,
            key=K(key),
            on_change=_focus_from_pickers,
            help=help_text,
            width=160,
        )


def _settled() -> CouplingState:
    """The state as the controls leave it, "Custom" once it left its scenario."""
    state = clean(SYNC.read())
    if state.scenario != "custom" and not matches_scenario(state, state.scenario):
        state = replace(state, scenario="custom")
    return state


def begin() -> tuple[CouplingState, str | None]:
    """Load the state (from the URL or the session) before any widget exists."""
    note = SYNC.begin()
    state = _settled()
    SYNC.write(state)
    return state, note


_SIDEBAR_DRAWN = K("_sidebar_drawn")
_OPTIONS_DRAWN = K("_options_drawn")
GROUPS_FRAGMENT = "coupling.groups-control"
GHOST_FRAGMENT = "coupling.ghost-control"
DEVICES_FRAGMENT = "coupling.devices-control"


def _sidebar_view(state: CouplingState) -> tuple:
    """What the sidebar and the scenario line show beyond the controls' own
    values and what the control fragments redraw: while it is unchanged, a
    control's move need not redraw the sidebar."""
    return (state.scenario,)


def _options(state: CouplingState) -> dict[str, Any]:
    """What each control fragment draws beyond its value: the slider's range."""
    return {
        GROUPS_FRAGMENT: tuple(divisors(state.features)),
        GHOST_FRAGMENT: tuple(ghost_sizes(state.batch)),
        DEVICES_FRAGMENT: min(MAX_DEVICES, state.batch),
    }


def bound(state: CouplingState) -> dict[str, bool]:
    """The controls only some views (or families) use, and whether each is off
    now, by the class Streamlit gives the control's container.

    They are switched off in the browser by the view's panel (assets/figure.js:
    dimmed, inert), not drawn with ``disabled=``: a view switch then redraws the
    body alone, not the sidebar (each slider costs the browser ~10 ms, as the
    Lab measured; docs/streamlit.md).
    """
    view = state.view
    return {
        "st-key-coupling-ctl-norm": view not in ("probe", "spread"),
        "st-key-coupling-ctl-mode": view != "probe" or state.norm != "batch",
        "st-key-coupling-ctl-ghost": view != "ghost",
        "st-key-coupling-ctl-devices": view != "devices",
        "st-key-coupling-ctl-resamples": view == "probe",
    }


def _changed() -> None:
    """A sidebar control moved: rerun only the body unless the sidebar changes.

    A full rerun redraws every control in the sidebar and the view switch, and
    the browser re-renders each (a few ms a control, ~10 ms a slider;
    bench/latency.py). A move that changes what the sidebar shows (a control
    switched off or on, a slider's range, the scenario turning "Custom", a note
    on the link) redraws the whole page.
    """
    state = _settled()
    ss = st.session_state
    if ss.get(_SIDEBAR_DRAWN) != (_sidebar_view(state), None):
        st.rerun()
    drawn = ss.get(_OPTIONS_DRAWN, {})
    changed = [k for k, v in _options(state).items() if drawn.get(k) != v]
    st.rerun([BODY_FRAGMENT, *changed])


def _slider(name: str, label: str, **kw: Any) -> None:
    range_slider(label, NUMERIC[name], K(name), T.HELP[name], _changed, **kw)


def view_switch() -> None:
    st.segmented_control(
        "View",
        VIEWS,
        format_func=T.VIEW_LABELS.get,
        key=K("view"),
        required=True,
        on_change=_changed,
        help=T.HELP["view"],
        label_visibility="collapsed",
    )


def sidebar(state: CouplingState) -> CouplingState:
    """Draw the controls; return the state they describe."""
    with st.sidebar:
        st.selectbox(
            "Scenario",
            ("custom", *T.SCENARIO_BY_KEY),
            format_func=lambda k: (
                "Custom" if k == "custom" else T.SCENARIO_BY_KEY[k].title
            ),
            key=K("scenario"),
            on_change=_apply_scenario,
            help=T.HELP["scenario"],
        )
        with st.container(key="coupling-ctl-norm"):
            st.segmented_control(
                "Normalization",
                FAMILIES,
                format_func=FAMILY_NAMES.get,
                key=K("norm"),
                required=True,
                on_change=_changed,
                help=T.HELP["norm"],
            )
        with st.container(key="coupling-ctl-mode"):
            st.segmented_control(
                "Mode",
                ("train", "eval"),
                format_func=str.capitalize,
                key=K("mode"),
                required=True,
                on_change=_changed,
                help=T.HELP["mode"],
            )
        _slider("batch", "Batch size")
        _slider("features", "Features")
        groups_place = st.container()
        ghost_place = st.container(key="coupling-ctl-ghost")
        devices_place = st.container(key="coupling-ctl-devices")
        with st.expander("Data and experiment", expanded=True):
            _slider("gap", "Class separation")
            with st.container(key="coupling-ctl-resamples"):
                _slider("resamples", "Resamples")
            st.number_input(
                "Seed",
                0,
                int(NUMERIC["seed"].hi),
                step=1,
                key=K("seed"),
                on_change=_changed,
                help=T.HELP["seed"],
            )
    groups_control(groups_place)
    ghost_control(ghost_place)
    devices_control(devices_place)
    return clean(SYNC.read())


def _drawn(fragment: str, state: CouplingState) -> None:
    ss = st.session_state
    ss[_OPTIONS_DRAWN] = {
        **ss.get(_OPTIONS_DRAWN, {}),
        fragment: _options(state)[fragment],
    }


def _divisor_control(
    fragment: str,
    name: str,
    label: str,
    options: Callable[[CouplingState], Sequence[int]],
    of: str,
) -> Callable[[Any], None]:
    """A select slider over ``options(state)`` (divisors of the feature count or
    of the batch) in a fragment of its own, drawn into its sidebar place: a
    move that changes the options reruns it and the body, not the sidebar."""

    @st.fragment(key=fragment)
    @draws_outside
    def control(place: Any) -> None:
        state = clean(SYNC.read())
        _drawn(fragment, state)
        st.session_state[K(name)] = getattr(state, name)  # valid (clean)
        with place:
            divisor_slider(
                label, options(state), K(name), T.HELP[name], of=of, on_change=_changed
            )

    return control


groups_control = _divisor_control(
    GROUPS_FRAGMENT,
    "groups",
    "Groups (GroupNorm)",
    lambda s: divisors(s.features),
    "1 feature",
)
ghost_control = _divisor_control(
    GHOST_FRAGMENT,
    "ghost",
    "Ghost batch size",
    lambda s: ghost_sizes(s.batch),
    "a batch of 1",
)


@st.fragment(key=DEVICES_FRAGMENT)
@draws_outside
def devices_control(place: Any) -> None:
    """The number of devices (at most the batch)."""
    state = clean(SYNC.read())
    _drawn(DEVICES_FRAGMENT, state)
    st.session_state[K("devices")] = state.devices
    with place:
        if state.batch > 1:
            st.slider(
                "Devices",
                1,
                min(MAX_DEVICES, state.batch),
                step=1,
                key=K("devices"),
                on_change=_changed,
                help=T.HELP["devices"],
            )
        else:
            st.caption("Devices: 1, a batch of 1 cannot be split.")


def scenario_line(state: CouplingState, note: str | None) -> None:
    st.session_state[_SIDEBAR_DRAWN] = (_sidebar_view(state), note)
    link_note_and_scenario(note, T.SCENARIO_BY_KEY.get(state.scenario), SYNC)


def _values(state: CouplingState) -> dict[str, Any]:
    """Everything the copy's placeholders can name, from the state."""
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
    }


def _chart(name: str, fig: dict, **kw: Any) -> Chart:
    """A chart of the view's panel; ``name`` is its id and its PNG's name."""
    return Chart(name, fig, name, **kw)


class _Progress:
    """A progress bar that appears only when a computation is actually slow."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.start = time.perf_counter()
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None and time.perf_counter() - self.start > PROGRESS_AFTER:
            self.bar = st.progress(0.0, text=self.label)
        if self.bar is not None:
            self.bar.progress(done / total, text=self.label)

    def close(self) -> float:
        if self.bar is not None:
            self.bar.empty()
        return time.perf_counter() - self.start


def _zero(v: float) -> str:
    return "0 (exactly)" if v == 0 else fmt(v, small=True)


def show_spread(state: CouplingState, p: Panel) -> None:
    i, j = state.focus
    progress = _Progress("Resampling batch-mates…")
    curve = spread_curve(
        state.population,
        i,
        j,
        state.resamples,
        state.groups,
        state.batch,
        on_step=progress,
    )
    progress.close()
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


def show_probe(state: CouplingState, p: Panel) -> None:
    """The lead, the nudged cell's inputs (widgets, between two panels), then
    the heatmap of ∂y/∂x with the per-example bars and the readouts."""
    i = state.focus[0]
    pr = probe(
        state.population,
        state.batch,
        state.norm,
        state.groups,
        state.training,
        state.focus,
    )
    show(p, K("panel_lead"))
    _pickers(state)
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
    show(p, K("panel_body"), on_click=_focus_from_chart, off=bound(state))


def show_oneclass(state: CouplingState, p: Panel) -> None:
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


def show_ghost(state: CouplingState, p: Panel) -> None:
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
    progress = _Progress("Resampling ghost batches…")
    result = split_spread(
        pop, i, state.batch, state.resamples, tuple(state.batch // g for g in sizes)
    )
    plain = [
        spread_at(pop, i, j, g, state.resamples, state.groups).spread["batch"]
        for g in sizes
    ]
    progress.close()
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


def _device_rows(split: Any, j: int) -> list[list[str]]:
    """Each device's n, Σx, Σx², μ, σ² of feature ``j``, then their all-reduce."""

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


def show_devices(state: CouplingState, p: Panel) -> None:
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
        progress = _Progress("Resampling across devices…")
        result = split_spread(pop, i, state.batch, state.resamples, parts)
        progress.close()
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
    p.table(["device", "n", "Σx", "Σx²", "μ", "σ²"], _device_rows(split, j), "lrrrrr")
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


SECTIONS = {
    "spread": show_spread,
    "probe": show_probe,
    "oneclass": show_oneclass,
    "ghost": show_ghost,
    "devices": show_devices,
}


def main_panel(state: CouplingState) -> None:
    """The view's one-line lead, then its charts and readouts: one panel
    (lab/ui/panel.py), so a move redraws one element (the probe: two, around
    its inputs)."""
    p = Panel()
    p.text(T.VIEWS[state.view].lead.format(**_values(state)))
    SECTIONS[state.view](state, p)
    if state.view != "probe":
        show(p, K("panel_body"), off=bound(state))


BODY_FRAGMENT = "coupling.body"


@st.fragment(key=BODY_FRAGMENT)
def body() -> None:
    """The view's charts, readouts and side panel, as one fragment.

    Nudging another cell (a click on the probe chart, or its example and
    feature inputs) reruns only this fragment: the sidebar, which does not
    depend on the nudged cell, is not redrawn (each control costs the browser
    a few ms). The URL is written here because a fragment rerun never reaches
    the end of the page.
    """
    state = clean(SYNC.read())
    main, side = st.columns([7, 3], gap="large")
    with main:
        main_panel(state)
    with side:
        side_panel(state)
    SYNC.end(state)


def side_panel(state: CouplingState) -> None:
    text = T.VIEWS[state.view]
    values = _values(state)
    st.markdown(T.SIDE_INTRO)
    st.markdown(f"**What you see.** {text.shows.format(**values)}")
    st.latex(text.formula)
    st.caption(text.formula_note.format(**values))
    st.markdown(f"**Why it matters.** {text.matters}")
    st.caption(T.DATA_NOTE.format(**values))
