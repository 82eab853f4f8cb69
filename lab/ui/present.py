"""Presenter mode and locked views: what the kit adds to a page when its link
says ``presenter=1`` or ``show=…`` (`lab.core.flags`), as one stylesheet.

- **Presenter**: assets/presenter.css — larger type everywhere (the pages'
  sizes are in rem), enlarged readouts, the intro left to the speaker, and
  ``--normlab-scale``, which the canvas components read (lab/ui/kit.js
  ``theme``) to draw larger labels and thicker outlines.
- **The first screen**: a presenter's page shows its header, then its
  *stage* (`stage`: the chart or table the page is about, marked by its
  view), then the rest, so on a projector (1280 × 720 at 150 %: 853 × 480
  CSS px) the raw and the normalized are on screen together. The stylesheet
  reorders the page with CSS ``order`` (the header's container `TOP` first,
  the stage's ancestors next), puts a side column beside the stage under it,
  and caps a chart's height at a part of the screen's (lab/ui/kit.js). The
  page's elements, keys and runs are those of an ordinary link; only where
  they are drawn differs (a keyboard still meets them in the script's order).
- **Locked** (``show=``): every control of a setting the link does not list is
  hidden, with whatever in the sidebar holds none of the shown ones (an
  expander, a caption); the sidebar goes when nothing is left in it. The
  controls are still drawn, so the page's runs, widget keys and fragments are
  exactly those of an ordinary view: the hidden settings keep the link's
  values because nothing on the page can move them.

Nothing here runs for an ordinary link: `style` returns at once, so a normal
page sends no extra element and a control's move costs nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lab.core.flags import ViewFlags

CSS = Path(__file__).resolve().parents[2] / "assets" / "presenter.css"
SIDEBAR = '[data-testid="stSidebar"]'
CONTENT = '[data-testid="stSidebarUserContent"]'
EXPAND = '[data-testid="stExpandSidebarButton"]'
TOP = "normlab-top"
"""The key of the container of a page's header (`lab.ui.page.Page.header`)."""
STAGE = "normlab-stage"
"""The key of the container of a page's stage (`stage`)."""


def stage() -> DeltaGenerator:
    """The container of what a presenter's first screen shows under the
    header: one per page, around the page's main chart (or table). An
    ordinary link draws it like any container."""
    return st.container(key=STAGE)


@cache
def _presenter_css() -> str:
    return CSS.read_text(encoding="utf-8")


def locked_css(controls: Mapping[str, Iterable[str]], show: Iterable[str]) -> str:
    """The stylesheet that leaves only ``show``'s controls: ``controls`` maps
    each setting to the classes of the containers of its controls."""
    show = set(show)
    shown = ", ".join(f".{c}" for n in sorted(show) for c in controls.get(n, ()))
    hidden = [f".{c}" for n, cs in controls.items() if n not in show for c in cs]
    gone = [*hidden]
    if shown:
        gone += [
            f"{CONTENT} [data-testid='stElementContainer']:not({shown})",
            f"{CONTENT} [data-testid='stLayoutWrapper']:not(:has({shown}))",
            f"{SIDEBAR}:not(:has({shown}))",
            f"body:not(:has({SIDEBAR} :is({shown}))) {EXPAND}",
        ]
    else:
        gone += [SIDEBAR, EXPAND]
    gone.append('[data-testid="stSidebarNav"], [data-testid="stSidebarNavSeparator"]')
    return ",\n".join(gone) + " {\n  display: none !important;\n}"


def style(flags: ViewFlags, controls: Mapping[str, Iterable[str]]) -> None:
    """Add the presenter's and the locked view's stylesheet when the link asks
    for them (a constant file and class names: nothing from the URL but the
    names of the page's own settings)."""
    if flags.plain:
        return
    css = [_presenter_css()] if flags.presenter else []
    if flags.show is not None:
        css.append(locked_css(controls, flags.show))
    st.html("<style>" + "\n".join(css) + "</style>")
