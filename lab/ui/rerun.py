"""Rerun named fragments from a control's callback, in the run the control started.

``st.rerun(keys)`` from a callback stops the run the widget asked for and
starts another: two ``new_session`` messages, two run-state changes, and one
more time the browser re-renders every element of the page (a Tensor view N
move rendered 3,491 React fibers, 2,872 in one run; docs/streamlit.md). The
callback runs before any fragment of its run, so the fragments can instead be
put in that run's place: Streamlit 1.67 runs the fragments of the list its
script-run context holds (``fragment_ids_this_run``) after the callbacks, and
tells the browser which fragments ran in ``script_finished`` from the run's
descriptor, from which the browser removes what those fragments no longer
draw. Both are changed here, and the browser gets one run.

The ``new_session`` of the run is already sent, naming the control's own
fragment: the browser shows the controls as running (as before) and the body's
elements, which this run redraws, not at all. Where Streamlit's internals are
not as 1.67 has them (another version, a run without a fragment queue), this
falls back to ``st.rerun(keys)``: slower, never wrong.
``tests/e2e/test_stale_browser.py`` counts the runs per move and checks that
what a fragment stops drawing leaves the page.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import (
    RunLocation,
    ThreadState,
    get_script_run_ctx,
)

_RUNNER = "_run_script"
"""The ScriptRunner method whose frame holds the run's descriptor."""
_MARK = "_normlab_swapped_run"
"""Set on the script-run context: the run whose queue was already replaced."""


def _descriptor() -> Any:
    """The running script's ``RunDescriptor``: a local of the script runner's
    frame, below the callback on this thread's stack. None if not found."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == _RUNNER and "run_descriptor" in frame.f_locals:
            found = frame.f_locals["run_descriptor"]
            return found if hasattr(found, "fragment_ids") else None
        frame = frame.f_back
    return None


def rerun_fragments(keys: Sequence[str]) -> None:
    """From a widget's callback: run the fragments named ``keys`` (their
    ``st.fragment`` keys) in this run, instead of the widget's own; returns.
    Falls back to ``st.rerun(keys)`` (which raises) when it cannot."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return  # not in a script run, where st.rerun does nothing either
    if ThreadState.get().run_location != RunLocation.CALLBACK:
        st.rerun(list(keys))  # Streamlit says why a keyed rerun is refused here
        return
    queue = getattr(ctx, "fragment_ids_this_run", None)
    run = _descriptor()
    storage = getattr(ctx, "fragment_storage", None)
    if not queue or run is None or storage is None or not isinstance(queue, list):
        st.rerun(list(keys))
        return
    ids = storage.resolve_target(list(keys))
    if getattr(ctx, _MARK, None) == run.script_run_id:
        # another callback of this interaction already replaced the queue
        ids = [*queue, *(i for i in ids if i not in queue)]
    ids = storage.order_fragment_ids(ids)
    queue[:] = ids
    object.__setattr__(run, "fragment_ids", tuple(ids))
    setattr(ctx, _MARK, run.script_run_id)
