"""Lab: the normalization board. Controls → lab.board → heatmaps, readouts, words."""

import streamlit as st

from lab.board import build_board
from lab.ui import board_view as view

state, note = view.sidebar()
board = build_board(state)

st.title("Normalization Lab")
st.markdown(
    "BatchNorm, LayerNorm, RMSNorm and GroupNorm follow one recipe: subtract a "
    "mean, divide by a standard deviation, scale by γ and shift by β. They differ "
    "only in **which cells share the statistics**."
)
view.share_and_export(board)
view.scenario_line(state, note)
main, side = st.columns([7, 3], gap="large")
with main:
    view.heatmaps(board)
    view.readouts(board)
    view.diagnosis(board)
    view.code_panel(board)
with side:
    view.side_panel(board)
view.SYNC.end(state)
