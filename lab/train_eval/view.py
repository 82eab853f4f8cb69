"""The Train vs eval page's Streamlit: its controls, the live fragment with
Play, the classifier fragment and the side panel, on the page kit (`lab.ui.page`).

Numbers come from `lab.train_eval.model` (the stream, through the engine) and
`lab.train_eval.costs` (the classifier); the live panels are built, pure, in
`lab.train_eval.panels`, the classifier's charts in `lab.train_eval.cost_figures`.

Four fragments keep clicks local: ``steps`` (the step controls), ``live``
(the stream and the train/eval panels), ``classifier`` (the pitfalls, with
controls of their own) and ``side`` (the formulas' note naming the momentum
and the batch; the rest of the side panel is the full run's). A stream
control reruns ``live`` and ``side``; a step control ``steps`` and ``live``.
"Play" is a fragment nested in ``live`` with ``run_every``: it exists only
while playing, so pausing (or reaching the end) removes it and Streamlit
tells the browser to stop its timer. The step is a plain session-state value
(the slider is a view of it, as the Tensor view's pickers are), so a tick that
moves the step never fights the slider's last value in the browser. The URL
follows the kit's rule, except that nothing writes it while playing (a tick,
or ``live`` and ``classifier`` rerun meanwhile): playing adds no history
entries, and the step lands in the URL when play stops.
"""

from __future__ import annotations

import time
from typing import TypeVar

import streamlit as st

from lab.core.norms import FAMILY_NAMES
from lab.core.workers import default as default_workers
from lab.train_eval import texts as T
from lab.train_eval.cache import preload
from lab.train_eval.classifier import MEMO
from lab.train_eval.cost_figures import (
    dropout_figure,
    finetune_figure,
    serving_figure,
    stale_figure,
    variance_figure,
)
from lab.train_eval.costs import (
    finetune_costs,
    requests,
    serving_costs,
    stale_costs,
)
from lab.train_eval.dropout import DROPOUT, dropout_costs, variance_shift
from lab.train_eval.dropout import requests as dropout_requests
from lab.train_eval.model import LiveView, build_live
from lab.train_eval.panels import body_panel, top_panel
from lab.train_eval.questions import QUIZ
from lab.train_eval.readouts import (
    Block,
    dropout_readouts,
    eval_readouts,
    finetune_readouts,
    stale_readouts,
)
from lab.train_eval.state import PAGE, TrainEvalState, momentum_label
from lab.train_eval.stream import (
    MAX_STEPS,
    METRICS,
    MOMENTA,
    PAGE_FAMILIES,
    PATTERNS,
    PITFALLS,
)
from lab.ui.controls import sections
from lab.ui.figure import figure
from lab.ui.jobs import hold, holder, waiting
from lab.ui.page import Page
from lab.ui.panel import show
from lab.ui.present import stage
from lab.ui.progress import Progress
from lab.ui.rerun import rerun_fragments

R = TypeVar("R")
PREFIX = "traineval"
LIVE, STEPS, SIDE, CLASSIFIER = (
    f"{PREFIX}.{k}" for k in ("live", "steps", "side", "classifier")
)


def _stop_playing() -> None:
    st.session_state[PLAYING] = False


page: Page[TrainEvalState] = Page(
    PREFIX,
    PAGE,
    T.HELP,
    body=(LIVE, SIDE),  # what a move of a stream control reruns
    on_arrive=_stop_playing,  # a stream never plays on when you come back
    parts={"step": ("step_view", "b_reset", "b_back", "b_step", "b_ten", "b_play")},
    quiz=QUIZ,
)
K = page.key
PLAYING = K("_playing")
PLAY_EVERY = 0.5  # seconds between ticks, at the soonest
PLAY_STRIDE = 2  # steps per tick, at the least
PLAY_RATE = PLAY_STRIDE / PLAY_EVERY
"""Steps per second while playing: the whole stream in under a minute. A tick
takes time to draw, so ticks come further apart than PLAY_EVERY (0.6–0.8 s
measured in headless Chromium); each tick advances by the steps the elapsed
time is owed (`_advance`), so the rate the caption states is the rate."""
TICK = K("_tick")  # (time of the last tick, fraction of a step still owed)


def _playing() -> bool:
    return bool(st.session_state.get(PLAYING))


def _picked() -> None:
    """A scenario sets the step, so play stops there ("Custom" sets nothing)."""
    _stop_playing()


def controls() -> None:
    """The stream's controls (drawn in a fragment: `Page.sidebar`)."""
    page.scenario_picker(on_pick=_picked)
    page.choice("norm", "Normalization", PAGE_FAMILIES, FAMILY_NAMES)
    page.steps(
        "momentum", "Momentum", MOMENTA, lambda m: "None" if m is None else f"{m:g}"
    )
    page.slider("batch", "Batch size")
    page.slider("features", "Features")
    with st.expander("Drift of the stream", expanded=True):
        page.choice("pattern", "Pattern", PATTERNS, T.PATTERN_LABELS)
        page.slider("shift", "Mean drift (std)")
        page.slider("scale", "Scale at full drift (×)")
        page.seed()


def body(state: TrainEvalState) -> None:
    """The live panels and the classifier, the side panel beside them. Each
    fragment reads the state itself: its own reruns have no page run to pass
    it one."""
    main, side_column = st.columns([7, 3], gap="large")
    with main:
        steps()
        live()
        classifier()
    with side_column:
        side_panel()


# ---- step, play, reset ----


def _set_step(value: int, playing: bool = False) -> None:
    st.session_state[K("step")] = min(max(int(value), 0), MAX_STEPS)
    st.session_state[PLAYING] = playing


def _rerun_live() -> None:
    """From a step control's callback: rerun ``steps`` and ``live``, not the page."""
    rerun_fragments([STEPS, LIVE])


def _go_to(value: int) -> None:
    _set_step(value)
    _rerun_live()


def _step_by(delta: int) -> None:
    _go_to(st.session_state[K("step")] + delta)


def _set_playing(play: bool) -> None:
    """Set, never toggle: Streamlit 1.67 can dispatch one click's callback twice.

    Seen under load: a Pause click landing while a tick was queued ran this
    callback in the tick's run and again in the ``live`` run, so a toggle
    flipped back to playing. The button passes the state it asks for instead.
    """
    ss = st.session_state
    if not play:
        ss[PLAYING] = False
    elif not ss.get(PLAYING):
        start = 0 if ss[K("step")] >= MAX_STEPS else ss[K("step")]
        _set_step(start, playing=True)
        ss.pop(TICK, None)
    _rerun_live()


def _advance() -> int:
    """Steps this tick moves: `PLAY_RATE` × the time since the last tick.

    The first tick moves `PLAY_STRIDE`; later ones at least that (ticks are at
    least PLAY_EVERY apart), plus what slow ticks are owed, kept as a fraction.
    """
    ss = st.session_state
    now = time.monotonic()
    last = ss.get(TICK)
    if last is None:
        stride, owed = PLAY_STRIDE, 0.0
    else:
        owed = last[1] + PLAY_RATE * (now - last[0])
        stride = max(PLAY_STRIDE, int(owed))
        owed = max(owed - stride, 0.0)
    ss[TICK] = (now, owed)
    return stride


def _step_from_slider() -> None:
    """Ignored while playing: the slider is hidden then, yet under load the
    browser can still send its last value with a tick, which would jump the
    stream back and stop play (seen in the end-to-end test on a busy machine)."""
    if st.session_state.get(PLAYING):
        return
    _go_to(st.session_state[K("step_view")])


def _controls(playing: bool) -> None:
    ss = st.session_state
    step = ss[K("step")]
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    buttons = (
        (
            "Reset",
            ":material/restart_alt:",
            "b_reset",
            _go_to,
            (0,),
            step <= 0,
            "Back to step 0: a fresh layer (running mean 0, variance 1).",
        ),
        ("−1", None, "b_back", _step_by, (-1,), step <= 0, "One batch back."),
        (
            "+1",
            None,
            "b_step",
            _step_by,
            (1,),
            step >= MAX_STEPS,
            "Train on one more batch.",
        ),
        (
            "+10",
            None,
            "b_ten",
            _step_by,
            (10,),
            step >= MAX_STEPS,
            "Train on ten more batches.",
        ),
    )
    for label, icon, key, fn, args, disabled, help_text in buttons:
        row.button(
            label,
            icon=icon,
            key=K(key),
            on_click=fn,
            args=args,
            disabled=disabled and not playing,
            help=help_text,
        )
    row.button(
        "Pause" if playing else "Play",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        key=K("b_play"),
        on_click=_set_playing,
        args=(not playing,),
        type="primary",
        help=f"Advance {PLAY_RATE:g} steps a second up to step {MAX_STEPS}; the "
        "link records the step when play stops.",
    )
    if playing:
        row.caption(T.PLAYING.format(rate=f"{PLAY_RATE:g}", end=MAX_STEPS))
    else:
        ss[K("step_view")] = step  # a view of the step, set before the widget
        st.slider(
            "Step: batches trained on",
            0,
            MAX_STEPS,
            key=K("step_view"),
            on_change=_step_from_slider,
            help=T.HELP["step"],
        )


@page.fragment(STEPS, commit=False)
def steps() -> None:
    """The step controls, a fragment of their own: a stream control's move
    reruns ``live`` without redrawing these eight widgets; their own callbacks
    rerun both (``_rerun_live``)."""
    _controls(_playing())


@page.fragment(LIVE, commit=lambda: not _playing())
def live() -> None:
    """Every panel that depends on the step (``steps`` draws its controls)."""
    if _playing():
        _ticker()
    else:
        _panels(build_live(page.state()))


@st.fragment(run_every=PLAY_EVERY)
def _ticker() -> None:
    """Exists only while playing: advance the step, redraw, stop at the end."""
    ss = st.session_state
    if not ss.get(PLAYING):
        return
    _set_step(ss[K("step")] + _advance(), playing=True)
    step = ss[K("step")]
    st.progress(step / MAX_STEPS, text=f"Step {step} of {MAX_STEPS}")
    _panels(build_live(page.state()))
    if step >= MAX_STEPS:
        ss[PLAYING] = False
        st.rerun()  # the whole page: drops this timer, writes the URL


def _panels(view: LiveView) -> None:
    """The stream, the two modes, serving alone and the variance readout: two
    panels (lab/ui/panel.py), the focus pickers heading the second, so that a
    step redraws two elements instead of some fifty."""
    with stage():  # a presenter's first screen (lab/ui/present.py)
        show(top_panel(view), K("panel_top"))
    s = view.state
    body = page.pickers(
        body_panel(view), s.focus, (s.batch, s.features), ("Example", "Feature")
    )
    show(body, K("panel_body"), on_click=page.focus_from_click)


# ---- the classifier ----


def _ready(s: TrainEvalState) -> bool:
    """Whether the pitfall's numbers are here (memoized, shipped, or computed
    by a worker); if not, a progress bar follows their runs and reruns the page
    when they are done (`lab.ui.jobs`: the script never waits for a worker).
    Without a worker pool (a notebook, AppTest) they are computed here, under
    the bar, and are then here."""
    if s.pitfall == "dropout":
        store, needed = DROPOUT, dropout_requests(s.cseed)
    else:
        store, needed = MEMO, requests(s.pitfall, s.cseed, s.cshift)
    if store.workers is None and default_workers() is None:
        missing = [c for k, (_, c) in needed.items() if not store.has(k)]
        if missing:
            with Progress(T.TRAINING, words=T.PROGRESS) as bar:
                for i, compute in enumerate(missing):
                    compute(bar.part(i / len(missing), 1 / len(missing)))
        return True
    who = holder()
    hold("traineval.pitfall", needed, lambda k: store.release(k, who))

    def look() -> tuple[bool, float, str]:
        answers = [store.ask(k, task, who) for k, (task, _) in needed.items()]
        waiting_for = [a for a in answers if not a.done]
        fraction = sum(1.0 if a.done else a.fraction for a in answers) / len(answers)
        message = waiting_for[0].message if waiting_for else ""
        return not waiting_for, fraction, message

    if look()[0]:
        return True
    waiting(look, T.TRAINING, words=T.PROGRESS)
    return False


@page.fragment(CLASSIFIER, commit=lambda: not _playing())
def classifier() -> None:
    """The pitfalls, measured on the small classifier. Its controls have no
    ``on_change``: a move reruns this fragment alone, as nothing else on the
    page depends on them."""
    preload()  # the default view's numbers, shipped: no training on a first visit
    st.subheader(T.CLASSIFIER_TITLE, divider="gray", anchor=False)
    s = page.state()
    st.markdown(T.CLASSIFIER_INTRO.format(seed=s.cseed))
    page.choice("pitfall", "Pitfall", PITFALLS, T.PITFALL_LABELS, on_change=None)
    cols = st.columns([1.3, 2, 1], vertical_alignment="bottom", gap="medium")
    with cols[0]:
        page.choice("metric", "Score", METRICS, T.METRIC_LABELS, on_change=None)
    with cols[1]:
        page.slider(
            "cshift",
            "Shift of the new data (std)",
            disabled=s.pitfall in ("eval", "dropout"),
            on_change=None,
        )
    with cols[2]:
        page.seed("cseed", "Classifier seed", on_change=None)
    s = page.state()
    if s.pitfall == "eval":
        _eval_pitfall(s)
    elif s.pitfall == "stale":
        _stale_pitfall(s)
    elif s.pitfall == "dropout":
        _dropout_pitfall(s)
    else:
        _finetune_pitfall(s)


def _eval_pitfall(s: TrainEvalState) -> None:
    if not _ready(s):
        return
    costs = {fam: serving_costs(fam, s.cseed) for fam in PAGE_FAMILIES}
    figure(
        serving_figure(costs, s.metric), K("chart_serving"), f"serving-seed{s.cseed}"
    )
    _say(eval_readouts(costs, s.metric))


def _stale_pitfall(s: TrainEvalState) -> None:
    if not _ready(s):
        return
    costs = stale_costs(s.cseed)
    figure(
        stale_figure(costs, s.cshift, s.metric),
        K("chart_stale"),
        f"stale-seed{s.cseed}",
    )
    _say(stale_readouts(costs, s.cshift, s.metric))


def _finetune_pitfall(s: TrainEvalState) -> None:
    if not _ready(s):
        return
    costs = finetune_costs(s.cseed, s.cshift)
    figure(
        finetune_figure(costs, s.metric),
        K("chart_finetune"),
        f"finetune-seed{s.cseed}",
    )
    _say(finetune_readouts(costs, s.cshift, s.metric))


def _dropout_pitfall(s: TrainEvalState) -> None:
    shift = variance_shift(s.cseed)
    if not _ready(s):
        figure(variance_figure(shift, None), K("chart_variance"), "variance-shift")
        return
    costs = dropout_costs(s.cseed)
    left, right = st.columns(2, gap="medium")
    with left:
        figure(
            variance_figure(shift, costs),
            K("chart_variance"),
            f"variance-shift-seed{s.cseed}",
        )
    with right:
        figure(
            dropout_figure(costs, s.metric),
            K("chart_dropout"),
            f"dropout-seed{s.cseed}",
        )
    _say(dropout_readouts(shift, costs, s.metric, s.cseed))


METRIC_WIDTH = "content"
"""Each readout as wide as its label and value: a fixed width cut the longer
labels ("Largest |eval − train|") at 1440 px; the row wraps instead."""


def _say(blocks: list[Block]) -> None:
    """Draw a pitfall's readouts and sentences (`lab.train_eval.readouts`);
    a row of readouts wraps onto more lines when the page is narrow."""
    for kind, content in blocks:
        if kind == "metrics":
            row = st.container(horizontal=True, gap="small")
            for label, value, help_text in content:
                row.metric(label, value, help=help_text, width=METRIC_WIDTH)
        elif kind == "caption":
            st.caption(content)
        else:
            st.markdown(content)


# ---- side panel ----


def side_panel() -> None:
    """Drawn by the full run: texts, formulas and sections that no control changes
    (a formula costs the browser a KaTeX render each time it is sent), around
    the one sentence that names the momentum and the batch size (``side``)."""
    st.markdown(T.SIDE_WHAT)
    st.latex(T.FORMULA_TRAIN)
    st.latex(T.FORMULA_EVAL)
    st.latex(T.FORMULA_UPDATE)
    side()
    parts = sections(["Why it matters", "Momentum", "Checklist"])
    parts[0].markdown(T.SIDE_WHY)
    parts[1].markdown(T.MOMENTUM_TAB)
    parts[2].markdown(T.CHECKLIST_TAB)


@page.fragment(SIDE, commit=False)
def side() -> None:
    """The formulas' note as a fragment: a stream control's move reruns it with
    ``live``, not the page."""
    state = page.state()
    st.caption(
        f"{T.FORMULA_NOTE} Here: momentum {momentum_label(state.momentum)}, "
        f"N = {state.batch}, ε = 1e-5, γ = 1, β = 0."
    )
