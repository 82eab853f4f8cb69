"""The LayerNorm vs RMSNorm page's Streamlit: its controls, four fragments
and the side panel, on the page kit (`lab.ui.page.Page`).

Numbers come from `lab.rms.model` (memoized), sentences from `lab.rms.words`,
sections as panels from `lab.rms.panels`. Four fragments keep a move local:

- ``body``: sections 1–3 (the table, the mean, ε), from the sidebar's controls;
- ``cost``: sections 4–5 (parameters, memory, timing), with their own controls;
- ``train``: section 6, with its own controls;
- ``side``: the side panel's table, whose cells quote the other three.

A control's move reruns the fragments whose numbers it changes (`_reruns`:
the state against the one the last run wrote). Timing and training runs go
to the server's worker process through the shared store (`lab.rms.store`):
the script thread only waits, so other visitors' clicks are not held up.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from datetime import UTC, datetime

import streamlit as st

from lab.core.families import FORMULAS
from lab.core.workers import default as default_workers
from lab.rms import model as M
from lab.rms import panels as P
from lab.rms import texts as T
from lab.rms.export import (
    eps_csv,
    table_csv,
    timing_csv,
    torch_snippet,
    training_csv,
)
from lab.rms.questions import QUIZ
from lab.rms.state import (
    C_GRID,
    DELTA_GRID,
    EPS_CHOICES,
    HIDDEN,
    LRS,
    PAGE,
    PRECISIONS,
    TIMING,
    TRAINING,
    WIDTHS,
    RmsState,
)
from lab.rms.store import Store, preload, timing_task, train_key, train_task
from lab.rms.timing import DTYPES, PASSES, TOKENS, Timing
from lab.rms.training import TrainConfig
from lab.rms.words import plain, seed_rows
from lab.ui.jobs import hold, holder, waiting
from lab.ui.page import Page
from lab.ui.panel import show
from lab.ui.present import stage
from lab.ui.progress import Progress

PREFIX = "rms"
TABLE, MEAN, EPS, CODE, COST, TIMES, TRAIN, SIDE, EXPORT = (
    f"{PREFIX}.{k}"
    for k in (
        "table",
        "mean",
        "eps",
        "code",
        "cost",
        "times",
        "train",
        "side",
        "export",
    )
)
SHARED = {"eps", "dtype", "seed"}
READS: dict[str, frozenset[str]] = {
    TABLE: frozenset({"c", "delta", *SHARED}),
    MEAN: frozenset({"mean", *SHARED}),
    EPS: frozenset(SHARED),
    CODE: frozenset({"c", "delta", "mean", *SHARED}),
    COST: frozenset({"hidden", "tokens", "tdtype"}),
    TIMES: frozenset(TIMING),
    TRAIN: frozenset(TRAINING),
    SIDE: frozenset({"c", "delta", "mean", "hidden", "tokens", "tdtype", *SHARED}),
}
"""The settings each fragment's numbers depend on."""

log = logging.getLogger(__name__)


def _reruns(state: RmsState) -> tuple[str, ...]:
    """The fragments whose numbers a move changed (all of them before any
    run): each section is a fragment, so a move redraws only its own sections
    and never the controls of the others (a slider costs the browser a layout
    of the page, docs/streamlit.md). The code reruns only while it is shown."""
    last = page.committed()
    keys = tuple(READS)
    if last is not None:
        moved = {
            f.name
            for f in fields(state)
            if getattr(state, f.name) != getattr(last, f.name)
        }
        keys = tuple(k for k, reads in READS.items() if reads & moved)
    if not st.session_state.get(page.key("show_code")):
        keys = tuple(k for k in keys if k != CODE)
    return keys or (TABLE,)


page: Page[RmsState] = Page(PREFIX, PAGE, T.HELP, body=_reruns, quiz=QUIZ)


@st.cache_resource(show_spinner=False)
def store() -> Store:
    """One store per server process, with the shipped training runs pinned."""
    runs = Store()
    if not preload(runs):
        log.warning("shipped training runs not loaded: the page trains them")
    return runs


def _eps_label(e: float | None) -> str:
    return "torch's default" if e is None else plain(e)


def controls() -> None:
    """The table's controls (drawn in a fragment: `Page.sidebar`)."""
    page.scenario_picker()
    page.steps("c", "Scale c", C_GRID, plain)
    page.steps("delta", "Shift δ", DELTA_GRID, plain)
    page.steps("eps", "ε (every family)", EPS_CHOICES, _eps_label)
    page.choice("dtype", "Precision", PRECISIONS)
    page.slider("mean", "Mean of the example (section 2)")
    page.seed()


def body(state: RmsState) -> None:
    """Sections 1–6 and, beside them, the side panel, each section a fragment
    that reads the state itself: its own reruns have no page run to pass it one."""
    main, side = st.columns([2, 1], gap="large")
    with main:
        table_fragment()
        mean_fragment()
        eps_fragment()
        code_fragment()
        cost_fragment()
        times_fragment()
        train_fragment()
    with side:
        st.markdown(T.SIDE_INTRO)
        st.latex(FORMULAS["layer"])
        st.latex(FORMULAS["rms"])
        side_fragment()
        st.markdown(T.WHERE_USED)


@page.fragment(TABLE)
def table_fragment() -> None:
    with stage():  # a presenter's first screen (lab/ui/present.py)
        show(P.table_panel(M.table_of(page.state())), page.key("panel_table"))


@page.fragment(MEAN)
def mean_fragment() -> None:
    show(P.mean_panel(M.mean_of(page.state())), page.key("panel_mean"))


@page.fragment(EPS)
def eps_fragment() -> None:
    show(P.eps_panel(M.eps_of(page.state())), page.key("panel_eps"))


@page.fragment(CODE)
def code_fragment() -> None:
    """The code for the view, on request (its toggle reruns this alone)."""
    if st.toggle(
        "Show the PyTorch code for this view",
        key=page.key("show_code"),
        help="torch.nn code that recomputes the table and the example; a test "
        "runs it and compares with the page.",
    ):
        st.code(torch_snippet(page.state()), language="python")


ASKED = page.key("_timing_asked")


def _ask_for_timing() -> None:
    """The button's callback: the measurement this session now waits for
    (set, not toggled: a second dispatch of one click, docs/streamlit.md,
    asks for the same round)."""
    st.session_state[ASKED] = store().next_timing(page.state().tokens)


def _hidden_label(h: int) -> str:
    return f"{h:,}"


@page.fragment(COST)
def cost_fragment() -> None:
    """Parameters and memory for the hidden size and tokens picked here, and
    the button that times them."""
    s = page.state()
    show(P.cost_head(), page.key("panel_cost_head"))
    row = st.columns(2, gap="medium")
    with row[0]:
        page.steps("hidden", "Hidden size", HIDDEN, _hidden_label)
    with row[1]:
        page.steps("tokens", "Tokens per call", TOKENS)
    show(
        P.memory_panel(M.counts_for(s.hidden), M.memory_of(s), T.TIMING_INTRO),
        page.key("panel_memory"),
    )
    latest = store().latest_timing(s.tokens)
    st.button(
        T.TIMING_AGAIN if latest else T.TIMING_BUTTON,
        icon=":material/timer:",
        key=page.key("time"),
        on_click=_ask_for_timing,
        help="Time the four implementations at these tokens on this server "
        "(a few seconds, in the worker process); the result is kept for every "
        "visitor.",
    )
    key = st.session_state.get(ASKED)
    if key is None:
        return
    if default_workers() is None:  # no pool (AppTest, a notebook): time here
        st.session_state.pop(ASKED, None)
        bar = Progress(T.TIMING_PROGRESS)
        store().time(s.tokens, bar)
        bar.close()
        st.rerun(scope="app")  # every section that quotes the times
    runs, who = store(), holder()
    hold("rms.timing", [key], lambda k: runs.release(k, who))

    def look() -> tuple[bool, float, str]:
        answer = runs.ask(key, timing_task(key[1]), who)
        return answer.done, answer.fraction, answer.message

    def done() -> None:
        runs.timed(key)
        st.session_state.pop(ASKED, None)

    waiting(look, T.TIMING_PROGRESS, on_done=done)


@page.fragment(TIMES)
def times_fragment() -> None:
    """What a timing showed, in the dtype and pass picked here: switching
    them reruns this alone."""
    row = st.columns(2, gap="medium")
    with row[0]:
        page.choice("tdtype", "Timing dtype", DTYPES)
    with row[1]:
        page.choice("tpass", "Pass", PASSES, P.pass_label)
    s = page.state()
    latest = store().latest_timing(s.tokens)
    show(P.timing_panel(latest, s.tokens, s.tdtype, s.tpass), page.key("panel_timing"))


@page.fragment(TRAIN)
def train_fragment() -> None:
    """The training comparison, with its controls; runs what is not stored."""
    show(P.training_head(), page.key("panel_train_head"))
    cols = st.columns([1, 1, 1, 1, 1], gap="small")
    with cols[0]:
        page.slider("blocks", "Blocks")
    with cols[1]:
        page.steps("width", "Width", WIDTHS)
    with cols[2]:
        page.slider("steps", "Adam steps")
    with cols[3]:
        page.steps("lr", "Learning rate", LRS, plain)
    with cols[4]:
        page.seed("tseed", "Seed")
    s = page.state()
    config = TrainConfig(s.blocks, s.width, s.steps, s.lr, s.tseed)
    runs = store()
    run = runs.training(config)
    if run is None and default_workers() is not None:
        who, key = holder(), train_key(config)
        hold("rms.train", [key], lambda k: runs.release(k, who))

        def look() -> tuple[bool, float, str]:
            answer = runs.ask(key, train_task(config), who)
            return answer.done, answer.fraction, answer.message

        waiting(look, T.TRAIN_PROGRESS, key="normlab-progress-train")
        return
    hold("rms.train", [], lambda k: runs.release(k, holder()))
    bar = Progress(
        T.TRAIN_PROGRESS,
        after=float("inf") if run is not None else 0.0,
        keep_space=True,
        key="normlab-progress-train",
    )
    if run is None:  # no pool (AppTest, a notebook): train here
        run = runs.train(config, bar)
    bar.close()
    when = datetime.fromtimestamp(run.started, UTC).strftime("%Y-%m-%d %H:%M UTC")
    source = (T.SHIPPED_SOURCE if runs.shipped(config) else T.STORED_SOURCE).format(
        when=when
    )
    show(P.training_panel(run, source), page.key("panel_train"))


def _cost_cells(s: RmsState) -> tuple[float | None, float | None, str]:
    """The side table's times: the tensor-op references at the largest timed
    hidden size not above the one picked (forward, the timing dtype)."""
    t: Timing | None = store().latest_timing(s.tokens)
    if t is None:
        return None, None, ""
    dtype = s.tdtype if s.tdtype in t.dtypes else t.dtypes[0]
    fits = [i for i, h in enumerate(t.sizes) if h <= s.hidden] or [0]
    h = fits[-1]
    layer = float(t.median(dtype, "forward", "layer_ref")[h]) * 1e6
    rms = float(t.median(dtype, "forward", "rms_ref")[h]) * 1e6
    return layer, rms, f"{s.tokens} tokens × {t.sizes[h]:,}, {dtype}, forward"


@page.fragment(SIDE, commit=False)
def side_fragment() -> None:
    s = page.state()
    layer_us, rms_us, label = _cost_cells(s)
    rows = seed_rows(M.table_of(s), M.mean_of(s), s.hidden, layer_us, rms_us)
    show(P.seed_panel(rows, label), page.key("panel_seed"))


@page.fragment(EXPORT, commit=False)
def export_menu() -> None:
    """The downloads for the view as it is when the popover opens (drawn only
    then, as the Lab's: redrawing buttons on every move costs the browser)."""
    pop = st.popover(
        "Export", icon=":material/download:", key="rms.export_open", on_change="rerun"
    )
    with pop:
        st.caption("Downloads for this view.")
        if not pop.open:
            return
        s = page.state()
        runs = store()
        files = [
            (
                "Invariance table (CSV)",
                "table.csv",
                lambda: table_csv(s, M.table_of(s)),
            ),
            ("ε conventions (CSV)", "eps.csv", lambda: eps_csv(s, M.eps_of(s))),
        ]
        timing = runs.latest_timing(s.tokens)
        if timing is not None:
            files.append(("Timing (CSV)", "timing.csv", lambda: timing_csv(s, timing)))
        run = runs.training(TrainConfig(s.blocks, s.width, s.steps, s.lr, s.tseed))
        if run is not None:
            files.append(
                ("Training (CSV)", "training.csv", lambda: training_csv(s, run))
            )
        files.append(("PyTorch code (.py)", "code.py", lambda: torch_snippet(s)))
        for label, name, make in files:
            code = name.endswith(".py")
            st.download_button(
                label,
                make,
                file_name=f"normlab-rms-{name}",
                mime="text/x-python" if code else "text/csv",
                on_click="ignore",
                key=f"rms.download_{name.replace('.', '_')}",
                icon=":material/code:" if code else ":material/table:",
            )
