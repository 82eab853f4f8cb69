"""The lab's canvas components: each is the shared kit (lab/ui/kit.js: theme
colours, base64 arrays, canvas sizing, PNG, controls switched off) followed by
its own module, created once per process."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import streamlit as st

KIT = Path(__file__).with_name("kit.js")


@cache
def component(name: str, *js: Path) -> Callable:
    """Streamlit's component ``name`` running the kit and then ``js``, in order
    (a component's own module may be split over several files)."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in (KIT, *js))
    return st.components.v2.component(name, js=code, isolate_styles=False)
