"""Lab: the normalization board. Controls → lab.board → heatmaps, readouts, words."""

import streamlit as st

from lab.texts.board import INTRO
from lab.ui import board_view as view

state, note = view.sidebar()

st.title("Normalization Lab", anchor=False)
st.markdown(INTRO)
view.share_and_export()
view.scenario_line(state, note)
main, side = st.columns([7, 3], gap="large")
with main:
    view.board_panel()  # a fragment: most moves rerun only this part
with side:
    view.side_panel(state)  # every family's part; CSS shows the board's family
