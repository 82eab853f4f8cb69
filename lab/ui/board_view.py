"""The main page's Streamlit widgets and drawing. Numbers come from `lab.board`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from lab.board import (
    WARMUP_BATCH,
    WARMUP_MOMENTUM,
    WARMUP_STEPS,
    Board,
    build_board,
    fmt,
)
from lab.export import matrix_csv, stats_csv, torch_snippet
from lab.norms import FAMILY_NAMES
from lab.scenarios import SCENARIO_BY_KEY
from lab.state import (
    BOARD_FAMILIES,
    EPS_CHOICES,
    KEEP_ON_PICK,
    MAX_SEED,
    NUMERIC,
    BoardState,
    clean,
    divisors,
    matches_scenario,
    parse,
    scenario_base,
    to_params,
)
from lab.texts.board import HELP, RUNNING_SOURCE
from lab.texts.families import (
    AXIS_SENTENCE,
    CHEAT_SHEETS,
    COUPLING,
    FORMULAS,
    SET_NAME,
    TRAIN_EVAL,
)
from lab.ui.heatmaps import heatmap_pair
from lab.ui.sync import UrlState, link_note_and_scenario, share_url

SYNC: UrlState[BoardState] = UrlState("lab", BoardState, parse, to_params)
K = SYNC.key


def _apply_scenario() -> None:
    """Scenario picked: set every control the scenario fixes, keep the seed."""
    ss = st.session_state
    key = ss[K("scenario")]
    if key == "custom":
        return
    current = SYNC.read()
    keep = {n: getattr(current, n) for n in KEEP_ON_PICK}
    SYNC.write(clean(replace(scenario_base(key), **keep)))


def _focus_from_component() -> None:
    """A heatmap cell was clicked: move the focus there."""
    value = st.session_state.get("lab.heatmaps") or {}
    focus = value.get("focus") if hasattr(value, "get") else None
    if isinstance(focus, list | tuple) and len(focus) == 2:
        st.session_state[K("focus")] = (int(focus[0]), int(focus[1]))


def _slider(name: str, label: str, **kw: Any) -> None:
    spec = NUMERIC[name]
    lo, hi, step = spec.lo, spec.hi, spec.step
    if spec.integer:
        lo, hi, step = int(lo), int(hi), int(step)
    st.slider(label, lo, hi, step=step, key=K(name), help=HELP[name], **kw)


def sidebar() -> tuple[BoardState, str | None]:
    """Draw the controls; return the state they describe and any note on the URL."""
    note = SYNC.begin()
    ss = st.session_state
    state = clean(SYNC.read())
    if state.scenario != "custom" and not matches_scenario(state, state.scenario):
        state = replace(state, scenario="custom")
    SYNC.write(state)  # before any widget exists: groups, focus, scenario fixed up

    with st.sidebar:
        st.selectbox(
            "Scenario",
            ("custom", *SCENARIO_BY_KEY),
            format_func=lambda k: (
                "Custom" if k == "custom" else SCENARIO_BY_KEY[k].title
            ),
            key=K("scenario"),
            on_change=_apply_scenario,
            help=HELP["scenario"],
        )
        st.segmented_control(
            "Normalization",
            BOARD_FAMILIES,
            format_func=FAMILY_NAMES.get,
            key=K("norm"),
            required=True,
            help=HELP["norm"],
        )
        st.segmented_control(
            "Mode",
            ("train", "eval"),
            format_func=str.capitalize,
            key=K("mode"),
            required=True,
            help=HELP["mode"],
        )
        _slider("batch", "Batch size")
        _slider("features", "Features")
        options = divisors(state.features)
        if len(options) > 1:
            st.select_slider(
                "Groups (GroupNorm)",
                options,
                key=K("groups"),
                disabled=state.norm != "group",
                help=HELP["groups"],
            )
        else:
            st.caption("Groups (GroupNorm): 1, the only divisor of 1 feature.")
        _slider(
            "stale",
            "Shift since training (eval)",
            disabled=state.training,
        )
        with st.expander("Data: distribution shift", expanded=True):
            _slider("shift", "Per-feature mean shift")
            _slider("drift", "Per-feature scale drift")
            _slider("offset", "Per-example offset")
            _slider("spread", "Per-example scale spread")
            _slider("outlier", "Outlier example (×)")
            st.number_input(
                "Seed", 0, MAX_SEED, step=1, key=K("seed"), help=HELP["seed"]
            )
        with st.expander("Layer: γ, β, ε", expanded=False):
            _slider("gamma", "γ (scale)")
            _slider("beta", "β (shift)", disabled=state.norm == "rms")
            st.select_slider(
                "ε",
                EPS_CHOICES,
                format_func=lambda e: "default" if e is None else f"{e:g}",
                key=K("eps"),
                help=HELP["eps"],
            )
        st.segmented_control(
            "Colour range",
            ("shared", "own"),
            format_func={"shared": "Shared", "own": "Each its own"}.get,
            key=K("colors"),
            required=True,
            help=HELP["colors"],
        )
    if len(options) == 1:
        ss[K("groups")] = 1
    return clean(SYNC.read()), note


def heatmaps(board: Board) -> None:
    """Raw and normalized heatmaps side by side; clicking a cell moves the focus."""
    heatmap_pair(board, "lab.heatmaps", _focus_from_component)


def readouts(board: Board) -> None:
    s, ro = board.state, board.readouts
    r, c = s.focus
    set_name = SET_NAME[s.norm]
    what = {"batch": f"feature {c}", "group": f"example {r}'s group"}.get(
        s.norm, f"example {r}"
    )
    st.markdown(
        f"Focused cell: **example {r}, feature {c}**. Outlined: its {set_name} "
        f"({what}, {ro.pool_size} cells), every cell that shares its statistics. "
        "Click any cell to move the focus."
    )
    pairs = "RMS values" if s.norm == "rms" else "(μ, σ) pairs"
    metrics = (
        (
            "Raw std",
            ro.raw_std,
            f"Standard deviation of the raw values in the {set_name}.",
        ),
        ("Output mean", ro.out_mean, f"Mean of the outputs in the {set_name}."),
        (
            "Output std",
            ro.out_std,
            f"Standard deviation of the outputs in the {set_name}.",
        ),
        (f"Ex. {r} mean", ro.row_mean, f"Mean of example {r}'s outputs (its row)."),
        (f"Ex. {r} RMS", ro.row_rms, f"Root mean square of example {r}'s outputs."),
        (pairs, ro.num_stats, "How many statistics the layer computes for this input."),
    )
    for i, (label, value, help_text) in enumerate(metrics):
        if i % 3 == 0:
            cols = st.columns(3)
        shown = value if isinstance(value, int) else fmt(value)
        cols[i % 3].metric(label, shown, help=help_text)
    used = f"σ = {fmt(ro.stat_std)}"
    if ro.stat_mean is not None:
        used = f"μ = {fmt(ro.stat_mean)}, {used}"
    if s.norm == "rms":
        used = f"RMS = {fmt(ro.stat_std)}"
    source = (
        "running estimates from training"
        if board.result.from_running
        else (f"pooled over {ro.pool_size} cells")
    )
    badge = (
        ("Batch-coupled", "orange", "An example's output depends on its batch-mates.")
        if ro.coupled
        else ("Per-example", "green", "An example's output depends only on itself.")
    )
    b1, b2 = st.columns([1, 3])
    with b1:
        st.badge(badge[0], color=badge[1], help=badge[2])
    b2.caption(f"Statistics for the focused cell: {used} ({source}).")


def diagnosis(board: Board) -> None:
    d = board.diagnosis
    box = {"success": st.success, "info": st.info, "warning": st.warning}.get(
        d.level, st.error
    )
    box(f"**{d.title}.** {d.body}\n\n**Try next:** {d.try_next}")
    for note in board.result.notes:
        st.caption(note.message)


def side_panel(board: Board) -> None:
    s = board.state
    name = FAMILY_NAMES[s.norm]
    st.markdown(f"**{name}**: {AXIS_SENTENCE[s.norm]}.")
    eval_bn = s.norm == "batch" and not s.training
    st.latex(FORMULAS["batch_eval" if eval_bn else s.norm])
    if eval_bn:
        st.caption(
            RUNNING_SOURCE.format(
                steps=WARMUP_STEPS, batch=WARMUP_BATCH, momentum=WARMUP_MOMENTUM
            )
        )
    sheet = CHEAT_SHEETS[s.norm]
    tabs = st.tabs(["Cheat sheet", "Coupling", "Train/eval"])
    with tabs[0]:
        st.markdown(
            f"**Why it exists.** {sheet.why}\n\n"
            f"**Where you'll see it.** {sheet.where}\n\n"
            f"**Choose it when.** {sheet.choose_when}\n\n"
            f"**Watch out for.** {sheet.watch_out}"
        )
    tabs[1].markdown(COUPLING)
    tabs[2].markdown(TRAIN_EVAL)


def scenario_line(state: BoardState, note: str | None) -> None:
    """The link note and the scenario's sentence, in one container that is always
    there: an element appearing or vanishing above the heatmaps would shift their
    place in the page and make Streamlit mount them afresh."""
    with st.container():
        link_note_and_scenario(note, SCENARIO_BY_KEY.get(state.scenario))


def share_and_export(board: Board) -> None:
    """'Share this view' and the downloads, side by side under the title."""
    s = board.state
    row = st.container(horizontal=True)
    with row.popover("Share this view", icon=":material/share:"):
        st.caption("This link opens exactly this view: same numbers, same focus.")
        st.code(share_url(to_params(s)), language=None, wrap_lines=True)
    with row.popover("Export", icon=":material/download:"):
        stem = f"normlab-{s.norm}-{s.mode}-seed{s.seed}"
        files = (
            ("Raw matrix (CSV)", "raw", lambda: matrix_csv(board, "raw")),
            ("Normalized matrix (CSV)", "normalized", lambda: matrix_csv(board, "out")),
            ("Statistics (CSV)", "stats", lambda: stats_csv(board)),
        )
        for label, suffix, make in files:
            st.download_button(
                label,
                make,
                file_name=f"{stem}-{suffix}.csv",
                mime="text/csv",
                on_click="ignore",
                key=f"lab.download_{suffix}",
                icon=":material/table:",
            )
        st.download_button(
            "PyTorch code (.py)",
            lambda: torch_snippet(s),
            file_name=f"{stem}.py",
            mime="text/x-python",
            on_click="ignore",
            key="lab.download_code",
            icon=":material/code:",
        )
        st.caption("Figures: the camera icon above each heatmap saves a PNG.")


def code_panel(board: Board) -> None:
    """The PyTorch code for this view, drawn only when asked for: highlighting
    forty lines of code on every rerun would cost each click ~25 ms."""
    if st.toggle("Show the PyTorch code for this view", key="lab.show_code"):
        st.caption(
            "Rebuilds this input with numpy and normalizes it with torch.nn: "
            "its y equals the heatmap on the right."
        )
        st.code(torch_snippet(board.state), language="python")


@st.fragment
def board_panel() -> None:
    """Everything that depends on the focused cell, as one fragment.

    A click on a heatmap reruns only this fragment, not the sidebar and the side
    panel, so the browser redraws just what changed. The URL is written here
    because a fragment rerun never reaches the end of the page.
    """
    state = clean(SYNC.read())
    board = build_board(state)
    share_and_export(board)
    heatmaps(board)
    readouts(board)
    diagnosis(board)
    code_panel(board)
    SYNC.end(state)
