"""Tensor view: Wu & He's (N, C, H·W) cube, live. Controls → lab.tensor → canvas."""

import streamlit as st

from lab.texts.tensor import INTRO
from lab.ui import tensor_view as view
from lab.ui.sync import share_view

state, note = view.sidebar()

st.title("Tensor view", anchor=False)
st.markdown(INTRO)
share_view("tensor.share", "same tensor, same cell")
view.scenario_line(state, note)
# Containers in page order, filled by two fragments (lab/ui/tensor_view.py):
# a click reruns only the cells fragment, a new tensor both.
top, notes = st.container(), st.container()
main, side = view.split()
with main:
    place = st.container()
    view.unfolded_caption()
with side:
    view.side_panel()  # every family's part; CSS shows the canvas's family
head, live, code = st.container(), st.container(), st.container()
view.shape_part(notes, head, code)
view.cells_part(top, place, live)
