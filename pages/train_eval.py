"""Train vs eval: BatchNorm's two modes, a drifting stream, and what they cost."""

import streamlit as st

from lab.texts.train_eval import INTRO, TITLE
from lab.ui import train_eval_view as view

state, note = view.sidebar()

st.title(TITLE)
st.markdown(INTRO)
view.scenario_line(state, note)
main, side = st.columns([7, 3], gap="large")
with main:
    view.live()
    view.classifier()
with side:
    view.side_panel(state)
view.finish()
