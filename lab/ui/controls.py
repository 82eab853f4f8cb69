"""Streamlit controls that more than one page draws the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st


def divisor_slider(
    label: str, options: Sequence[int], key: str, help_text: str, of: str, **kw: Any
) -> None:
    """A select_slider over ``options`` (the divisors of something, "of"); with a
    single option there is nothing to slide between, so a caption says so and
    the control's value is set to that option."""
    if len(options) > 1:
        st.select_slider(label, options, key=key, help=help_text, **kw)
    else:
        st.caption(f"{label}: {options[0]}, the only divisor of {of}.")
        st.session_state[key] = options[0]
