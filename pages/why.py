"""Why normalize: real training runs show what normalization buys (Santurkar et al.
2018; Xiong et al. 2020). Controls → lab.why_runs (stored runs) → charts, words."""

import streamlit as st

from lab.texts.why import INTRO, TITLE
from lab.ui import why_view as view
from lab.ui.sync import share_view

state, note = view.sidebar()
# Record the view in the URL before any run starts: a run can take seconds, and
# a control changed meanwhile stops this script before its end. Written at the
# end, the URL would still hold the old view and the next run would read it back.
view.SYNC.end(state)

st.title(TITLE, anchor=False)
st.markdown(INTRO)
view.scenario_line(state, note)
share_view("why.share", "the same network, runs and settings")
view.body()
