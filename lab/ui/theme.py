"""What every page shares at start-up: the stylesheet, and torch's thread count."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st
import torch

CSS = Path(__file__).resolve().parents[2] / "assets" / "style.css"


@cache
def _css() -> str:
    return CSS.read_text(encoding="utf-8")


def apply() -> None:
    """Inject the lab's own stylesheet (a constant file, never user input)."""
    st.html(f"<style>{_css()}</style>")


def single_threaded_torch() -> None:
    """Run torch's CPU kernels on one thread in the app.

    The lab's tensors are tiny, and on a shared 2-core host torch's OpenMP
    threads spin-wait for cores other processes hold: 200 BatchNorm1d forwards
    took 1.4 s instead of 4 ms under load. Checked every run because torch's
    setting can differ between Streamlit's script threads.
    """
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
