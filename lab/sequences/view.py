"""The Sequences & padding page's Streamlit: its controls, the batch fragment,
the real run's fragment and the side panel, on the page kit (`lab.ui.page`).

Numbers come from `lab.sequences.model`, `.serving` and `.sweep` (through the
engine) and the real run from `lab.sequences.run`; the panels are built pure
in `lab.sequences.panels`. Three fragments keep moves local: ``body`` (the
heatmaps, their readouts and the token served alone, headed by the token
pickers: a click or another family reruns it alone), ``batch`` (the sections
the batch alone decides, rerun with ``body`` when a batch control moves) and
``run`` (the trained models, with a seed of their own that reruns it alone,
and rerun with the others while its run is not finished, so a bar left by an
interrupted run picks up the same job again).
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from lab.core.workers import default as default_workers
from lab.sequences import run as R
from lab.sequences import texts as T
from lab.sequences.cache import preload
from lab.sequences.data import DATA, LENGTHS, PADS
from lab.sequences.export import stats_csv, tokens_csv, torch_snippet
from lab.sequences.kept import KEPT
from lab.sequences.model import NAMES
from lab.sequences.panels import (
    batch_panel,
    build_page,
    focus_panel,
    run_head,
    run_panel,
    top_panel,
)
from lab.sequences.questions import QUIZ
from lab.sequences.state import FAMILIES, PAGE, SeqState
from lab.ui.figure import Click
from lab.ui.jobs import hold, holder, waiting
from lab.ui.page import Page
from lab.ui.panel import show
from lab.ui.present import stage
from lab.ui.progress import Progress

PREFIX = "seq"
BODY, BATCH, RUN, SHORT, EXPORT = (
    f"{PREFIX}.{k}" for k in ("body", "batch", "run", "short-control", "export")
)


def _reruns(state: SeqState) -> tuple[str, ...]:
    """What a control's move reruns: the body; the batch's sections unless they
    show this batch already (another family, say; they record the batch they
    drew, so one that a move interrupted is drawn again); the run while it is
    not finished (it then waits for the same job again: lab.core.workers)."""
    keys = [BODY]
    if st.session_state.get(BATCH_DRAWN) != state.spec:
        keys.append(BATCH)
    if not R.is_ready(state.rseed):
        keys.append(RUN)
    return tuple(keys)


page: Page[SeqState] = Page(PREFIX, PAGE, T.HELP, body=_reruns, quiz=QUIZ)
K = page.key
BATCH_DRAWN = K("_batch_drawn")


def controls() -> None:
    """The batch's controls (drawn in a fragment: `Page.sidebar`)."""
    page.scenario_picker()
    page.choice("norm", "Normalization", FAMILIES, NAMES)
    page.slider("batch", "Sequences N")
    page.slider("tokens", "Padded length T")
    page.slider("features", "Features C")
    with st.expander("Lengths and pads", expanded=True):
        page.choice("lengths", "Lengths", LENGTHS, T.LENGTH_LABELS)
        short = st.container()  # drawn by short_control: its range is 0…T
        page.choice("pad", "Pad value", PADS, T.PAD_LABELS)
        page.slider("padval", "Constant pad")  # off unless pad=constant
    with st.expander("Token values", expanded=False):
        page.choice("data", "Tokens", DATA, T.DATA_LABELS)
        page.slider("shift", "Per-channel mean shift")
        page.slider("drift", "Per-channel scale drift")
        page.slider("offset", "Per-sequence offset")
        page.slider("spread", "Per-sequence scale spread")
        page.slider("outlier", "Outlier sequence (×)")
        page.seed()
    short_control(short)


@page.option_fragment(SHORT, lambda s: s.tokens)
def short_control(place: Any) -> None:
    """The short length L, from 0 to T: a move of T that changes the range
    reruns this with the body, not the sidebar."""
    state = page.state()
    page.drawn(SHORT, state)
    page.set("short", state.short)  # within 0…T (clean)
    with place:
        st.slider(
            "Short length L",
            0,
            state.tokens,
            step=1,
            key=K("short"),
            on_change=page.changed,
            help=T.HELP["short"],
        )


def switched_off(state: SeqState) -> dict[str, bool]:
    """Controls that do not apply now, switched off in the browser (`Page.off`)."""
    counted = state.data == "count"
    return page.off(
        {
            "padval": state.pad != "constant",
            **dict.fromkeys(("shift", "drift", "offset", "spread", "outlier"), counted),
        }
    )


def _clicked(chart: str, click: Click) -> None:
    page.focus_from_click(chart, click)


@page.fragment(BODY)
def body_fragment() -> None:
    """The batch's heatmaps, headed by the token pickers, and the token served
    alone: what a click, a typed token or another family changes, and reruns."""
    s = page.state()
    numbers = build_page(s)
    show(top_panel(numbers), K("panel_top"), off=switched_off(s))
    body = page.pickers(
        focus_panel(numbers),
        s.focus,
        (s.batch * s.tokens, s.features),
        ("Token row", "Channel"),
    )
    with stage():  # a presenter's first screen (lab/ui/present.py)
        show(body, K("panel_body"), on_click=_clicked)


@page.fragment(BATCH)
def batch_fragment() -> None:
    """The sections the batch alone decides: a click or another family does not
    rerun this (its two charts and tables would be redrawn for nothing)."""
    s = page.state()
    show(batch_panel(build_page(s)), K("panel_batch"))
    st.session_state[BATCH_DRAWN] = s.spec


TRAINED = K("_trained")
"""The run seed this session waited for: its result reads "trained just now"."""


@page.fragment(RUN)
def run_fragment() -> None:
    """The real run: its seed reruns this fragment alone (no ``on_change``).
    The default seed's result ships precomputed; another seed trains in a
    worker under the progress bar, kept for every visitor once done."""
    preload()
    s = page.state()
    show(run_head(s.rseed), K("panel_run_head"))
    page.seed("rseed", "Run seed", on_change=None, width=200)
    s = page.state()
    seed = s.rseed
    ready = R.is_ready(seed)
    who = holder()
    if not ready and default_workers() is not None:
        # the script never waits for the worker: a bar follows the run and
        # the page reruns when it is done (lab/ui/jobs.py)
        hold("sequences.run", [seed], lambda k: KEPT.release(k, who))

        def look() -> tuple[bool, float, str]:
            answer = KEPT.ask(seed, R.task(seed), who)
            return answer.done, answer.fraction, answer.message

        waiting(
            look,
            T.RUN_TRAINING,
            on_done=lambda: st.session_state.update({TRAINED: seed}),
        )
        return
    hold("sequences.run", [], lambda k: KEPT.release(k, who))
    # the bar's box is always there and keeps its height, so the page does not
    # move as a run starts and ends; with nothing to train no bar appears
    bar = Progress(T.RUN_TRAINING, after=math.inf if ready else 0.0, keep_space=True)
    with bar:  # without a pool (AppTest, a notebook) the run trains here
        result = R.run_results(seed, bar)
    trained_now = not ready or st.session_state.get(TRAINED) == seed
    show(run_panel(result, trained_now=trained_now), K("panel_run"))


@page.fragment(EXPORT, commit=False)
def export_menu() -> None:
    """Downloads for the view as it is when the popover opens, and the PyTorch
    code itself (drawn only then, as the Lab's downloads are: lab/board/view.py
    says why; highlighting the code on every click would cost more)."""
    pop = st.popover(
        "Export", icon=":material/download:", key=K("export_open"), on_change="rerun"
    )
    with pop:
        st.caption("Downloads for this view.")
        if not pop.open:
            return
        s = page.state()
        stem = f"normlab-sequences-{s.norm}-seed{s.seed}"
        for label, suffix, make, mime in (
            ("Token matrix (CSV)", "tokens.csv", lambda: tokens_csv(s), "text/csv"),
            ("Statistics (CSV)", "stats.csv", lambda: stats_csv(s), "text/csv"),
            ("PyTorch code (.py)", "py", lambda: torch_snippet(s), "text/x-python"),
        ):
            st.download_button(
                label,
                make,
                file_name=f"{stem}.{suffix}" if suffix == "py" else f"{stem}-{suffix}",
                mime=mime,
                on_click="ignore",
                key=K(f"download_{suffix}"),
                icon=":material/code:" if suffix == "py" else ":material/table:",
            )
        st.caption(T.CODE_CAPTION)
        st.code(torch_snippet(s), language="python")


def side_panel() -> None:
    st.markdown(T.SIDE_WHY)
    st.markdown(T.SIDE_MASK)
    st.markdown(T.SIDE_PRENORM)


def body(state: SeqState) -> None:
    """The batch and the run, the side panel beside them. Each fragment reads
    the state itself: its own reruns have no page run to pass it one."""
    main, side = st.columns([7, 3], gap="large")
    with main:
        body_fragment()
        batch_fragment()
        run_fragment()
    with side:
        side_panel()
