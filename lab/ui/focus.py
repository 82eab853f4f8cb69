"""The focused cell's controls, a part of the page kit (`lab.ui.page.Page`):
two number inputs in a panel that mirror the focused cell for the keyboard,
and the clicks on a chart or a canvas that move it. Apart from `Page` only to keep
each module short; `Page` is the one class that mixes it in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import streamlit as st

from lab.core.panel import Panel, Picker

if TYPE_CHECKING:
    from lab.core.page import PageSpec
    from lab.ui.sync import UrlState


def widget_class(key: str) -> str:
    """The class Streamlit 1.67 gives a keyed element's container: ``st-key-``
    and the key with every character but letters, digits, ``_`` and ``-``
    turned into ``-`` (its frontend's rule)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


class FocusControls:
    """`Page`'s focus methods: they read its keys, help texts, spec and URL."""

    if TYPE_CHECKING:
        help: Mapping[str, str]
        spec: PageSpec[Any]
        sync: UrlState[Any]

        def key(self, name: str) -> str: ...
        def set(self, name: str, value: Any) -> None: ...

    def pickers(
        self,
        panel: Panel,
        focus: tuple[int, int],
        limits: tuple[int, int],
        labels: tuple[str, str],
    ) -> Panel:
        """``panel`` with two number inputs that mirror the focused cell
        (example, feature) first, for the keyboard: a click or a link moves
        them, a typed index moves the cell through the panel's ``on_click``
        (`focus_from_click`, which clamps it as a link's would be). Each box
        carries its setting's widget class, so a locked view hides them with
        the focus's other controls (lab/ui/present.py)."""
        items = [
            Picker(
                label, int(v), int(top), self.help[name], widget_class(self.key(name))
            )
            for label, v, top, name in zip(
                labels, focus, limits, ("pick_n", "pick_f"), strict=True
            )
        ]
        headed = Panel()
        headed.pickers(items)
        headed.blocks += panel.blocks
        return headed

    def focus_from_click(self, chart: str, click: Mapping[str, Any]) -> None:
        """A heatmap cell was clicked (`lab.ui.panel.show`'s ``on_click``): its
        row is the example, its column the feature."""
        focus = (int(click["y"]), int(click["x"]))
        self.set("focus", self.spec.clean(replace(self.sync.read(), focus=focus)).focus)  # type: ignore[type-var,attr-defined]

    def focus_from(self, component_key: str, arity: int = 2) -> None:
        """A canvas component reported a click (its state's ``focus``): move the
        focus there, clamped into the view as a link's would be."""
        value = st.session_state.get(component_key) or {}
        focus = value.get("focus") if hasattr(value, "get") else None
        if not isinstance(focus, list | tuple) or len(focus) < arity:
            return
        try:
            cell = tuple(int(v) for v in focus[:arity])
        except (TypeError, ValueError):
            return
        state = self.spec.clean(replace(self.sync.read(), focus=cell))  # type: ignore[type-var]
        self.set("focus", state.focus)  # type: ignore[attr-defined]
