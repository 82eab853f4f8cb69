"""Batch coupling: who else is in the room. Controls → lab.coupling* → charts, words."""

import streamlit as st

from lab.texts.coupling import INTRO, TITLE
from lab.ui import coupling_view as view
from lab.ui.sync import share_view

state, note = view.begin()
st.title(TITLE, anchor=False)
st.markdown(INTRO)
view.view_switch()
state = view.sidebar(state)
view.scenario_line(state, note)
share_view("coupling.share", "the same batch, example and panel")
main, side = st.columns([7, 3], gap="large")
with main:
    view.main_panel(state)
with side:
    view.side_panel(state)
view.SYNC.end(state)
