"""Tensor view: Wu & He's (N, C, H·W) cube, live. Controls → lab.tensor → figures."""

import streamlit as st

from lab.tensor import build_view
from lab.texts.tensor import INTRO
from lab.ui import tensor_view as view
from lab.ui.sync import share_view

state, note = view.sidebar()
tv = build_view(state)

st.title("Tensor view", anchor=False)
st.markdown(INTRO)
share_view("tensor.share", "same tensor, same cell")
view.scenario_line(state, note)
view.pickers(state)
view.cubes(tv)
view.equivalences(tv)
view.counts(tv)
main, side = view.split()
with main:
    view.unfolded(tv)
with side:
    view.side_panel(tv)
view.pitfall(tv)
view.SYNC.end(state)
