"""The server's worker pool, and pages that do not wait for it in their script.

Slow computations in `lab` (training runs, sweeps) hand their work to
`lab.core.workers.default()` when one is set; `start` sets it, so that every
page's heavy run goes to a worker process and no student's click waits behind
another student's training run. ``NORMLAB_WORKERS=0`` starts none (everything
runs in the script thread, as in a notebook or AppTest).

A page asks for a run's result and gets it, or an answer saying how far it is
(`lab.core.workers.Workers.ask`); it then draws `waiting`: a progress bar in a
fragment that asks again every second and reruns the page once the result is
there. So a script run never waits for a worker, however long the queue: with
200 simulated students, runs that waited in their script held their thread for
minutes and timed out (bench/classroom.py, 2026-12-04: 7 of 600 interactions).
`hold` lets go of the runs a session asked for before and no longer shows (its
student moved a control): nobody waiting, a run is cancelled at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lab.core.workers import Workers, pool_size, set_default
from lab.ui.progress import Progress

EVERY = 1.0
"""Seconds between two looks at a run under way: each look is a small
fragment run on the server (a few ms), so a class waiting for runs costs the
server little; the pool holds a run for a look's lease (`LEASE`), several
looks long."""


@st.cache_resource(show_spinner=False)
def _pool(size: int) -> Workers | None:
    return Workers(size) if size > 0 else None


def start() -> None:
    set_default(_pool(pool_size()))


def holder() -> str:
    """Who is waiting: this session (one browser tab)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "script"


def hold(name: str, keys: Iterable[object], release: Callable[[object], None]) -> None:
    """This session now waits for ``keys`` (of the page part ``name``) and no
    others: ``release`` the ones it waited for before and no longer does."""
    store = f"_lab.held.{name}"
    keep = set(keys)
    for key in st.session_state.get(store, set()) - keep:
        release(key)
    st.session_state[store] = keep


def waiting(
    look: Callable[[], tuple[bool, float, str]],
    label: str,
    *,
    words: Mapping[str, str] | None = None,
    on_done: Callable[[], None] | None = None,
    key: str = "normlab-progress",
) -> None:
    """A progress bar that follows runs under way: every `EVERY` seconds
    ``look()`` says (done, fraction, message); once done, ``on_done`` runs and
    the page reruns to show the results. Draw it where the results will be
    (``key``: its box's, when a page has two)."""
    _look_again(look, label, words, on_done, key)


@st.fragment(run_every=EVERY)
def _look_again(
    look: Callable[[], tuple[bool, float, str]],
    label: str,
    words: Mapping[str, str] | None,
    on_done: Callable[[], None] | None,
    key: str,
) -> None:
    done, fraction, message = look()
    if done:
        if on_done is not None:
            on_done()
        st.rerun(scope="app")
    Progress(label, keep_space=True, words=words, key=key)(fraction, message)
