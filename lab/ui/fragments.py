"""Fragments that draw into containers the page created outside them.

Streamlit 1.67 lets a fragment write into such a container only if the same
fragment wrote there during the last full run of the page: that run reserves
the fragment's place in it. When it did not, a fragment rerun finds no place and
Streamlit raises ``StreamlitInvalidLayoutContextError`` instead of drawing.
Quick moves on the Tensor view met it: 9 of 240 with 40 simulated students
(``python -m bench.classroom --stages 40 --interactions 6 --think 0.2,1
--mix tensor=1``, 2026-12-04), 0 with this module. The fix is the full run the
fragment was missing: nothing of it was drawn yet, and a full run draws every
part in its place.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

import streamlit as st
from streamlit.errors import StreamlitInvalidLayoutContextError

P = ParamSpec("P")


def draws_outside(body: Callable[P, None]) -> Callable[P, None]:
    """Wrap a fragment's body (under ``@st.fragment``) that writes into
    containers passed in: when its place was never reserved, run the whole
    page instead of raising."""

    @functools.wraps(body)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            body(*args, **kwargs)
        except StreamlitInvalidLayoutContextError:
            st.rerun(scope="app")

    return run
