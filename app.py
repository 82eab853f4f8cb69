"""Normalization Lab: routes only. Each page lives in pages/ and its logic in lab/."""

import streamlit as st

from lab.ui import theme

st.set_page_config(
    page_title="Normalization Lab",
    page_icon=":material/stacked_bar_chart:",
    layout="wide",
)
pages = [
    st.Page("pages/lab.py", title="Lab", icon=":material/grid_on:", default=True),
    # pages/tensor.py
    # pages/coupling.py
    # pages/train_eval.py
    # pages/why.py
]
page = st.navigation(pages)
theme.apply()
page.run()
