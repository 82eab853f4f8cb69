"""The Batch coupling page's Streamlit: its controls, the view switch, the body
fragment and the side panel, on the page kit (`lab.ui.page.Page`).

Only widgets and drawing live here; each view's charts, readouts and words are
built by `lab.coupling.panels` (pure) and shown as one panel, so a move redraws
one element (the probe: two, around its cell pickers).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lab.core.helpers import divisors
from lab.core.norms import FAMILY_NAMES
from lab.core.panel import Panel
from lab.coupling import texts as T
from lab.coupling.batches import MAX_DEVICES
from lab.coupling.model import FAMILIES
from lab.coupling.panels import RESAMPLING, probe_panels, values, view_panel
from lab.coupling.questions import QUIZ
from lab.coupling.state import PAGE, VIEWS, CouplingState, ghost_sizes
from lab.ui.page import Page
from lab.ui.panel import show
from lab.ui.present import stage
from lab.ui.progress import Progress

BODY = "coupling.body"
SWITCH = "coupling.view-switch"
GROUPS = "coupling.groups-control"
GHOST = "coupling.ghost-control"
DEVICES = "coupling.devices-control"
PROGRESS_AFTER = 0.25
"""Seconds of computing after which a progress bar appears (cached runs: none)."""

page: Page[CouplingState] = Page("coupling", PAGE, T.HELP, body=(BODY,), quiz=QUIZ)


def controls() -> None:
    """The experiment's controls (drawn in a fragment: `Page.sidebar`)."""
    page.scenario_picker()
    page.choice("norm", "Normalization", FAMILIES, FAMILY_NAMES)
    page.choice("mode", "Mode", ("train", "eval"), str.capitalize)
    page.slider("batch", "Batch size")
    page.slider("features", "Features")
    groups, ghost, devices = st.container(), st.container(), st.container()
    with st.expander("Data and experiment", expanded=True):
        page.slider("gap", "Class separation")
        page.slider("resamples", "Resamples")
        page.seed()
    groups_control(groups)
    ghost_control(ghost)
    devices_control(devices)


groups_control = page.divisor_control(
    GROUPS,
    "groups",
    "Groups (GroupNorm)",
    lambda s: divisors(s.features),
    "1 feature",
)
ghost_control = page.divisor_control(
    GHOST,
    "ghost",
    "Ghost / micro-batch size",
    lambda s: ghost_sizes(s.batch),
    "a batch of 1",
)


@page.option_fragment(DEVICES, lambda s: min(MAX_DEVICES, s.batch))
def devices_control(place: Any) -> None:
    """The number of devices, at most one per example: a batch-size move that
    changes the slider's range reruns it with the body, not the sidebar."""
    state = page.state()
    page.drawn(DEVICES, state)
    page.set("devices", state.devices)
    with place:
        if state.batch > 1:
            st.slider(
                "Devices",
                1,
                min(MAX_DEVICES, state.batch),
                step=1,
                key=page.key("devices"),
                on_change=page.changed,
                help=T.HELP["devices"],
            )
        else:
            st.caption("Devices: 1, a batch of 1 cannot be split.")


def switched_off(state: CouplingState) -> dict[str, bool]:
    """The controls only some views (or families) use, and whether each is off
    now: switched off in the browser by the view's panel (`Page.off`), so a
    view switch reruns the body alone, not the sidebar."""
    view = state.view
    return page.off(
        {
            "norm": view not in ("probe", "spread"),
            "mode": view != "probe" or state.norm != "batch",
            "ghost": view not in ("ghost", "accum"),
            "devices": view not in ("devices", "accum"),
            "resamples": view == "probe",
        }
    )


@page.fragment(SWITCH, commit=False)
def view_switch() -> None:
    """The view switch, in a fragment of its own for the reason the sidebar's
    controls are (`lab.ui.page.Page.sidebar`): the run a switch asks for is
    this fragment's, not the whole page's, and its callback puts the body's
    fragments in that run's place."""
    page.choice("view", "View", VIEWS, T.VIEW_LABELS, label_visibility="collapsed")


def main_panel(state: CouplingState) -> None:
    """The view's panel; the probe's lead, then its heatmap headed by its cell
    pickers: a click on the heatmap or a typed index nudges that cell."""
    off = switched_off(state)
    if state.view == "probe":
        lead, heat = probe_panels(state)
        show(lead, page.key("panel_lead"))
        heat = page.pickers(
            heat,
            state.focus,
            (state.batch, state.features),
            ("Nudged example", "Nudged feature"),
        )
        show(heat, page.key("panel_body"), on_click=page.focus_from_click, off=off)
        return
    label = RESAMPLING.get(state.view)
    if label is None:
        panel = view_panel(state)
    else:
        with Progress(label, after=PROGRESS_AFTER) as bar:
            panel = view_panel(state, bar.steps)
    show(panel, page.key("panel_body"), off=off)


def side_panel(state: CouplingState) -> None:
    """The view's words around its formula. Every view switch and control move
    sends them again: as five Streamlit Markdown elements, the browser parsed
    each anew (~5 ms of a view switch in a CPU profile); as two panels, it
    rewrites the paragraphs that changed. The formula stays Streamlit's
    (KaTeX)."""
    text = T.VIEWS[state.view]
    words = values(state)
    before, after = Panel(), Panel()
    before.text(T.SIDE_INTRO)
    before.text(f"**What you see.** {text.shows.format(**words)}")
    after.caption(text.formula_note.format(**words))
    after.text(f"**Why it matters.** {text.matters}")
    after.caption(T.DATA_NOTE.format(**words))
    show(before, page.key("side_before"))
    st.latex(text.formula)
    show(after, page.key("side_after"))


@page.fragment(BODY)
def body_fragment() -> None:
    """The view's panel and its side panel, as one fragment.

    A control's move (`Page.changed`), a view switch or a nudged cell (a click
    on the probe chart, its example and feature inputs) reruns only this: the
    sidebar, which does not depend on them, is not redrawn (each control costs
    the browser a few ms). The side panel follows the view, so it is inside.
    """
    state = page.state()
    main, side = st.columns([7, 3], gap="large")
    with main, stage():
        main_panel(state)
    with side:
        side_panel(state)


def body(state: CouplingState) -> None:
    """The view switch, outside the fragment (a rerun of the body must not
    redraw the switch that asked for it), then the body. ``state`` is the full
    run's; the fragment reads its own, since it also reruns alone."""
    view_switch()
    body_fragment()
