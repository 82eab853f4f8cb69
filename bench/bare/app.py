"""The yardstick: a bare Streamlit app (one radio, one line of text), run with
Streamlit's default settings (this folder has no .streamlit/config.toml)."""

import streamlit as st

choice = st.radio("Choice", ["first", "second"])
st.write(f"You chose the {choice} option.")
