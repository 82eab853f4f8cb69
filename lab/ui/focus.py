"""The focused cell's controls, a part of the page kit (`lab.ui.page.Page`):
two number inputs that mirror the focused cell for the keyboard, and the
clicks on a chart or a canvas that move it. Apart from `Page` only to keep
each module short; `Page` is the one class that mixes it in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import streamlit as st

from lab.ui.rerun import rerun_fragments

if TYPE_CHECKING:
    from lab.core.page import PageSpec
    from lab.ui.sync import UrlState


class FocusControls:
    """`Page`'s focus methods: they read its keys, help texts, spec and URL."""

    if TYPE_CHECKING:
        help: Mapping[str, str]
        spec: PageSpec[Any]
        sync: UrlState[Any]

        def key(self, name: str) -> str: ...
        def set(self, name: str, value: Any) -> None: ...

    def focus_pickers(
        self,
        focus: tuple[int, int],
        limits: tuple[int, int],
        labels: tuple[str, str],
        width: int = 150,
        rerun: Sequence[str] = (),
    ) -> None:
        """Two number inputs that mirror the focused cell (example, feature), for
        the keyboard: a click or a link moves them, typing moves the cell (and
        reruns the fragments ``rerun`` names, when they are not its own)."""
        ss = st.session_state
        keys = (self.key("pick_n"), self.key("pick_f"))
        for k, v in zip(keys, focus, strict=True):
            ss[k] = int(v)  # before the widgets: they follow clicks and links

        def picked() -> None:
            n, f = ss.get(self.key("focus"), (0, 0))
            # either input may have left the session (a view without them ran)
            self.set("focus", (int(ss.get(keys[0], n)), int(ss.get(keys[1], f))))
            if rerun:
                rerun_fragments(rerun)

        row = st.container(horizontal=True, gap="medium")
        for k, label, top, name in zip(
            keys, labels, limits, ("pick_n", "pick_f"), strict=True
        ):
            row.number_input(
                label,
                0,
                int(top) - 1,
                step=1,
                key=k,
                on_change=picked,
                help=self.help[name],
                width=width,
            )

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
