"""The Train vs eval page's Streamlit widgets and drawing.

Numbers come from `lab.train_eval` (the stream, through the engine) and
`lab.train_eval_classifier` (the classifier); figures from
`lab.train_eval_figures`.

Two fragments keep clicks local: ``live`` (the step controls, the stream and the
train/eval panels) and ``classifier`` (the pitfalls). "Play" is a fragment nested
in ``live`` with ``run_every``: it exists only while playing, so pausing (or
reaching the end) removes it and Streamlit tells the browser to stop its timer.
The step is a plain session-state value (the slider is a view of it, as the
Tensor view's pickers are), so a tick that moves the step never fights the
slider's last value in the browser. Each fragment writes the URL itself when it
reruns on its own; a tick does not, so playing adds no history entries, and the
step lands in the URL when play stops.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import streamlit as st

from lab.board import fmt
from lab.norms import FAMILY_NAMES
from lab.texts import train_eval as T
from lab.train_eval import (
    KEEP_ON_PICK,
    MAX_SEED,
    MAX_STEPS,
    METRICS,
    MOMENTA,
    NUMERIC,
    PAGE_FAMILIES,
    PATTERNS,
    PITFALLS,
    SCENARIO_BY_KEY,
    LiveView,
    TrainEvalState,
    build_live,
    momentum_label,
    parse,
    scenario_base,
    settle,
    to_params,
)
from lab.train_eval_cache import preload
from lab.train_eval_classifier import (
    FT_EXAMPLES,
    FT_STEPS,
    N_ADAPT,
    FinetuneCosts,
    Score,
    ServingCosts,
    StaleCosts,
    finetune_costs,
    is_ready,
    serving_costs,
    stale_costs,
)
from lab.train_eval_figures import (
    finetune_figure,
    matrix_figures,
    serving_figure,
    stale_figure,
    stream_figure,
)
from lab.ui.controls import range_slider
from lab.ui.figure import Click, figure
from lab.ui.panel import Chart, Panel, show
from lab.ui.sync import UrlState, forget_scenario, link_note_and_scenario

SYNC: UrlState[TrainEvalState] = UrlState("traineval", TrainEvalState, parse, to_params)
K = SYNC.key
PLAYING = K("_playing")
PLAY_EVERY = 0.5  # seconds between ticks, at the soonest
PLAY_STRIDE = 2  # steps per tick, at the least
PLAY_RATE = PLAY_STRIDE / PLAY_EVERY
"""Steps per second while playing: the whole stream in under a minute. A tick
takes time to draw, so ticks come further apart than PLAY_EVERY (0.6–0.8 s
measured in headless Chromium); each tick advances by the steps the elapsed
time is owed (`_advance`), so the rate the caption states is the rate."""
TICK = K("_tick")  # (time of the last tick, fraction of a step still owed)
_PAGE = "_lab.page"  # `lab.ui.sync`'s record of the page the session is on


# ---- state ----


def _current() -> TrainEvalState:
    return settle(SYNC.read())


def _apply_scenario() -> None:
    """Scenario picked: set every control it fixes; keep seeds, focus, metric."""
    key = st.session_state[K("scenario")]
    if key == "custom":
        forget_scenario(SYNC)
        return
    current = SYNC.read()
    keep = {n: getattr(current, n) for n in KEEP_ON_PICK}
    SYNC.write(settle(replace(scenario_base(key), **keep)))
    st.session_state[PLAYING] = False


LIVE_FRAGMENT = K("live")
SIDE_FRAGMENT = K("side")
_SIDEBAR_DRAWN = K("_sidebar_drawn")


def _sidebar_view(state: TrainEvalState) -> tuple:
    """What the sidebar and the scenario line show beyond the controls' own
    values: while it is unchanged, a control's move need not redraw them."""
    return (state.scenario,)


def _changed() -> None:
    """A stream control moved: rerun only what depends on the stream.

    A full rerun redraws every control in the sidebar, the pitfall section
    (its chart and controls, which do not depend on the stream) and the side
    panel; the browser re-renders each (bench/latency.py). The stream's panels
    (``live``) and the side panel's formula note (``side``) are what change. A
    move that turns the scenario to "Custom" (or a note on the link that must
    go) redraws the whole page.
    """
    if st.session_state.get(_SIDEBAR_DRAWN) != (_sidebar_view(_current()), None):
        st.rerun()
    st.rerun([LIVE_FRAGMENT, SIDE_FRAGMENT])


def _commit() -> None:
    """Write the URL from a fragment's own rerun (not while playing)."""
    if not st.session_state.get(PLAYING):
        SYNC.end(_current())


def finish() -> None:
    """The page's last call: the state as the fragments left it, into the URL."""
    SYNC.end(_current())


def _slider(name: str, label: str, **kw: Any) -> None:
    range_slider(label, NUMERIC[name], K(name), T.HELP[name], _changed, **kw)


def sidebar() -> tuple[TrainEvalState, str | None]:
    """Draw the stream's controls; return the state and any note on the URL."""
    ss = st.session_state
    arrived = ss.get(_PAGE) != SYNC.prefix
    note = SYNC.begin()
    if arrived:
        ss[PLAYING] = False  # a stream never plays on when you come back
    state = _current()
    SYNC.write(state)  # before any widget exists: focus, scenario fixed up

    with st.sidebar:
        st.selectbox(
            "Scenario",
            ("custom", *SCENARIO_BY_KEY),
            format_func=lambda k: (
                "Custom" if k == "custom" else SCENARIO_BY_KEY[k].title
            ),
            key=K("scenario"),
            on_change=_apply_scenario,
            help=T.HELP["scenario"],
        )
        st.segmented_control(
            "Normalization",
            PAGE_FAMILIES,
            format_func=FAMILY_NAMES.get,
            key=K("norm"),
            required=True,
            on_change=_changed,
            help=T.HELP["norm"],
        )
        st.select_slider(
            "Momentum",
            MOMENTA,
            format_func=lambda m: "None" if m is None else f"{m:g}",
            key=K("momentum"),
            on_change=_changed,
            help=T.HELP["momentum"],
        )
        _slider("batch", "Batch size")
        _slider("features", "Features")
        with st.expander("Drift of the stream", expanded=True):
            st.segmented_control(
                "Pattern",
                PATTERNS,
                format_func=T.PATTERN_LABELS.get,
                key=K("pattern"),
                required=True,
                on_change=_changed,
                help=T.HELP["pattern"],
            )
            _slider("shift", "Mean drift (std)")
            _slider("scale", "Scale at full drift (×)")
            st.number_input(
                "Seed",
                0,
                MAX_SEED,
                step=1,
                key=K("seed"),
                on_change=_changed,
                help=T.HELP["seed"],
            )
    state = _current()
    ss[_SIDEBAR_DRAWN] = (_sidebar_view(state), note)
    return state, note


def scenario_line(state: TrainEvalState, note: str | None) -> None:
    link_note_and_scenario(note, SCENARIO_BY_KEY.get(state.scenario), SYNC)


METRIC_WIDTH = "content"
"""Each readout as wide as its label and value: a fixed width cut the longer
labels ("Largest |eval − train|") at 1440 px; the row wraps instead."""


def _row() -> Any:
    """A row of readouts that wraps onto more lines when the page is narrow."""
    return st.container(horizontal=True, gap="small")


def _metric(row: Any, label: str, value: Any, help: str | None = None) -> None:
    row.metric(label, value, help=help, width=METRIC_WIDTH)


# ---- step, play, reset ----


def _set_step(value: int, playing: bool = False) -> None:
    st.session_state[K("step")] = min(max(int(value), 0), MAX_STEPS)
    st.session_state[PLAYING] = playing


def _step_by(delta: int) -> None:
    _set_step(st.session_state[K("step")] + delta)


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
    _set_step(st.session_state[K("step_view")])


def _focus_from_pickers() -> None:
    ss = st.session_state
    ss[K("focus")] = (int(ss[K("pick_n")]), int(ss[K("pick_f")]))


def _focus_from_chart(chart: str, click: Click) -> None:
    """A heatmap cell was clicked: its row is the example, its column the feature."""
    st.session_state[K("focus")] = (int(click["y"]), int(click["x"]))


def _controls(playing: bool) -> None:
    ss = st.session_state
    step = ss[K("step")]
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    buttons = (
        (
            "Reset",
            ":material/restart_alt:",
            "b_reset",
            _set_step,
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


@st.fragment(key=LIVE_FRAGMENT)
def live() -> None:
    """Step controls and every panel that depends on the step."""
    playing = bool(st.session_state.get(PLAYING))
    _controls(playing)
    if playing:
        _ticker()
    else:
        _panels(build_live(_current()), playing=False)
        _commit()


@st.fragment(run_every=PLAY_EVERY)
def _ticker() -> None:
    """Exists only while playing: advance the step, redraw, stop at the end."""
    ss = st.session_state
    if not ss.get(PLAYING):
        return
    _set_step(ss[K("step")] + _advance(), playing=True)
    step = ss[K("step")]
    st.progress(step / MAX_STEPS, text=f"Step {step} of {MAX_STEPS}")
    _panels(build_live(_current()), playing=True)
    if step >= MAX_STEPS:
        ss[PLAYING] = False
        st.rerun()  # the whole page: drops this timer, writes the URL


# ---- the live panels ----


def _panels(view: LiveView, playing: bool) -> None:
    """The stream, the two modes, serving alone and the variance readout: two
    panels (lab/ui/panel.py) around the focus pickers, so that a step redraws
    two elements and two number inputs instead of some fifty elements."""
    top = Panel()
    _stream(top, view)
    _compare_head(top, view)
    show(top, K("panel_top"))
    _pickers(view)
    body = Panel()
    _compare_body(body, view)
    _serving(body, view)
    _variance(body, view)
    show(body, K("panel_body"), on_click=_focus_from_chart)


def _stream(p: Panel, view: LiveView) -> None:
    s, ro = view.state, view.stream
    p.heading(T.STREAM_TITLE)
    p.figures(
        [
            Chart(
                "stream",
                stream_figure(view.trace, s.step, s.focus[1]),
                "running-statistics",
            )
        ]
    )
    p.metrics(
        [
            (
                f"running_mean[{ro.feature}]",
                fmt(ro.running_mean),
                "What eval mode subtracts from this feature.",
            ),
            (
                "Data's mean",
                fmt(ro.true_mean),
                "The mean of the distribution the next batch comes from.",
            ),
            (
                "Running − data",
                f"{ro.lag:+.2f} σ".replace("-", "−"),
                "(running_mean − the data's mean) in units of the data's std: 0 "
                "when the estimate is up to date, negative when it lags below.",
            ),
            (
                "Var ÷ truth",
                fmt(ro.var_ratio),
                "running_var / the data's variance: 1 when the estimate is right.",
            ),
        ]
    )
    p.caption(T.STREAM_CAPTION + f" num_batches_tracked = {ro.num_batches_tracked}.")
    if s.norm != "batch":
        p.caption(T.STREAM_NOT_BN.format(name=FAMILY_NAMES[s.norm]))
    if s.batch == 1:
        p.callout("warning", T.STREAM_ONE)
    if view.torch_diff is None:
        p.caption(T.TORCH_CHECK_ONE)
    else:
        p.caption(
            T.TORCH_CHECK.format(
                features=s.features,
                momentum="None" if s.momentum is None else f"{s.momentum:g}",
                steps=MAX_STEPS,
                diff=f"{view.torch_diff:.1e}" if view.torch_diff else "0",
            )
        )


def _compare_head(p: Panel, view: LiveView) -> None:
    s = view.state
    p.heading(T.COMPARE_TITLE)
    p.text(T.COMPARE_INTRO.format(next=s.step + 1, step=s.step))
    if s.step == 0 and s.norm == "batch":
        p.caption(T.COMPARE_FRESH)


def _pickers(view: LiveView) -> None:
    ss = st.session_state
    s = view.state
    n, f = s.focus
    ss[K("pick_n")], ss[K("pick_f")] = n, f  # before the widgets: follow clicks
    row = st.container(horizontal=True, gap="medium")
    row.number_input(
        "Example",
        0,
        s.batch - 1,
        step=1,
        key=K("pick_n"),
        on_change=_focus_from_pickers,
        help=T.HELP["pick_n"],
        width=140,
    )
    row.number_input(
        "Feature",
        0,
        s.features - 1,
        step=1,
        key=K("pick_f"),
        on_change=_focus_from_pickers,
        help=T.HELP["pick_f"],
        width=140,
    )


def _exact(v: float) -> str:
    return "0 exactly" if v == 0 else fmt(v, small=True)


def _compare_body(p: Panel, view: LiveView) -> None:
    s, comp = view.state, view.comparison
    figs = dict(matrix_figures(comp, s.focus))
    p.figures(
        [
            Chart(key, figs[key], f"{key}-mode-heatmap", clickable=True, focus=s.focus)
            for key in ("train", "eval", "input", "diff")
        ],
        cols=2,
    )
    f = s.focus[1]
    p.metrics(
        [
            ("Largest |eval − train|", _exact(comp.max_diff), "Over the whole batch."),
            (
                f"Eval mean, feature {f}",
                fmt(view.eval_col[0]),
                f"Mean of feature {f}'s outputs over the batch in eval mode. In "
                f"train mode it is {fmt(view.train_col[0])}.",
            ),
            (
                f"Eval std, feature {f}",
                fmt(view.eval_col[1]),
                f"Their standard deviation in eval mode (train mode: "
                f"{fmt(view.train_col[1])}). 0 and 1 only if the running statistics "
                "match this batch.",
            ),
            (
                "Largest |alone − eval|",
                _exact(comp.max_alone_diff),
                "Each example served alone in train mode, against its eval output.",
            ),
        ]
    )
    if s.norm != "batch" and comp.max_diff == 0:
        p.callout("success", T.SAME_EXACTLY.format(name=FAMILY_NAMES[s.norm]))
    rows = []
    for fam in PAGE_FAMILIES:
        c = view.families[fam]
        keeps = "yes: eval differs" if fam == "batch" else "none"
        rows.append(
            [FAMILY_NAMES[fam], keeps, _exact(c.max_diff), _exact(c.max_alone_diff)]
        )
    p.table(
        [
            "Family",
            "Running statistics",
            "Largest |eval − train|",
            "Largest |served alone − eval|",
        ],
        rows,
        align="llrr",
    )
    p.caption(T.FAMILIES_CAPTION)
    seen = set()
    for note in (*comp.train.notes, *comp.eval.notes):
        if note.code not in seen:
            seen.add(note.code)
            p.caption(note.message)


def _serving(p: Panel, view: LiveView) -> None:
    s, comp = view.state, view.comparison
    n = s.focus[0]
    p.heading(T.SERVE_TITLE)
    p.text(T.SERVE_INTRO.format(n=n))
    x = comp.x[n]
    in_train = comp.train.output.numpy()[n]
    in_eval = comp.eval.output.numpy()[n]
    p.table(
        [
            "Feature",
            "x",
            "Train, in its batch",
            "**Train, alone**",
            "Eval, in its batch",
            "**Eval, alone**",
        ],
        [
            [
                str(f),
                fmt(float(x[f])),
                fmt(float(in_train[f])),
                f"**{fmt(float(comp.alone_train[n, f]))}**",
                fmt(float(in_eval[f])),
                f"**{fmt(float(comp.alone_eval[n, f]))}**",
            ]
            for f in range(s.features)
        ],
        align="rrrrrr",
    )
    if s.norm == "batch":
        p.text(T.SERVE_BN)
    else:
        p.text(T.SERVE_OTHER.format(name=FAMILY_NAMES[s.norm]))


def _variance(p: Panel, view: LiveView) -> None:
    v = view.variance
    p.heading(T.VAR_TITLE)
    p.formula(T.VAR_FORMULA)
    if v is None:
        p.caption(T.VAR_NONE)
        return
    if v.unbiased is None:
        p.text(T.VAR_ONE.format(step=v.step, f=v.feature, before=fmt(v.var_before)))
        return
    nbt = int(view.trace.num_batches_tracked[v.step])
    m = f"1/{nbt}" if v.cumulative else fmt(v.factor)
    p.text(
        T.VAR_BODY.format(
            step=v.step,
            f=v.feature,
            n=v.n,
            mean=fmt(v.mean),
            ss=fmt(v.sum_sq),
            biased=fmt(v.biased),
            unbiased=fmt(v.unbiased),
            ratio=fmt(v.n / (v.n - 1)),
            m=m,
            before=fmt(v.var_before),
            after=fmt(v.var_after),
            mbefore=fmt(v.mean_before),
            mafter=fmt(v.mean_after),
        )
    )
    if v.cumulative:
        p.caption(T.VAR_CUMULATIVE.format(nbt=nbt, step=v.step))
    p.caption(T.VAR_WHY)


# ---- the classifier ----


def _pct(s: Score, metric: str) -> str:
    return f"{s.auc:.3f}" if metric == "auc" else f"{s.accuracy:.1%}"


def _with_progress(ready: bool, compute: Any) -> Any:
    """Run ``compute(progress)`` under a progress bar unless it is memoized."""
    if ready:
        return compute(None)
    bar = st.progress(0.0, text=T.TRAINING)
    try:
        return compute(
            lambda f, text: bar.progress(
                min(max(float(f), 0.0), 1.0),
                text=T.PROGRESS.get(text, text),  # a worker's queue words as they are
            )
        )
    finally:
        bar.empty()


@st.fragment
def classifier() -> None:
    """The pitfalls, measured on the small classifier; its own controls."""
    preload()  # the default view's numbers, shipped: no training on a first visit
    st.subheader(T.CLASSIFIER_TITLE, divider="gray", anchor=False)
    s = _current()
    st.markdown(T.CLASSIFIER_INTRO.format(seed=s.cseed))
    st.segmented_control(
        "Pitfall",
        PITFALLS,
        format_func=T.PITFALL_LABELS.get,
        key=K("pitfall"),
        required=True,
        help=T.HELP["pitfall"],
    )
    cols = st.columns([1.3, 2, 1], vertical_alignment="bottom", gap="medium")
    cols[0].segmented_control(
        "Score",
        METRICS,
        format_func=T.METRIC_LABELS.get,
        key=K("metric"),
        required=True,
        help=T.HELP["metric"],
    )
    spec = NUMERIC["cshift"]
    cols[1].slider(
        "Shift of the new data (std)",
        spec.lo,
        spec.hi,
        step=spec.step,
        key=K("cshift"),
        disabled=s.pitfall == "eval",
        help=T.HELP["cshift"],
    )
    cols[2].number_input(
        "Classifier seed",
        int(NUMERIC["cseed"].lo),
        int(NUMERIC["cseed"].hi),
        step=1,
        key=K("cseed"),
        help=T.HELP["cseed"],
    )
    s = _current()
    if s.pitfall == "eval":
        _eval_pitfall(s)
    elif s.pitfall == "stale":
        _stale_pitfall(s)
    else:
        _finetune_pitfall(s)
    _commit()


def _eval_pitfall(s: TrainEvalState) -> None:
    ready = all(is_ready("serving", fam, s.cseed) for fam in PAGE_FAMILIES)

    def compute(progress: Any) -> dict[str, ServingCosts]:
        out = {}
        for i, fam in enumerate(PAGE_FAMILIES):
            part = (
                None
                if progress is None
                else (lambda f, t, i=i: progress((i + f) / len(PAGE_FAMILIES), t))
            )
            out[fam] = serving_costs(fam, s.cseed, part)
        return out

    costs = _with_progress(ready, compute)
    figure(
        serving_figure(costs, s.metric), K("chart_serving"), f"serving-seed{s.cseed}"
    )
    bn = costs["batch"]
    size = {b: i for i, b in enumerate(bn.sizes)}
    m = _row()
    _metric(m, "Eval mode", _pct(bn.eval[0], s.metric), help="Any batch size.")
    _metric(
        m,
        "Train mode, batch 1",
        _pct(bn.train[size[1]], s.metric),
        help="torch raises here; the engine's answer: every BatchNorm output is β.",
    )
    _metric(m, "Train mode, batch 8", _pct(bn.train[size[8]], s.metric))
    _metric(m, "Train mode, batch 64", _pct(bn.train[size[64]], s.metric))
    st.markdown(
        T.EVAL_BODY.format(
            one=_pct(bn.train[size[1]], s.metric),
            error=bn.torch_error or T.EVAL_NO_ERROR,
            eight=_pct(bn.train[size[8]], s.metric),
            sixtyfour=_pct(bn.train[size[64]], s.metric),
            eval=_pct(bn.eval[0], s.metric),
            layer=_pct(costs["layer"].eval[0], s.metric),
            rms=_pct(costs["rms"].eval[0], s.metric),
        )
    )
    st.markdown(T.EVAL_SORTED.format(sorted=_pct(bn.sorted_train, s.metric)))


def _stale_pitfall(s: TrainEvalState) -> None:
    costs: StaleCosts = _with_progress(
        is_ready("stale", s.cseed), lambda p: stale_costs(s.cseed, p)
    )
    figure(
        stale_figure(costs, s.cshift, s.metric),
        K("chart_stale"),
        f"stale-seed{s.cseed}",
    )
    i = min(range(len(costs.shifts)), key=lambda k: abs(costs.shifts[k] - s.cshift))
    m = _row()
    _metric(m, "Stale statistics", _pct(costs.stale[i], s.metric))
    _metric(m, "Re-estimated", _pct(costs.recalibrated[i], s.metric))
    _metric(m, "LayerNorm model", _pct(costs.layer[i], s.metric))
    if s.cshift == 0:
        st.caption(T.STALE_ZERO)
    st.markdown(
        T.STALE_BODY.format(
            shift=fmt(s.cshift),
            stale=_pct(costs.stale[i], s.metric),
            adapt=N_ADAPT,
            recal=_pct(costs.recalibrated[i], s.metric),
            batch=_pct(costs.batch_stats[i], s.metric),
            layer=_pct(costs.layer[i], s.metric),
            rms=_pct(costs.rms[i], s.metric),
        )
    )
    st.caption(T.STALE_CAVEAT)


def _finetune_pitfall(s: TrainEvalState) -> None:
    costs: FinetuneCosts = _with_progress(
        is_ready("finetune", s.cseed, s.cshift),
        lambda p: finetune_costs(s.cseed, s.cshift, p),
    )
    figure(
        finetune_figure(costs, s.metric),
        K("chart_finetune"),
        f"finetune-seed{s.cseed}",
    )
    metric = s.metric
    st.markdown(
        T.FINETUNE_BODY.format(
            examples=FT_EXAMPLES,
            shift=fmt(s.cshift),
            steps=FT_STEPS,
            before_new=_pct(costs.before_new, metric),
            before_old=_pct(costs.before_old, metric),
        )
    )
    b = 4 if 4 in costs.batches else costs.batches[0]
    i = costs.batches.index(b)
    up_new, fr_new = costs.new["update"][i], costs.new["frozen"][i]
    st.markdown(
        T.FINETUNE_RESULT.format(
            batch=b,
            up_new=_pct(up_new, metric),
            up_old=_pct(costs.old["update"][i], metric),
            fr_new=_pct(fr_new, metric),
            fr_old=_pct(costs.old["frozen"][i], metric),
            re_new=_pct(costs.recal_new, metric),
            re_old=_pct(costs.recal_old, metric),
        )
    )
    gap = up_new.accuracy - fr_new.accuracy
    if abs(gap) < 0.01:
        verdict = T.FINETUNE_VERDICT_TIE.format(gap=f"{abs(gap):.1%}")
    elif gap > 0:
        verdict = T.FINETUNE_VERDICT_UPDATE
    else:
        verdict = T.FINETUNE_VERDICT_FROZEN.format(batch=b)
    st.markdown(verdict)
    st.caption(
        T.FINETUNE_SMALLEST.format(
            small=costs.batches[0],
            small_new=_pct(costs.new["update"][0], metric),
            large=costs.batches[-1],
            large_new=_pct(costs.new["update"][-1], metric),
        )
    )


# ---- side panel ----


@st.fragment(key=SIDE_FRAGMENT)
def side() -> None:
    """The side panel as a fragment: a stream control's move reruns it with
    ``live`` (its note names the momentum and the batch size), not the page."""
    side_panel(_current())


def side_panel(state: TrainEvalState) -> None:
    st.markdown(T.SIDE_WHAT)
    st.latex(T.FORMULA_TRAIN)
    st.latex(T.FORMULA_EVAL)
    st.latex(T.FORMULA_UPDATE)
    st.caption(
        f"{T.FORMULA_NOTE} Here: momentum {momentum_label(state.momentum)}, "
        f"N = {state.batch}, ε = 1e-5, γ = 1, β = 0."
    )
    tabs = st.tabs(["Why it matters", "Momentum", "Checklist"])
    tabs[0].markdown(T.SIDE_WHY)
    tabs[1].markdown(T.MOMENTUM_TAB)
    tabs[2].markdown(T.CHECKLIST_TAB)
