"""The page kit: what every page's Streamlit side does the same way.

A topic's view makes one `Page` from its `lab.core.page.PageSpec` and its help
texts, and every page then has the same shape (pages/<topic>.py)::

    state, note = view.page.begin(view.controls)  # the state, the sidebar
    PAGE.header(TITLE, INTRO, state, note, share="what the link keeps")
    view.body(state)                  # fragments made with Page.fragment

**Where the URL is written.** One rule: every run that draws the page's body
writes the state into the address bar before any slow work — a full run in
`Page.header`, a fragment's own rerun at its start (`Page.fragment`). A run
that a widget change interrupts never reaches its later lines, and a fragment
rerun never reaches the end of the page.

**Which part reruns.** Every control's ``on_change`` is `Page.changed`: it
reruns only the page's body fragments unless what the sidebar shows beyond the
controls' own values changes (the scenario turning "Custom", a note on the link
to clear, a control's options): a full rerun redraws every sidebar control in
the browser, a few ms each and ~10 ms a slider (docs/streamlit.md). A control
drawn inside a fragment that only changes what that fragment shows (a chart's
look-at picker) passes ``on_change=None``: Streamlit then reruns that fragment
alone.

**Controls a view does not use** are switched off in the browser (dimmed,
aria-disabled, out of reach of keys and pointer; `Page.off`) rather than
redrawn with ``disabled=``: the page's component carries the map and
lab/ui/kit.js applies it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import streamlit as st
from streamlit.errors import StreamlitInvalidLayoutContextError

from lab.core.helpers import MAX_SEED
from lab.core.page import CUSTOM, PageSpec
from lab.core.questions import Quiz
from lab.ui import present
from lab.ui.controls import divisor_slider, range_slider
from lab.ui.focus import FocusControls, widget_class
from lab.ui.lessons import bar, picker
from lab.ui.questions import Asker, score
from lab.ui.rerun import rerun_fragments
from lab.ui.sync import (
    CURRENT_PAGE,
    UrlState,
    forget_scenario,
    link_note_and_scenario,
    share_view,
)

S = TypeVar("S")
PICKER = "scenario-picker"
"""The scenario box's fragment (under the page's prefix)."""
LINE = "scenario-line"
"""The scenario line's fragment: the link's note, the scenario's sentence."""
CONTROLS = "sidebar-controls"
"""The sidebar's controls' fragment (`Page.sidebar`)."""


class Page(FocusControls, Generic[S]):
    """One page's controls, URL and reruns, over its `PageSpec`.

    - ``prefix``: the page's widget keys are ``prefix.<setting>``.
    - ``help``: every control's help text, by setting (a control has one).
    - ``body``: the keys of the fragments a control's move reruns, or a
      function of the state that says which.
    - ``sidebar_view``: what the sidebar and the scenario line show beyond the
      controls' own values (default: the scenario); while it is unchanged a
      move reruns the body alone.
    - ``on_arrive``: runs when a session comes to this page from another.
    - ``parts``: the widget keys (under ``prefix``) of a setting's controls
      beyond its own ``prefix.<setting>`` widget (a step's buttons), so a
      locked view (``show=``, lab/ui/present.py) hides all of them.
    - ``quiz``: the page's predict-then-reveal questions (lab/ui/questions.py),
      asked beside "Share this view".
    """

    def __init__(
        self,
        prefix: str,
        spec: PageSpec[S],
        help: Mapping[str, str],
        *,
        body: Sequence[str] | Callable[[S], Sequence[str]] = (),
        sidebar_view: Callable[[S], Any] | None = None,
        on_arrive: Callable[[], None] | None = None,
        parts: Mapping[str, Sequence[str]] = MappingProxyType({}),
        quiz: Quiz | None = None,
    ) -> None:
        self.prefix = prefix
        self.spec = spec
        self.help = help
        self.sync: UrlState[S] = UrlState(
            prefix, spec.cls, spec.read_link, spec.to_link
        )
        self._body = body
        self._sidebar_view = sidebar_view or (lambda s: (s.scenario,))  # type: ignore[attr-defined]
        self._on_arrive = on_arrive
        self._options: dict[str, Callable[[S], Any]] = {}
        parts = {"focus": ("pick_n", "pick_f"), **parts}
        self.controls: dict[str, tuple[str, ...]] = {
            n: tuple(widget_class(self.key(k)) for k in (n, *parts.get(n, ())))
            for n in spec.names
        }
        """Each setting's controls, by the class of their containers."""
        self.asker = None if quiz is None else Asker(self, quiz)
        self.lessons = self.fragment(self.key("lessons"), commit=False)(
            lambda: picker(self)
        )
        self._on_pick: Callable[[], None] | None = None
        self._picker = self.fragment(self.key(PICKER), commit=False)(self._draw_picker)
        self._line = self.fragment(self.key(LINE), commit=False)(self._draw_line)
        self._controls = self.fragment(self.key(CONTROLS), commit=False)(
            self._draw_controls
        )

    def key(self, name: str) -> str:
        """The widget key of setting ``name`` (or of a page-local value)."""
        return f"{self.prefix}.{name}"

    # ---- state ----

    def begin(self, controls: Callable[[], None]) -> tuple[S, str | None]:
        """Load the state (from the link or the session) before any widget
        exists, then draw the page's ``controls`` in the sidebar (`sidebar`);
        return the state and the note on the link, if any."""
        arrived = st.session_state.get(CURRENT_PAGE) != self.prefix
        note = self.sync.begin()
        present.style(self.sync.flags, self.controls)
        if arrived and self._on_arrive is not None:
            self._on_arrive()
        state = self.state()
        self.sync.write(state)  # the widgets start from the settled values
        self.sidebar(controls)
        return state, note

    def state(self) -> S:
        """The state the controls describe, settled (rules hold, scenario named)."""
        return self.spec.settle(self.sync.read())

    def committed(self) -> S | None:
        """The state the last run wrote into the URL (None before any)."""
        return st.session_state.get(self.sync.key("_state"))

    def set(self, name: str, value: Any) -> None:
        """Set one setting's widget value (from a callback, or before the widget)."""
        st.session_state[self.key(name)] = value

    def commit(self) -> S:
        """Write the state into the URL (see the module's rule); return it."""
        state = self.state()
        self.sync.end(state)
        return state

    # ---- the header every page shows ----

    def header(
        self,
        title: str,
        intro: str,
        state: S,
        note: str | None,
        share: str,
        extra: Callable[[], None] | None = None,
    ) -> None:
        """Title, intro, "Share this view" (and ``extra`` beside it), and the
        line under them: the link's note and the scenario's sentence. Writes the
        URL (the full run's turn, before the body's slow work)."""
        self.sync.end(state)
        with st.container(key=present.TOP):  # first on a presenter's page
            st.title(title, anchor=False)
            bar(self)
            st.markdown(intro)
            with st.container(horizontal=True):
                share_view(
                    self.key("share"), share, self.controls, self.sync.flags, score()
                )
                if extra is not None:
                    extra()
                if self.asker is not None:
                    self.asker.draw()
                self.lessons()
            self.scenario_line(note)

    def scenario_line(self, note: str | None) -> None:
        """The note on an unusable link and the scenario's sentence, in one
        container that is always there (an element appearing above the body
        would move it and make Streamlit mount it afresh). A fragment: the move
        that leaves the scenario reruns it with the body (`changed`)."""
        st.session_state[self.key("_link_note")] = note
        self._line()

    def _draw_line(self) -> None:
        ss = st.session_state
        state, note = self.state(), ss.get(self.key("_link_note"))
        ss[self.key("_sidebar_drawn")] = (self._sidebar_view(state), note)
        ss[self.key("_scenario_drawn")] = state.scenario  # type: ignore[attr-defined]
        with st.container():
            shared = self.sync.flags.score
            if shared is not None:
                st.success(
                    f"A shared score: {shared[0]} of {shared[1]} predictions "
                    "right on the lab's questions (Predict, then reveal).",
                    icon=":material/emoji_events:",
                )
            key = state.scenario  # type: ignore[attr-defined]
            link_note_and_scenario(note, self.spec.by_key.get(key), self.sync)

    # ---- controls ----

    def sidebar(self, draw: Callable[[], None]) -> None:
        """The controls ``draw`` makes, in the sidebar, in a fragment of their
        own: the run a control asks for is then this fragment's, not the
        whole page's, whose start the browser marked stale element by element
        (docs/streamlit.md). It never reruns alone: every callback puts the
        fragments it needs in that run's place (`lab.ui.rerun`)."""
        with st.sidebar:
            self._controls(draw)

    def _draw_controls(self, draw: Callable[[], None]) -> None:
        draw()

    def changed(self) -> None:
        """A control moved: rerun the body alone unless the sidebar must change
        (see the module's note), plus any control fragment whose options moved,
        in the run the control started (`lab.ui.rerun.rerun_fragments`)."""
        state = self.state()
        ss = st.session_state
        scenario: list[str] = []
        drawn_view = ss.get(self.key("_sidebar_drawn"))
        if drawn_view != (self._sidebar_view(state), None):
            if not self._only_scenario_moved(state):
                st.rerun()
            scenario = [self.key(PICKER), self.key(LINE)]
        drawn = ss.get(self.key("_options_drawn"), {})
        stale = [k for k, fn in self._options.items() if drawn.get(k) != fn(state)]
        body = self._body(state) if callable(self._body) else self._body
        rerun_fragments([*body, *stale, *scenario])

    def _only_scenario_moved(self, state: S) -> bool:
        """Whether the sidebar and the line differ from what they drew by the
        scenario alone (a move left it; a state stays "custom" after): then
        its box and its line rerun with the body, and the sidebar's other
        controls are not redrawn (each costs the browser a few ms,
        docs/streamlit.md)."""
        ss = st.session_state
        drawn, scenario = (
            ss.get(self.key(k)) for k in ("_sidebar_drawn", "_scenario_drawn")
        )
        if drawn is None or drawn[1] is not None or scenario is None:
            return False
        was = replace(state, scenario=scenario)  # type: ignore[type-var]
        return self._sidebar_view(was) == drawn[0]

    def _picked(self) -> None:
        key = st.session_state[self.key("scenario")]
        if key == CUSTOM:
            forget_scenario(self.sync)
            return
        self.sync.write(self.spec.pick(self.sync.read(), key))

    def scenario_picker(self, on_pick: Callable[[], None] | None = None) -> None:
        """The scenario box: picking one sets every control it fixes and keeps
        the ones the page's spec keeps; "Custom" forgets its sentence.
        ``on_pick`` runs after a scenario (not "Custom") was applied."""

        self._on_pick = on_pick
        self._picker()

    def _draw_picker(self) -> None:
        """The scenario box, a fragment of its own (see `scenario_line`)."""

        def picked() -> None:
            self._picked()
            on_pick = self._on_pick
            if on_pick is not None and st.session_state[self.key("scenario")] != CUSTOM:
                on_pick()
            st.rerun()  # the whole page: the scenario set every control

        # the scenario the controls are in now (a fragment rerun of its own
        # comes after a move, before anything wrote it)
        self.set("scenario", self.state().scenario)  # type: ignore[attr-defined]
        by_key = self.spec.by_key
        st.selectbox(
            "Scenario",
            self.spec.keys,
            format_func=lambda k: "Custom" if k == CUSTOM else by_key[k].title,
            key=self.key("scenario"),
            on_change=picked,
            help=self.help["scenario"],
        )

    def slider(self, name: str, label: str, **kw: Any) -> None:
        """A slider over setting ``name``'s range (its spec in the PageSpec)."""
        kw.setdefault("on_change", self.changed)
        range_slider(
            label, self.spec.specs[name], self.key(name), self.help[name], **kw
        )

    def choice(
        self,
        name: str,
        label: str,
        options: Sequence[Any],
        format_func: Callable[[Any], str] | Mapping[Any, str] = str,
        **kw: Any,
    ) -> None:
        """A segmented control: one of a few options, always one picked."""
        if isinstance(format_func, Mapping):
            format_func = format_func.get
        kw.setdefault("on_change", self.changed)
        st.segmented_control(
            label,
            options,
            format_func=format_func,
            key=self.key(name),
            required=True,
            help=self.help[name],
            **kw,
        )

    def steps(
        self,
        name: str,
        label: str,
        options: Sequence[Any],
        format_func: Callable[[Any], str] = str,
        **kw: Any,
    ) -> None:
        """A select slider over a fixed list of values."""
        kw.setdefault("on_change", self.changed)
        st.select_slider(
            label,
            options,
            format_func=format_func,
            key=self.key(name),
            help=self.help[name],
            **kw,
        )

    def seed(self, name: str = "seed", label: str = "Seed", **kw: Any) -> None:
        """A seed: same seed, same numbers."""
        spec = self.spec.specs[name]
        lo, hi = int(getattr(spec, "lo", 0)), int(getattr(spec, "hi", MAX_SEED))
        kw.setdefault("on_change", self.changed)
        st.number_input(
            label, lo, hi, step=1, key=self.key(name), help=self.help[name], **kw
        )

    def divisor_control(
        self,
        fragment: str,
        name: str,
        label: str,
        options: Callable[[S], Sequence[int]],
        of: str,
    ) -> Callable[[Any], None]:
        """A select slider over ``options(state)`` (the divisors of a count)
        drawn into its sidebar place by a fragment of its own: a move that
        changes the options reruns it with the body, not the sidebar."""
        self._options[fragment] = lambda s: tuple(options(s))

        @self.fragment(fragment, outside=True, commit=False)
        def control(place: Any) -> None:
            state = self.state()
            self.drawn(fragment, state)
            self.set(name, getattr(state, name))  # a valid option (clean)
            with place:
                divisor_slider(
                    label,
                    options(state),
                    self.key(name),
                    self.help[name],
                    of=of,
                    on_change=self.changed,
                )

        return control

    def option_fragment(
        self, fragment: str, options: Callable[[S], Any]
    ) -> Callable[[Callable[..., None]], Callable[..., None]]:
        """A control fragment of the page's own making: ``options(state)`` is
        what it draws beyond its value; `changed` reruns it when that moves."""
        self._options[fragment] = options
        return self.fragment(fragment, outside=True, commit=False)

    def drawn(self, fragment: str, state: S) -> None:
        """Record what a control fragment drew (see `option_fragment`)."""
        ss = st.session_state
        key = self.key("_options_drawn")
        ss[key] = {**ss.get(key, {}), fragment: self._options[fragment](state)}

    def off(self, names: Mapping[str, bool]) -> dict[str, bool]:
        """Controls switched off in the browser: by setting, whether it is off
        now, keyed by the class of the control's container."""
        return {widget_class(self.key(n)): bool(v) for n, v in names.items()}

    # ---- fragments ----

    def fragment(
        self,
        key: str,
        *,
        outside: bool = False,
        commit: bool | Callable[[], bool] = True,
        **kw: Any,
    ) -> Callable[[Callable[..., None]], Callable[..., None]]:
        """``st.fragment(key=key)`` that first writes the URL (``commit``: unless
        it says not to), and with ``outside``, draws into containers the page
        made: when Streamlit 1.67 finds no place reserved for such a fragment
        (the last full run did not reach it), the whole page reruns instead of
        raising ``StreamlitInvalidLayoutContextError`` (docs/streamlit.md)."""

        def wrap(body: Callable[..., None]) -> Callable[..., None]:
            @functools.wraps(body)
            def run(*args: Any, **kwargs: Any) -> None:
                if commit is True or (callable(commit) and commit()):
                    self.commit()
                if not outside:
                    body(*args, **kwargs)
                    return
                try:
                    body(*args, **kwargs)
                except StreamlitInvalidLayoutContextError:
                    st.rerun(scope="app")

            return st.fragment(run, key=key, **kw)

        return wrap
