"""Page-wide styling shared by every page: one stylesheet from assets/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

CSS = Path(__file__).resolve().parents[2] / "assets" / "style.css"


@cache
def _css() -> str:
    return CSS.read_text(encoding="utf-8")


def apply() -> None:
    """Inject the lab's own stylesheet (a constant file, never user input)."""
    st.html(f"<style>{_css()}</style>")
