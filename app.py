"""Normalization Lab: routes only. Each page lives in pages/ and its logic in lab/."""

from pathlib import Path

import streamlit as st

from lab.ui import jobs, theme

st.set_page_config(
    page_title="Normalization Lab",
    page_icon=str(Path(__file__).parent / "assets" / "icon.png"),
    layout="wide",
)
pages = [
    st.Page("pages/lab.py", title="Lab", icon=":material/grid_on:", default=True),
    st.Page("pages/tensor.py", title="Tensor view", icon=":material/view_in_ar:"),
    st.Page("pages/coupling.py", title="Batch coupling", icon=":material/group:"),
    st.Page(
        "pages/train_eval.py", title="Train vs eval", icon=":material/model_training:"
    ),
    st.Page(
        "pages/sequences.py",
        title="Sequences & padding",
        icon=":material/format_line_spacing:",
    ),
    st.Page("pages/why.py", title="Why normalize", icon=":material/trending_down:"),
    st.Page("pages/rms.py", title="LayerNorm vs RMSNorm", icon=":material/compare:"),
    st.Page("pages/choose.py", title="Choose a norm", icon=":material/alt_route:"),
]
page = st.navigation(pages)
theme.apply()
theme.single_threaded_torch()
jobs.start()  # heavy runs go to worker processes
page.run()
