"""The "Why normalize" page's widgets and drawing. Runs come from `lab.why_runs`
through a store shared by every session (`lab.why_cache`); words from `lab.why`."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import streamlit as st

from lab import why_figures as F
from lab.texts import why as T
from lab.ui.controls import range_slider
from lab.ui.figure import figure
from lab.ui.sync import UrlState, forget_scenario, link_note_and_scenario
from lab.why import (
    BATCHES,
    MAX_WORK,
    NUMERIC,
    WIDTHS,
    WhyState,
    highest_spread,
    landscape_verdict,
    lr_label,
    lr_verdict,
    noise_verdict,
    parse,
    scenario_base,
    seed_table_for,
    settle,
    sweep_work,
    to_params,
    xiong_verdict,
)
from lab.why_cache import (
    RunStore,
    preload,
    seed_table,
    sweep_key,
    sweep_task,
    xiong_key,
    xiong_task,
)
from lab.why_models import INITS, VARIANT_NAMES
from lab.why_runs import (
    LR_GRID,
    XIONG_DEPTHS,
    Sweep,
    XiongResult,
    run_sweep,
    xiong_sweep,
)

SYNC: UrlState[WhyState] = UrlState("why", WhyState, parse, to_params)
K = SYNC.key
KEEP_ON_PICK = ("seed", "lr", "blocks")
"""Settings that picking a scenario leaves as the user had them."""

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def store() -> RunStore:
    """One store per server process, holding the shipped default results."""
    runs = RunStore(max_entries=48)
    try:
        preload(runs)
    except (OSError, ValueError, KeyError) as err:  # the page trains them instead
        log.warning("shipped results not loaded: %s", err)
    return runs


@st.cache_resource(show_spinner=False)
def seeds() -> dict:
    """The shipped seed table (per scenario, what seeds 0–4 showed)."""
    return seed_table()


def seed_entry(state: WhyState) -> dict | None:
    """The seed table's entry for the scenario ``state`` is in, if any."""
    return seed_table_for(seeds(), state)


def _apply_scenario() -> None:
    key = st.session_state[K("scenario")]
    if key == "custom":
        forget_scenario(SYNC)
        return
    current = SYNC.read()
    keep = {n: getattr(current, n) for n in KEEP_ON_PICK}
    SYNC.write(replace(scenario_base(key), **keep))


BODY_FRAGMENT = "why.body"
_SIDEBAR_DRAWN = K("_sidebar_drawn")


def _changed() -> None:
    """A run control moved: rerun the body (the runs, their views and the
    transformer section), not the sidebar, unless what the sidebar and the
    scenario line show changes (the scenario turning "Custom", a note on the
    link). A full rerun redraws all eight controls, ~10 ms a slider in the
    browser (bench/latency.py)."""
    if st.session_state.get(_SIDEBAR_DRAWN) != (settle(SYNC.read()).scenario, None):
        st.rerun()
    st.rerun(BODY_FRAGMENT)


def _slider(name: str, label: str) -> None:
    range_slider(label, NUMERIC[name], K(name), T.HELP[name], _changed)


def sidebar() -> tuple[WhyState, str | None]:
    """Draw the run's controls; return the state and any note on the URL."""
    note = SYNC.begin()
    state = settle(SYNC.read())
    SYNC.write(state)  # before any widget exists
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
        _slider("depth", "Depth (layers)")
        st.select_slider(
            "Width", WIDTHS, key=K("width"), help=T.HELP["width"], on_change=_changed
        )
        st.select_slider(
            "Batch size",
            BATCHES,
            key=K("batch"),
            help=T.HELP["batch"],
            on_change=_changed,
        )
        _slider("steps", "SGD steps")
        st.segmented_control(
            "Initialization",
            INITS,
            format_func=T.INIT_NAMES.get,
            key=K("init"),
            required=True,
            help=T.HELP["init"],
            on_change=_changed,
        )
        _slider("noise", "Noise after BatchNorm (noisy BN)")
        st.number_input(
            "Seed",
            0,
            int(NUMERIC["seed"].hi),
            step=1,
            key=K("seed"),
            help=T.HELP["seed"],
            on_change=_changed,
        )
    return settle(SYNC.read()), note


def scenario_line(state: WhyState, note: str | None) -> None:
    st.session_state[_SIDEBAR_DRAWN] = (state.scenario, note)
    link_note_and_scenario(note, T.SCENARIO_BY_KEY.get(state.scenario), SYNC)


PROGRESS_KEY = "why-progress"
PROGRESS_CSS = """<style>
.st-key-why-progress { min-height: 3.25rem; }
</style>"""
"""The progress bar's slot keeps the bar's height when empty, so the page does
not move down as a run starts and back up as it ends. A constant stylesheet."""


def progress_slot() -> Any:
    """An empty slot for the progress bar, in a box that always has its height."""
    st.html(PROGRESS_CSS)
    with st.container(key=PROGRESS_KEY):
        return st.empty()


class _Bar:
    """A progress bar fed by a run's reports, throttled to ~20 updates a second.

    Each update is a Streamlit call, which is where a rerun (a changed control)
    stops the script: the run is abandoned there and nothing partial is kept.
    """

    def __init__(self, slot: Any, label: str) -> None:
        self.slot, self.label = slot, label
        self.bar = slot.progress(0.0, text=label)
        self.last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self.last < 0.05 and fraction < 1.0:
            return
        self.last = now
        self.bar.progress(min(max(fraction, 0.0), 1.0), text=f"{self.label} {message}")


@dataclass(frozen=True)
class Results:
    sweep: Sweep | None  # None: too heavy to train here (see MAX_WORK)
    xiong: XiongResult
    trained: bool  # the sweep was trained in this run (False: stored or shipped)


def results(state: WhyState, slot: Any) -> Results:
    """The sweep and the Xiong result for ``state``, from the store or trained now
    under a progress bar in ``slot``."""
    runs = store()
    config = state.config
    stored = runs.get(sweep_key(config)) is not None
    heavy = not stored and sweep_work(config) > MAX_WORK
    cached = (stored or heavy) and runs.get(xiong_key(state.seed)) is not None
    bar = None if cached else _Bar(slot, "Training…")

    def report(fraction: float, message: str, part: str, share: tuple[float, float]):
        if bar is not None:
            lo, width = share
            bar(lo + width * fraction, f"{part}: {message}")

    sweep = None
    if not heavy:
        sweep = runs.fetch(
            sweep_key(config),
            lambda progress: run_sweep(config, progress=progress),
            lambda f, m: report(f, m, "MLP sweep", (0.0, 0.85)),
            sweep_task(config),
        )
    xiong = runs.fetch(
        xiong_key(state.seed),
        lambda progress: xiong_sweep(state.seed, progress=progress),
        lambda f, m: report(f, m, "transformer stacks", (0.85, 0.15)),
        xiong_task(state.seed),
    )
    slot.empty()
    return Results(sweep=sweep, xiong=xiong, trained=not stored and not heavy)


def _box(level: str, text: str) -> None:
    {"success": st.success, "warning": st.warning, "info": st.info}.get(level, st.info)(
        text
    )


def _chart(fig: dict, key: str, filename: str) -> None:
    figure(fig, key, filename)


def lr_picker() -> None:
    st.select_slider(
        "Look at learning rate",
        LR_GRID,
        format_func=lr_label,
        key=K("lr"),
        help=T.HELP["lr"],
    )


def too_heavy(state: WhyState) -> None:
    st.error(
        T.TOO_HEAVY.format(work=sweep_work(state.config), limit=MAX_WORK),
        icon=":material/hourglass_disabled:",
    )


def sweep_header(res: Results) -> None:
    """The sweep's title, what was trained, and each variant's highest rate."""
    sweep = res.sweep
    st.subheader(T.SECTIONS["sweep"])
    cfg = sweep.config
    st.caption(
        T.SWEEP_CAPTION.format(
            runs=len(sweep.runs) * len(sweep.lrs),
            variants=len(sweep.runs),
            lrs=len(sweep.lrs),
            steps=cfg.steps,
            depth=cfg.depth,
            width=cfg.width,
            batch=cfg.batch,
            seed=cfg.seed,
        )
        + " "
        + (
            f"Trained just now in {sweep.seconds:.1f} s."
            if res.trained
            else "Stored result: trained earlier by the same code with the same seed."
        )
    )
    row = st.container(horizontal=True, gap="large", key="why-metrics")
    plain = sweep.highest_lr("none")
    for v in sweep.runs:
        hi = sweep.highest_lr(v)
        delta, color, arrow = None, "off", "auto"
        if v != "none" and hi is not None and plain is not None:
            r = hi / plain
            if r > 1.01:
                delta, color = f"{r:.2g}× no norm", "normal"
            elif r < 0.99:
                delta, color = f"-{1 / r:.2g}× below no norm", "normal"
            else:
                delta, arrow = "same as no norm", "off"
        row.metric(
            VARIANT_NAMES[v],
            lr_label(hi) if hi is not None else "—",
            delta=delta,
            delta_color=color,
            delta_arrow=arrow,
            help=f"Highest learning rate at which {VARIANT_NAMES[v]} trains.",
            width="content",
        )


def sweep_verdict(state: WhyState, res: Results) -> None:
    """The sweep in words, the rule for "trains", every final loss, the picker."""
    sweep = res.sweep
    level, text = lr_verdict(sweep)
    entry = seed_entry(state)
    if entry is not None:
        text += " " + highest_spread(entry)
    _box(level, text)
    st.caption(T.TRAINS_RULE.format(threshold=f"{sweep.threshold:.3f}"))
    with st.expander("All final losses"):
        table = {"learning rate": [lr_label(x) for x in sweep.lrs]}
        for v in sweep.runs:
            final = sweep.final_loss(v)
            table[VARIANT_NAMES[v]] = [
                "diverged" if not np.isfinite(x) else f"{x:.3f}" for x in final
            ]
        st.table(table)


def sweep_charts(state: WhyState, res: Results) -> None:
    sweep = res.sweep
    a, b = st.columns(2)
    with a:
        _chart(F.lr_figure(sweep, state.lr), "why.chart_lr", "why-lr-sweep")
    with b:
        _chart(F.curves_figure(sweep, state.lr), "why.chart_curves", "why-loss-curves")


def _view(state: WhyState) -> WhyState:
    """``state`` with the view settings (lr, blocks) as their widgets hold them
    now: a fragment reruns with the arguments of the last full run."""
    ss = st.session_state
    return replace(
        state, lr=ss.get(K("lr"), state.lr), blocks=ss.get(K("blocks"), state.blocks)
    )


@st.fragment
def lr_views(state: WhyState, res: Results) -> None:
    """The picker and everything drawn at its learning rate. A fragment: moving
    the picker reruns only this (the runs, the sidebar and the transformer
    section stay as they are), and puts the new view in the URL."""
    lr_picker()
    state = _view(state)
    SYNC.end(state)
    sweep_charts(state, res)
    landscape_section(state, res)
    noise_section(state, res)


def landscape_section(state: WhyState, res: Results) -> None:
    sweep = res.sweep
    st.subheader(T.SECTIONS["landscape"])
    level, text = landscape_verdict(sweep, state.lr, seed_entry(state))
    if seed_entry(state) is None:
        text += " " + T.SEEDS_CUSTOM
    _box(level, text)
    a, b = st.columns(2)
    with a:
        _chart(
            F.landscape_figure(sweep, state.lr, "loss"),
            "why.chart_loss",
            "why-loss-landscape",
        )
    with b:
        _chart(
            F.landscape_figure(sweep, state.lr, "grad"),
            "why.chart_grad",
            "why-gradient-predictiveness",
        )
    st.caption(T.LANDSCAPE_CAPTION)


def noise_section(state: WhyState, res: Results) -> None:
    sweep = res.sweep
    st.subheader(T.SECTIONS["noise"])
    words, chart = st.columns([2, 3], gap="large")
    with words:
        _box(*noise_verdict(sweep, state.lr))
        st.caption(T.NOISE_CAPTION)
    with chart:
        _chart(F.unit_figure(sweep, state.lr), "why.chart_unit", "why-noisy-unit")


def xiong_section(state: WhyState, res: Results) -> None:
    st.subheader(T.SECTIONS["xiong"])
    st.markdown(T.XIONG_INTRO)
    xiong_views(state, res)


@st.fragment
def xiong_views(state: WhyState, res: Results) -> None:
    """The stack-depth slider and what it shows; a fragment, like `lr_views`."""
    st.select_slider(
        "Layers in the stack",
        XIONG_DEPTHS,
        key=K("blocks"),
        help=T.HELP["blocks"],
    )
    state = _view(state)
    SYNC.end(state)
    _box("info", xiong_verdict(res.xiong, state.blocks))
    a, b = st.columns(2)
    with a:
        _chart(
            F.xiong_layers_figure(res.xiong, state.blocks),
            "why.chart_layers",
            "why-prenorm-postnorm-layers",
        )
    with b:
        _chart(
            F.xiong_depth_figure(res.xiong, state.blocks),
            "why.chart_depth",
            "why-prenorm-postnorm-depth",
        )


def side_panel() -> None:
    tabs = st.tabs(["The claim", "Measures", "The runs"])
    with tabs[0]:
        st.markdown(T.SIDE_CLAIM)
    with tabs[1]:
        st.markdown(T.SIDE_MEASURES)
        for formula in T.SIDE_LATEX:
            st.latex(formula)
        st.markdown(T.SIDE_NOISY)
    with tabs[2]:
        st.markdown(T.SIDE_RUNS)
        st.markdown(T.SIDE_HONEST)


@st.fragment(key=BODY_FRAGMENT)
def body() -> None:
    """The runs and everything drawn from them, as one fragment: a run control
    reruns this, not the sidebar (`_changed`). The URL is written first, before
    any run starts: a run can take seconds, and a control changed meanwhile
    stops this run before its end."""
    state = settle(SYNC.read())
    SYNC.end(state)
    res = results(state, progress_slot())
    if res.sweep is None:
        too_heavy(state)
        side_panel()
    else:
        sweep_header(res)
        main, side = st.columns([3, 2], gap="large")
        with main:
            sweep_verdict(state, res)
        with side:
            side_panel()
        lr_views(state, res)
    xiong_section(state, res)
