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
    parse,
    scenario_base,
    settle,
    to_params,
)
from lab.texts.board import HELP, RUNNING_SOURCE
from lab.texts.families import (
    AXIS_SENTENCE,
    CHEAT_SHEETS,
    COUPLING,
    FORMULAS,
    TRAIN_EVAL,
)
from lab.ui.controls import divisor_slider, range_slider
from lab.ui.fragments import draws_outside
from lab.ui.heatmaps import heatmap_pair
from lab.ui.sync import UrlState, forget_scenario, link_note_and_scenario, share_view

SYNC: UrlState[BoardState] = UrlState("lab", BoardState, parse, to_params)
K = SYNC.key


def _apply_scenario() -> None:
    """Scenario picked: set every control the scenario fixes, keep the seed."""
    ss = st.session_state
    key = ss[K("scenario")]
    if key == "custom":
        forget_scenario(SYNC)
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


BOARD_FRAGMENT = "lab.board"
GROUPS_FRAGMENT = "lab.groups-control"
_SIDEBAR_DRAWN = K("_sidebar_drawn")
_GROUPS_DRAWN = K("_groups_drawn")


def _sidebar_view(state: BoardState) -> tuple:
    """Everything the sidebar and the scenario line show beyond the controls'
    own values: while it is unchanged, a control's move need not redraw them."""
    return (
        state.scenario,
        state.training,  # "shift since training" disabled; the side panel's formula
    )


def _changed() -> None:
    """A control moved: rerun only the board unless the sidebar must change.

    A full rerun redraws every control in the sidebar, and Streamlit's browser
    side re-renders each one (~1.5–3 ms a control with its help tooltip on these
    machines; a slider forces a layout of the page, ~10 ms; bench/latency.py).
    Most moves change only what the board fragment draws: the heatmaps and
    readouts, which family's side panel shows and which family-bound controls
    are off (both switched in the browser from the board's own data, see
    `family_bound`). A move that changes the groups' options (the divisors of
    the feature count) reruns their fragment too (`groups_control`). What else
    the sidebar shows (the scenario becoming "Custom", "shift since training"
    enabled in eval, a note on the link) needs the whole page: ``st.rerun()``,
    also for the control a fragment draws, whose default would rerun it alone.
    """
    state = settle(SYNC.read())
    if st.session_state.get(_SIDEBAR_DRAWN) != (_sidebar_view(state), None):
        st.rerun()
    if st.session_state.get(_GROUPS_DRAWN) != _groups_view(state):
        st.rerun([GROUPS_FRAGMENT, BOARD_FRAGMENT])
    st.rerun(BOARD_FRAGMENT)


def _slider(name: str, label: str, **kw: Any) -> None:
    range_slider(label, NUMERIC[name], K(name), HELP[name], _changed, **kw)


def sidebar() -> tuple[BoardState, str | None]:
    """Draw the controls; return the state they describe and any note on the URL."""
    note = SYNC.begin()
    ss = st.session_state
    state = settle(SYNC.read())
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
            on_change=_changed,
            help=HELP["norm"],
        )
        st.segmented_control(
            "Mode",
            ("train", "eval"),
            format_func=str.capitalize,
            key=K("mode"),
            required=True,
            on_change=_changed,
            help=HELP["mode"],
        )
        _slider("batch", "Batch size")
        _slider("features", "Features")
        groups = st.container()  # drawn by groups_control
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
                "Seed",
                0,
                MAX_SEED,
                step=1,
                key=K("seed"),
                on_change=_changed,
                help=HELP["seed"],
            )
        with st.expander("Layer: γ, β, ε", expanded=False):
            _slider("gamma", "γ (scale)")
            _slider("beta", "β (shift)")  # off for RMSNorm: family_bound
            st.select_slider(
                "ε",
                EPS_CHOICES,
                format_func=lambda e: "default" if e is None else f"{e:g}",
                key=K("eps"),
                on_change=_changed,
                help=HELP["eps"],
            )
        st.segmented_control(
            "Colour range",
            ("shared", "own"),
            format_func={"shared": "Shared", "own": "Each its own"}.get,
            key=K("colors"),
            required=True,
            on_change=_changed,
            help=HELP["colors"],
        )
    groups_control(groups)
    ss[_SIDEBAR_DRAWN] = (_sidebar_view(state), note)
    return state, note


def _groups_view(state: BoardState) -> tuple[int, ...]:
    """What `groups_control` draws beyond the control's own value."""
    return tuple(divisors(state.features))


@st.fragment(key=GROUPS_FRAGMENT)
@draws_outside
def groups_control(place: Any) -> None:
    """The groups slider, with the divisors of the feature count as options.

    Drawn into its sidebar place by a fragment of its own (Streamlit 1.67 lets
    a fragment write into a container created outside it): a move that changes
    the options reruns this fragment and the board, not the sidebar.
    """
    state = clean(SYNC.read())
    st.session_state[_GROUPS_DRAWN] = _groups_view(state)
    st.session_state[K("groups")] = state.groups  # a valid divisor (clean)
    with place:
        divisor_slider(
            "Groups (GroupNorm)",
            divisors(state.features),
            K("groups"),
            HELP["groups"],
            of="1 feature",
            on_change=_changed,
        )


def family_bound(state: BoardState) -> dict[str, bool]:
    """The sidebar controls that only some families use, and whether each is
    off for this one, by the class Streamlit gives the control's container.

    They are switched off in the browser (assets/heatmaps.js: dimmed, inert),
    not drawn with ``disabled=``: redrawing a slider on a family switch cost
    ~10 ms in the browser (it forces a layout of the whole page).
    """
    return {
        "st-key-lab-beta": state.norm == "rms",  # torch.nn.RMSNorm has no bias
        "st-key-lab-groups": state.norm != "group",
    }


def heatmaps(board: Board) -> None:
    """Raw and normalized heatmaps side by side and the readouts for the focused
    cell; clicking a cell moves the focus."""
    heatmap_pair(
        board, "lab.heatmaps", _focus_from_component, family_bound(board.state)
    )


def diagnosis(board: Board) -> None:
    d = board.diagnosis
    box = {"success": st.success, "info": st.info, "warning": st.warning}.get(
        d.level, st.error
    )
    box(f"**{d.title}.** {d.body}\n\n**Try next:** {d.try_next}")
    for note in board.result.notes:
        st.caption(note.message)


def side_panel(state: BoardState) -> None:
    """The family's formula and cheat sheet, drawn for every family at once.

    Only the shown family's part is visible: the heatmap component names the
    family on ``<body>`` (``data-lab-norm``) and assets/style.css hides the
    others. So a family switch reruns the board fragment alone and the side
    panel follows without a rerun of its own, which cost ~20 ms in the browser
    (KaTeX, tabs).
    The mode changes the BatchNorm formula; moving it reruns the whole page.
    """
    for norm in BOARD_FAMILIES:
        with st.container(key=f"lab-side-{norm}"):
            st.markdown(f"**{FAMILY_NAMES[norm]}**: {AXIS_SENTENCE[norm]}.")
            eval_bn = norm == "batch" and not state.training
            st.latex(FORMULAS["batch_eval" if eval_bn else norm])
            if eval_bn:
                st.caption(
                    RUNNING_SOURCE.format(
                        steps=WARMUP_STEPS, batch=WARMUP_BATCH, momentum=WARMUP_MOMENTUM
                    )
                )
    tabs = st.tabs(["Cheat sheet", "Coupling", "Train/eval"])
    with tabs[0]:
        for norm in BOARD_FAMILIES:
            sheet = CHEAT_SHEETS[norm]
            st.container(key=f"lab-sheet-{norm}").markdown(
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
        link_note_and_scenario(note, SCENARIO_BY_KEY.get(state.scenario), SYNC)


EXPORT_FRAGMENT = "lab.export"


def share_and_export() -> None:
    """'Share this view' and the downloads, side by side under the title.

    Neither is part of the board fragment: redrawing the two popover buttons on
    every move cost ~12 ms in the browser (bench/latency.py, 64×64). The link is
    read from the address bar in the browser (`share_view`); the downloads are
    drawn by a fragment of their own when the popover opens (`export_menu`).
    """
    row = st.container(horizontal=True)
    with row:
        share_view("lab.share", "same numbers, same focus")
        export_menu()


@st.fragment(key=EXPORT_FRAGMENT)
def export_menu() -> None:
    """The downloads for the view as it is when the popover opens.

    Opening the popover reruns this fragment (``on_change="rerun"``), which
    draws the buttons for the current state, file names included; closed, it
    draws nothing, so moves elsewhere never touch it.
    """
    pop = st.popover(
        "Export", icon=":material/download:", key="lab.export_open", on_change="rerun"
    )
    with pop:
        st.caption("Downloads for this view.")
        if not pop.open:
            return
        board = build_board(clean(SYNC.read()))
        s = board.state
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
        st.caption("Figures: the PNG button on each heatmap saves it as drawn.")


def code_panel(board: Board) -> None:
    """The PyTorch code for this view, drawn only when asked for: highlighting
    forty lines of code on every rerun would cost each click ~25 ms."""
    if st.toggle("Show the PyTorch code for this view", key="lab.show_code"):
        st.caption(
            "Rebuilds this input with numpy and normalizes it with torch.nn: "
            "its y equals the heatmap on the right."
        )
        st.code(torch_snippet(board.state), language="python")


@st.fragment(key=BOARD_FRAGMENT)
def board_panel() -> None:
    """Everything that depends on the focused cell, as one fragment.

    A click on a heatmap reruns only this fragment, not the sidebar and the side
    panel, so the browser redraws just what changed. The URL is written here
    because a fragment rerun never reaches the end of the page.
    """
    state = clean(SYNC.read())
    board = build_board(state)
    heatmaps(board)  # with the readouts under them (lab.board.readout_panel)
    diagnosis(board)
    code_panel(board)
    SYNC.end(state)
