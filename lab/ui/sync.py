"""Keep a page's state, its widgets and the browser's URL in step.

Every control lives in the URL, so a link reproduces a view and the browser's back
button returns to the previous one. Streamlit pushes a history entry whenever the
script writes ``st.query_params``; on back/forward it reruns with the old query
string. So at the top of each run: if the URL is not the one this page last wrote,
it came from outside (a shared link, back/forward, a hand edit) and is parsed into
the widgets' session state; at the bottom, the state is written back to the URL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Generic, TypeVar

import streamlit as st

from lab.core.families import SCENARIO_LEFT
from lab.core.flags import ViewFlags
from lab.ui.components import component

S = TypeVar("S")

CURRENT_PAGE = "_lab.page"
FLAGS = "_lab.flags"
"""The session's view flags: one presenter, whichever page it is on."""
PLAIN = ViewFlags()


def _url_now() -> dict[str, list[str]]:
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp}


def _canonical(params: Mapping[str, list[str] | str]) -> tuple:
    return tuple(
        sorted((k, (v,) if isinstance(v, str) else tuple(v)) for k, v in params.items())
    )


def ensure_routed() -> None:
    """Make a deep link on a fresh server go through app.py's navigation.

    Until some run has called ``st.navigation``, Streamlit 1.67 treats an app
    with a ``pages/`` folder as a legacy multipage app: the first visit to
    ``/tensor?...`` runs ``pages/tensor.py`` alone, without app.py's layout and
    navigation, for every visitor until someone opens ``/``. If this run is in
    that mode, switch it off and rerun: the rerun executes app.py, which routes
    to the same page with the same query string.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


class UrlState(Generic[S]):
    """A page's state: a frozen dataclass; each field is the widget ``prefix.name``.

    Beside the state, the link's view flags (`lab.core.flags.ViewFlags`: a
    presenter link, the controls it shows): read with it, kept for the session
    and written back with it on every URL write, so no move of a control turns
    a presenter link into an ordinary one.
    """

    def __init__(
        self,
        prefix: str,
        cls: type[S],
        read: Callable[[Mapping[str, list[str]]], tuple[S, ViewFlags, str | None]],
        to_link: Callable[[S, ViewFlags], dict[str, str]],
    ) -> None:
        self.prefix = prefix
        self.cls = cls
        self.names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        self.read_link = read
        self.to_link = to_link

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def begin(self) -> str | None:
        """Load the state into session state; return a note about the URL, if any."""
        ensure_routed()
        ss = st.session_state
        url = _url_now()
        arrived = ss.get(CURRENT_PAGE) != self.prefix
        ss[CURRENT_PAGE] = self.prefix
        saved = ss.get(self.key("_state"))
        moved = arrived and not url
        if moved:
            # From another page: Streamlit dropped the query string on the way.
            # A presenter stays one; the controls a link showed were the other
            # page's.
            ss[FLAGS] = ViewFlags(presenter=self.flags.presenter)
        if moved and saved is not None:
            # Back from another page: restore this page's last view rather
            # than the defaults.
            self.write(saved)
        elif (
            (arrived and url)  # a link to this page, even the one it last wrote
            or ss.get(self.key("_url")) != _canonical(url)
            or saved is None
        ):
            state, flags, note = self.read_link(url)
            self.write(state)
            if not moved:
                ss[FLAGS] = flags
            ss[self.key("_note")] = note
            ss[self.key("_parsed")] = state
        else:  # widgets that were not rendered last run lost their keys
            for name, value in asdict(saved).items():  # type: ignore[call-overload]
                ss.setdefault(self.key(name), value)
            if ss.get(self.key("_parsed")) != self.read():
                ss[self.key("_note")] = None  # the user has moved on from the link
        return ss.get(self.key("_note"))

    @property
    def flags(self) -> ViewFlags:
        """The view flags of this session's current link."""
        return st.session_state.get(FLAGS, PLAIN)

    def write(self, state: S) -> None:
        """Set every widget's session-state value (only before the widgets exist)."""
        for name, value in asdict(state).items():  # type: ignore[call-overload]
            st.session_state[self.key(name)] = value

    def read(self) -> S:
        ss = st.session_state
        return self.cls(**{n: ss[self.key(n)] for n in self.names})

    def end(self, state: S) -> None:
        """Remember the state and put it in the URL (a new history entry if changed).

        Call it as soon as the state is known, before slow work: a run that a
        widget change interrupts never reaches the lines after the interruption.
        """
        ss = st.session_state
        ss[self.key("_state")] = state
        if ss.get(self.key("_parsed")) != state:
            ss[self.key("_note")] = None  # the user has moved on from the link
        params = self.to_link(state, self.flags)
        if _canonical(params) != _canonical(_url_now()):
            st.query_params.from_dict(params)
        ss[self.key("_url")] = _canonical(params)


_SHARE_JS = tuple(Path(__file__).with_name(n) for n in ("share_embed.js", "share.js"))
"""The share component's files: the iframe snippet and snapshot, the links."""


def share_view(
    key: str,
    what: str,
    controls: Mapping[str, tuple[str, ...]],
    flags: ViewFlags,
    score: tuple[int, int],
) -> None:
    """'Share this view': the link for students (every control), the presenter
    link (``presenter=1&show=`` the controls ticked; ``controls`` maps each
    setting to its controls' classes), and what embedding needs.

    The links are read from the app's own address in the browser
    (lab/ui/share.js): every run, fragment or not, writes the page's state
    there, while a link built here would go stale whenever a fragment reruns
    without this control. ``score`` (right, answered): the student's
    predictions so far, offered as a link once there are any.
    """
    with st.popover("Share this view", icon=":material/share:", width="content"):
        st.caption(f"These links open exactly this view: {what}.")
        component("normlab_share", *_SHARE_JS)(
            key=key,
            data={
                "controls": {n: list(c) for n, c in controls.items()},
                "show": list(flags.show or ()),
                "score": list(score) if score[1] else None,
            },
        )


def link_note_and_scenario(
    note: str | None, scenario: Any | None, sync: UrlState
) -> None:
    """What every page shows under its intro: the note on an unusable link (plain
    text, never HTML) and the picked scenario's sentence (``title``, ``sentence``).

    A scenario the view has just left (a control moved; remembered under the
    page's ``sync`` keys) keeps its box, saying so: were it to vanish,
    everything under it would jump up by its height under the pointer. Picking
    "Custom" forgets it (`forget_scenario`).
    """
    if note:
        st.warning(note, icon=":material/link:")
    memory = sync.key(_SCENARIO_LEFT)
    if scenario is not None:
        st.session_state[memory] = scenario
    last = st.session_state.get(memory)  # the scenario, or the one just left
    if last is None:
        return
    # keyed: assets/style.css gives the box two lines' height, the most a
    # scenario's sentence takes on a wide screen, so the two boxes match
    box = st.container(key=sync.key("scenario-box"))
    if scenario is not None:
        box.info(f"**{scenario.title}.** {scenario.sentence}", icon=":material/school:")
    else:
        box.info(SCENARIO_LEFT.format(title=last.title), icon=":material/tune:")


_SCENARIO_LEFT = "_scenario_left"


def forget_scenario(sync: UrlState) -> None:
    """The user picked Custom: no box for the scenario the view was in."""
    st.session_state.pop(sync.key(_SCENARIO_LEFT), None)
