"""The Lab page's Streamlit: its controls, the board fragment and the side panel.
Numbers come from `lab.board.model`, pictures from `lab.board.figures`.

The heatmaps and their readouts are one canvas component (heatmaps.js):
``st.plotly_chart`` remounts a chart whenever its figure changes, and moving the
outline changes the figure, so every click redrew both heatmaps from scratch;
the component draws the cells in well under a millisecond, moves the outline
the moment a cell is clicked and sends the focus here (docs/streamlit.md).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lab.board.export import matrix_csv, stats_csv, torch_snippet
from lab.board.figures import board_panels
from lab.board.model import (
    WARMUP_BATCH,
    WARMUP_MOMENTUM,
    WARMUP_STEPS,
    Board,
    build_board,
)
from lab.board.questions import QUIZ
from lab.board.state import BOARD_FAMILIES, EPS_CHOICES, PAGE, BoardState
from lab.board.texts import HELP, RUNNING_SOURCE
from lab.core.families import AXIS_SENTENCE, CHEAT_SHEETS, COUPLING, FORMULAS
from lab.core.families import TRAIN_EVAL as TRAIN_EVAL_NOTE
from lab.core.helpers import divisors
from lab.core.norms import FAMILY_NAMES
from lab.ui.components import component
from lab.ui.controls import sections
from lab.ui.page import Page

JS = tuple(Path(__file__).with_name(n) for n in ("heatmaps.js", "readouts.js"))
"""The canvas component's files: the heatmaps (and the entry), the readouts."""
BOARD = "lab.board"
GROUPS = "lab.groups-control"
EXPORT = "lab.export"
HEATMAPS = "lab.heatmaps"


def _sidebar_view(state: BoardState) -> tuple:
    """What the sidebar and the scenario line show beyond the controls' own
    values: the scenario, and the mode ("shift since training" is enabled in
    eval; the side panel's BatchNorm formula follows it)."""
    return (state.scenario, state.training)


page: Page[BoardState] = Page(
    "lab", PAGE, HELP, body=(BOARD,), sidebar_view=_sidebar_view, quiz=QUIZ
)


def controls() -> None:
    """The Lab's controls (drawn in a fragment: `Page.sidebar`)."""
    page.scenario_picker()
    page.choice("norm", "Normalization", BOARD_FAMILIES, FAMILY_NAMES)
    page.choice("mode", "Mode", ("train", "eval"), str.capitalize)
    page.slider("batch", "Batch size")
    page.slider("features", "Features")
    groups = st.container()  # drawn by groups_control
    page.slider("stale", "Shift since training (eval)")  # off in train
    with st.expander("Data: distribution shift", expanded=True):
        page.slider("shift", "Per-feature mean shift")
        page.slider("drift", "Per-feature scale drift")
        page.slider("offset", "Per-example offset")
        page.slider("spread", "Per-example scale spread")
        page.slider("outlier", "Outlier example (×)")
        page.seed()
    with st.expander("Layer: γ, β, ε", expanded=False):
        page.slider("gamma", "γ (scale)")
        page.slider("beta", "β (shift)")  # off for RMSNorm: family_bound
        page.steps(
            "eps", "ε", EPS_CHOICES, lambda e: "default" if e is None else f"{e:g}"
        )
    page.choice(
        "colors",
        "Colour range",
        ("shared", "own"),
        {"shared": "Shared", "own": "Each its own"},
    )
    groups_control(groups)


groups_control = page.divisor_control(
    GROUPS,
    "groups",
    "Groups (GroupNorm)",
    lambda s: divisors(s.features),
    "1 feature",
)


def family_bound(state: BoardState) -> dict[str, bool]:
    """The sidebar controls that only some families (or only eval) use, and
    whether each is off for this view (switched off in the browser:
    `lab.ui.page.Page.off`). The stale shift was drawn with ``disabled=``, which
    left its label dimmed below AA contrast with nothing to tell a screen
    reader why; switched off, it is announced as unavailable."""
    return page.off(
        {
            "beta": state.norm == "rms",  # torch.nn.RMSNorm has no bias
            "groups": state.norm != "group",
            "stale": state.training,  # running statistics matter in eval only
        }
    )


def heatmaps(board: Board) -> None:
    """Raw and normalized heatmaps side by side and the readouts for the focused
    cell; clicking a cell moves the focus."""
    component("normlab_heatmaps", *JS)(
        key=HEATMAPS,
        data={**board_panels(board), "off": family_bound(board.state)},
        default={"focus": list(board.state.focus)},
        on_focus_change=lambda: page.focus_from(HEATMAPS),
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
    (KaTeX, and tabs then). The mode changes the BatchNorm formula; moving it
    reruns the whole page.
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
    parts = sections(["Cheat sheet", "Coupling", "Train/eval"])
    with parts[0]:
        for norm in BOARD_FAMILIES:
            sheet = CHEAT_SHEETS[norm]
            st.container(key=f"lab-sheet-{norm}").markdown(
                f"**Why it exists.** {sheet.why}\n\n"
                f"**Where you'll see it.** {sheet.where}\n\n"
                f"**Choose it when.** {sheet.choose_when}\n\n"
                f"**Watch out for.** {sheet.watch_out}"
            )
    parts[1].markdown(COUPLING)
    parts[2].markdown(TRAIN_EVAL_NOTE)


@page.fragment(EXPORT, commit=False)
def export_menu() -> None:
    """The downloads for the view as it is when the popover opens, beside
    "Share this view" and outside the board fragment: redrawing the two
    popover buttons on every move cost ~12 ms in the browser (64×64).

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
        board = build_board(page.state())
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
    if st.toggle(
        "Show the PyTorch code for this view",
        key="lab.show_code",
        help=HELP["show_code"],
    ):
        st.caption(
            "Rebuilds this input with numpy and normalizes it with torch.nn: "
            "its y equals the heatmap on the right."
        )
        st.code(torch_snippet(board.state), language="python")


@page.fragment(BOARD)
def board_panel() -> None:
    """Everything that depends on the focused cell, as one fragment: a click on
    a heatmap reruns only this, not the sidebar and the side panel, so the
    browser redraws just what changed."""
    board = build_board(page.state())
    heatmaps(board)  # with the readouts under them (lab.board.figures.readout_panel)
    diagnosis(board)
    code_panel(board)


def body(state: BoardState) -> None:
    """The board and, beside it, every family's side panel."""
    main, side = st.columns([7, 3], gap="large")
    with main:
        board_panel()
    with side:
        side_panel(state)
