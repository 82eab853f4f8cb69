"""`lab.ui.rerun.rerun_fragments` where its fast path does not apply.

In the browser a control's move is one run (tests/e2e/test_stale_browser.py).
AppTest runs a click as a whole run, with no fragment queue to replace: the
helper must then do what ``st.rerun(keys)`` does, and refuse what it refuses.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lab.ui.rerun import rerun_fragments


def _script() -> None:
    import streamlit as st

    from lab.ui.rerun import rerun_fragments

    st.session_state.setdefault("n", 0)

    @st.fragment(key="counter")
    def counter() -> None:
        st.write(f"count {st.session_state.n}")

    def bump() -> None:
        st.session_state.n += 1
        rerun_fragments(["counter"])

    counter()
    st.button("Bump", on_click=bump)
    if st.session_state.get("misuse"):
        rerun_fragments(["counter"])


def test_a_click_without_a_fragment_queue_reruns_the_named_fragment():
    at = AppTest.from_function(_script).run()
    at.button[0].click().run()
    assert not at.exception
    assert [m.value for m in at.markdown] == ["count 1"]


def test_outside_a_callback_it_is_refused_as_streamlit_refuses_it():
    at = AppTest.from_function(_script)
    at.session_state["misuse"] = True
    at.run()
    assert "only allowed from a widget callback" in at.exception[0].value


def test_without_a_script_run_it_does_nothing():
    rerun_fragments(["counter"])  # no context: Streamlit's own rerun is a no-op
