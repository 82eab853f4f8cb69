"""Streamlit controls that more than one page draws the same way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import streamlit as st
from streamlit.delta_generator import DeltaGenerator


class Range(Protocol):
    """A numeric setting's range (each page's ``NUMERIC`` specs)."""

    lo: float
    hi: float
    step: float
    integer: bool


def range_slider(
    label: str,
    spec: Range,
    key: str,
    help_text: str,
    on_change: Callable[[], None] | None = None,
    **kw: Any,
) -> None:
    """A slider over a numeric setting's range, in whole numbers when the
    setting is one (so the widget's value has the type the state parses)."""
    lo, hi, step = spec.lo, spec.hi, spec.step
    if spec.integer:
        lo, hi, step = int(lo), int(hi), int(step)
    st.slider(
        label, lo, hi, step=step, key=key, help=help_text, on_change=on_change, **kw
    )


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


def sections(names: Sequence[str]) -> list[DeltaGenerator]:
    """A side panel's reference sections, as expanders with the first open.

    Not ``st.tabs``: Streamlit re-renders every element of the page on each
    script run, fragment runs included, and a tab bar measures its tabs each
    time. One ``st.tabs`` cost 2–3 ms of the browser's main thread per render in
    a bare app and 5–9 ms on Why normalize, three or four renders per
    interaction, on every interaction of the page (docs/streamlit.md); an
    expander costs about a tenth of that.
    """
    return [st.expander(name, expanded=i == 0) for i, name in enumerate(names)]
