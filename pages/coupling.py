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
view.SYNC.end(state)  # before the slow part: see lab.ui.sync.UrlState.end
view.body()
