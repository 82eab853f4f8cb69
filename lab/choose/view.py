"""The Choose a norm page's Streamlit: the flow's questions in the sidebar, the
recommendation, the tables and pitfalls, the cost calculator and the cheat
sheet, on the page kit (`lab.ui.page.Page`).

Two fragments keep moves local: ``flow`` (the recommendation; a question
answered in the sidebar reruns it alone) and ``cost`` (the calculator, whose
controls sit inside it and rerun it alone). The tables, the pitfalls and the
cheat sheet depend on no setting: a full run draws them once.
"""

from __future__ import annotations

import streamlit as st

from lab.choose import cheatsheet
from lab.choose import texts as T
from lab.choose.cost import KINDS, PRESETS, preset_of
from lab.choose.flow import ARCH_NAMES, ARCHS
from lab.choose.panels import cost_panel, flow_panel, pitfalls_panel, tables_panel
from lab.choose.questions import QUIZ
from lab.choose.state import (
    MAX_COUNT,
    MAX_HIDDEN,
    MAX_SEQ,
    MAX_SIDE,
    PAGE,
    YES_NO,
    ChooseState,
)
from lab.ui.page import Page
from lab.ui.panel import show
from lab.ui.present import stage

PREFIX = "choose"
FLOW, COST = f"{PREFIX}.flow", f"{PREFIX}.cost"
CHEAT = f"{PREFIX}.cheatsheet"
"""The cheat sheet's key: its container's class is what the print stylesheet
keeps (assets/style.css)."""

page: Page[ChooseState] = Page(PREFIX, PAGE, T.HELP, body=(FLOW,), quiz=QUIZ)
KIND_LABELS = {"tokens": "Transformer tokens", "conv": "Conv feature map"}


def _count(name: str, label: str, top: int = MAX_COUNT, **kw: object) -> None:
    """A whole-number input over one setting (its help from the texts)."""
    kw.setdefault("on_change", page.changed)
    st.number_input(label, 1, top, step=1, key=page.key(name), help=T.HELP[name], **kw)


def controls() -> None:
    """The flow's questions (drawn in a fragment: `Page.sidebar`)."""
    page.scenario_picker()
    page.choice("arch", "Architecture", ARCHS, ARCH_NAMES)
    page.choice("ragged", "Sequences of variable length?", YES_NO, str.capitalize)
    page.choice("serve", "Serving at batch size 1?", YES_NO, str.capitalize)
    _count("per_device", "Examples per device")
    _count("devices", "Devices")


def body(state: ChooseState) -> None:
    """The recommendation, the tables and pitfalls, the calculator, the sheet.
    Each fragment reads the state itself: its reruns have no page run to pass
    it one."""
    flow()
    show(tables_panel(), page.key("tables"))
    show(pitfalls_panel(), page.key("pitfalls"))
    cost()
    cheat_sheet()


@page.fragment(FLOW)
def flow() -> None:
    with stage():  # a presenter's first screen (lab/ui/present.py)
        show(flow_panel(page.state()), page.key("flow_panel"))


def _apply_preset() -> None:
    """A preset picked: its layer's values into the calculator's controls."""
    name = st.session_state[page.key("preset")]
    if name not in PRESETS:
        return
    layer = PRESETS[name][1]
    for setting, value in (
        ("kind", layer.kind),
        ("cbatch", layer.batch),
        ("seq", layer.seq),
        ("height", layer.height),
        ("width", layer.width),
        ("hidden", layer.hidden),
        ("groups", layer.groups),
        ("cdevices", layer.devices),
    ):
        page.set(setting, value)


@page.fragment(COST)
def cost() -> None:
    """The calculator: its controls have no ``on_change`` of the page's, so a
    move reruns this fragment alone (nothing else depends on them)."""
    st.subheader(T.COST_TITLE, divider="gray", anchor=False)
    st.markdown(T.COST_INTRO)
    s = page.state()
    page.set("groups", s.groups)  # the nearest divisor, before the widget
    st.session_state[page.key("preset")] = preset_of(s.layer)
    st.selectbox(
        "Preset",
        ("custom", *PRESETS),
        format_func=lambda k: "Your layer" if k == "custom" else PRESETS[k][0],
        key=page.key("preset"),
        on_change=_apply_preset,
        help=T.HELP["preset"],
    )
    row = st.container(horizontal=True, gap="small")
    with row:
        page.choice("kind", "Layer", KINDS, KIND_LABELS, on_change=None)
    row = st.container(horizontal=True, gap="small")
    with row:
        _count("cbatch", "Batch N", on_change=None, width=130)
        if s.kind == "tokens":
            _count("seq", "Sequence T", MAX_SEQ, on_change=None, width=130)
        else:
            _count("height", "Height H", MAX_SIDE, on_change=None, width=130)
            _count("width", "Width W", MAX_SIDE, on_change=None, width=130)
        _count("hidden", "Channels C", MAX_HIDDEN, on_change=None, width=130)
        if s.kind == "conv":
            _count("groups", "Groups G", MAX_HIDDEN, on_change=None, width=130)
        _count("cdevices", "Devices D", on_change=None, width=130)
    show(cost_panel(page.state()), page.key("cost_panel"))


def cheat_sheet() -> None:
    st.subheader(T.CHEAT_TITLE, divider="gray", anchor=False)
    st.caption(T.CHEAT_INTRO)
    st.download_button(
        "Download the cheat sheet (Markdown)",
        cheatsheet.markdown(),
        file_name="normalization-cheat-sheet.md",
        mime="text/markdown",
        on_click="ignore",
        icon=":material/download:",
        help="The sheet below as a Markdown file.",
    )
    show(cheatsheet.panel(), CHEAT)
