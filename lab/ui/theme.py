"""What every page shares at start-up: the stylesheet, and torch's thread count."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

from lab.core.threads import use_one_thread

CSS = Path(__file__).resolve().parents[2] / "assets" / "style.css"


@cache
def _css() -> str:
    return CSS.read_text(encoding="utf-8")


def apply() -> None:
    """Inject the lab's own stylesheet (a constant file, never user input)."""
    st.html(f"<style>{_css()}</style>")


def single_threaded_torch() -> None:
    """One torch thread in this script thread (lab/core/threads.py says why)."""
    use_one_thread()
