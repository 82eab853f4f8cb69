"""The "Why normalize" page's Streamlit: its controls and the runs' views.

Runs come from `lab.why.runs` and `lab.why.xiong` through a store shared by
every session (`lab.why.cache`); words from `lab.why.verdicts`; pictures from
`lab.why.figures`. The page is the kit's (`lab.ui.page.Page`): a run control
reruns the body fragment, which writes the URL before any run starts (a run
can take seconds, and a control changed meanwhile stops it before its end).
The learning-rate picker and the stack-depth slider choose what to look at,
not what to run: each is in a fragment of its own inside the body and reruns
only that, the runs, the sidebar and the other section staying as they are.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from lab.core.workers import default as default_workers
from lab.ui.controls import sections
from lab.ui.jobs import hold, holder, waiting
from lab.ui.page import Page
from lab.ui.panel import show
from lab.ui.present import stage
from lab.ui.progress import Progress
from lab.why import panels as P
from lab.why import texts as T
from lab.why.cache import (
    RunStore,
    preload,
    seed_table,
    sweep_key,
    sweep_task,
    xiong_key,
    xiong_task,
)
from lab.why.models import INITS, VARIANT_NAMES
from lab.why.questions import QUIZ
from lab.why.runs import LR_GRID, Sweep, run_sweep
from lab.why.state import BATCHES, PAGE, WIDTHS, WhyState, lr_label
from lab.why.verdicts import (
    MAX_WORK,
    seed_table_for,
    sweep_work,
)
from lab.why.xiong import XIONG_DEPTHS, XiongResult, xiong_sweep

BODY = "why.body"
LR_VIEWS = "why.lr-views"
STACKS = "why.stacks"

page: Page[WhyState] = Page("why", PAGE, T.HELP, body=(BODY,), quiz=QUIZ)

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


def controls() -> None:
    """The run's controls (drawn in a fragment: `Page.sidebar`)."""
    page.scenario_picker()
    page.slider("depth", "Depth (layers)")
    page.steps("width", "Width", WIDTHS)
    page.steps("batch", "Batch size", BATCHES)
    page.slider("steps", "SGD steps")
    page.choice("init", "Initialization", INITS, T.INIT_NAMES)
    page.slider("noise", "Noise after BatchNorm (noisy BN)")
    page.seed()


@dataclass(frozen=True)
class Results:
    sweep: Sweep | None  # None: too heavy to train here (see MAX_WORK)
    xiong: XiongResult
    trained: bool  # this session waited for the sweep (False: stored or shipped)


TRAINED = "why._trained"
"""The sweep this session last saw trained (its key): "Trained just now"."""
SHARES = {"sweep": (0.85, "MLP sweep"), "xiong": (0.15, "transformer stacks")}
"""Each run's share of the progress bar, and its name in the bar's words."""


def _needed(state: WhyState) -> dict[str, tuple]:
    """The runs the view needs, in the bar's order: part → (store key, worker
    task, compute). No sweep when it is too heavy to train here (`MAX_WORK`)."""
    config, seed = state.config, state.seed
    needed = {}
    if store().get(sweep_key(config)) is not None or sweep_work(config) <= MAX_WORK:
        needed["sweep"] = (
            sweep_key(config),
            sweep_task(config),
            lambda progress: run_sweep(config, progress=progress),
        )
    needed["xiong"] = (
        xiong_key(seed),
        xiong_task(seed),
        lambda progress: xiong_sweep(seed, progress=progress),
    )
    return needed


def results(state: WhyState) -> Results | None:
    """The sweep and the Xiong result for ``state`` if they are there; else
    None, with a progress bar that follows their runs and reruns the page when
    they are done. The bar's box is always drawn and keeps its height, so the
    page does not move as a run starts and ends.

    With the server's worker pool the script never waits for a run
    (`lab.ui.jobs`); without one (a notebook, AppTest) it trains here under the
    bar, as a computation in the script thread must."""
    runs = store()
    needed = _needed(state)
    if default_workers() is None:
        return _trained_here(needed)
    who = holder()
    hold("why", [key for key, _, _ in needed.values()], lambda k: runs.release(k, who))
    sweep = needed["sweep"][0] if "sweep" in needed else None
    fresh = sweep is not None and runs.get(sweep) is None

    def look() -> tuple[bool, float, str]:
        done, fraction, message = True, 0.0, ""
        for part, (key, task, _) in needed.items():
            answer = runs.ask(key, task, who)
            width, name = SHARES[part]
            fraction += width * (1.0 if answer.done else answer.fraction)
            if not answer.done:
                done = False
                message = message or f"{name}: {answer.message}"
        return done, fraction, message

    if not look()[0]:
        waiting(look, "Training…", on_done=lambda: _saw(sweep if fresh else None))
        return None
    Progress("Training…", after=math.inf, keep_space=True)  # the bar's empty box
    return Results(
        sweep=None if sweep is None else runs.get(sweep),
        xiong=runs.get(needed["xiong"][0]),
        trained=sweep is not None and st.session_state.get(TRAINED) == sweep,
    )


def _saw(sweep: object) -> None:
    """This session waited for ``sweep`` to train (None: it was stored)."""
    st.session_state[TRAINED] = sweep


def _trained_here(needed: dict[str, tuple]) -> Results:
    """Without a worker pool: the runs computed in this script, under the bar."""
    runs = store()
    cached = all(runs.get(key) is not None for key, _, _ in needed.values())
    stored = "sweep" in needed and runs.get(needed["sweep"][0]) is not None
    bar = Progress("Training…", after=math.inf if cached else 0.0, keep_space=True)
    got, lo = {}, 0.0
    for part, (key, task, compute) in needed.items():
        got[part] = runs.fetch(key, compute, bar.part(lo, *SHARES[part]), task)
        lo += SHARES[part][0]
    bar.close()
    return Results(
        sweep=got.get("sweep"),
        xiong=got["xiong"],
        trained="sweep" in needed and not stored,
    )


def too_heavy(state: WhyState) -> None:
    st.error(
        T.TOO_HEAVY.format(work=sweep_work(state.config), limit=MAX_WORK),
        icon=":material/hourglass_disabled:",
    )


def sweep_header(res: Results) -> None:
    """The sweep's title, what was trained, and each variant's highest rate."""
    show(P.header_panel(res.sweep, res.trained), "why.sweep_header")


def sweep_verdict(state: WhyState, res: Results) -> None:
    """The sweep in words, the rule for "trains", every final loss."""
    show(P.verdict_panel(res.sweep, seed_entry(state)), "why.sweep_verdict")
    box = st.expander("All final losses", key=LOSSES_OPEN, on_change="rerun")
    with box:
        if box.open:
            st.table(final_losses(res.sweep))


LOSSES_OPEN = "why.losses_open"
"""The final losses' expander: the table is drawn only while it is open
(opening it reruns this fragment). A collapsed ``st.table`` still went through
pandas and Arrow on every run, ~4 ms of a depth change's server time
(py-spy), and the browser decoded and laid it out."""


def final_losses(sweep: Sweep) -> dict[str, list[str]]:
    """Every run's final loss by learning rate, as the table prints them."""
    table = {"learning rate": [lr_label(x) for x in sweep.lrs]}
    for v in sweep.runs:
        final = sweep.final_loss(v)
        table[VARIANT_NAMES[v]] = [
            "diverged" if not np.isfinite(x) else f"{x:.3f}" for x in final
        ]
    return table


def _looking_at(state: WhyState) -> WhyState:
    """``state`` with what to look at (lr, blocks) as the controls hold it now:
    a fragment reruns with the arguments of its enclosing run, whose runs
    (``state``'s settings) it draws."""
    now = page.state()
    return replace(state, lr=now.lr, blocks=now.blocks)


@page.fragment(LR_VIEWS)
def lr_views(state: WhyState, res: Results) -> None:
    """The picker and everything drawn at its learning rate: moving the picker
    reruns only this (no ``on_change``: a widget in a fragment reruns its
    fragment), and the fragment puts the new view in the URL first."""
    page.steps("lr", "Look at learning rate", LR_GRID, lr_label, on_change=None)
    state = _looking_at(state)
    sweep, lr = res.sweep, state.lr
    with stage():  # a presenter's first screen (lab/ui/present.py)
        show(P.sweep_panel(sweep, lr), "why.chart_sweep")
    show(P.landscape_panel(sweep, lr, seed_entry(state)), "why.chart_landscape")
    show(P.noise_panel(sweep, lr), "why.chart_noise")


def xiong_section(state: WhyState, res: Results) -> None:
    st.subheader(T.SECTIONS["xiong"], divider="gray", anchor=False)
    st.markdown(T.XIONG_INTRO)
    xiong_views(state, res)


@page.fragment(STACKS)
def xiong_views(state: WhyState, res: Results) -> None:
    """The stack-depth slider and what it shows; a fragment, like `lr_views`."""
    page.steps("blocks", "Layers in the stack", XIONG_DEPTHS, on_change=None)
    state = _looking_at(state)
    show(P.stacks_panel(res.xiong, state.blocks), "why.chart_stacks")


def side_panel() -> None:
    parts = sections(["The claim", "Measures", "The runs"])
    with parts[0]:
        st.markdown(T.SIDE_CLAIM)
    with parts[1]:
        st.markdown(T.SIDE_MEASURES)
        for formula in T.SIDE_LATEX:
            st.latex(formula)
        st.markdown(T.SIDE_NOISY)
    with parts[2]:
        st.markdown(T.SIDE_RUNS)
        st.markdown(T.SIDE_HONEST)


@page.fragment(BODY)
def runs_panel() -> None:
    """The runs and everything drawn from them, as one fragment: a run control
    reruns this, not the sidebar (`lab.ui.page.Page.changed`). The fragment
    writes the URL before any run starts (`lab.ui.page.Page.fragment`)."""
    state = page.state()
    res = results(state)
    if res is None:  # runs under way: the bar follows them (lab.ui.jobs)
        return
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


def body(state: WhyState) -> None:
    """The page under its header, all of it the runs' fragment. ``state`` is
    not handed on: the fragment reads the controls itself, since its own reruns
    would get this full run's arguments again."""
    runs_panel()
