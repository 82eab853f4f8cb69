"""Train vs eval: BatchNorm's two modes, a drifting stream, and what they cost."""

import streamlit as st

from lab.texts.train_eval import INTRO, TITLE
from lab.ui import train_eval_view as view
from lab.ui.sync import share_view

state, note = view.sidebar()

st.title(TITLE, anchor=False)
st.markdown(INTRO)
view.scenario_line(state, note)
share_view("traineval.share", "the same stream, step, cell and pitfall")
main, side = st.columns([7, 3], gap="large")
with main:
    view.live()
    view.classifier()
with side:
    view.side()
view.finish()
