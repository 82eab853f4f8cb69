"""Every link the Choose a norm page draws, followed as a student's click
would: the target page opens the view it promises (its state rebuilt from that
page's own spec in tests/unit/choose/test_links.py), with no note on the link
and no exception, and shows that scenario's words."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from lab.choose.links import DEMOS, PAGE_TITLES
from tests.app.pages import APP
from tests.unit.choose.test_links import TARGETS, VIEWS


@pytest.fixture(scope="module")
def sessions() -> dict[str, AppTest]:
    """One app session per target page (a link opens a view on arrival, and a
    later link in the same session is read the same way: the URL changed)."""
    return {}


def _arrive(sessions: dict[str, AppTest], path: str, query: str) -> AppTest:
    page_file = TARGETS[path][1]
    at = sessions.get(path)
    if at is None:
        at = AppTest.from_file(APP, default_timeout=180)
        at.run()
        if page_file != "pages/lab.py":
            at.switch_page(page_file).run()
        sessions[path] = at
    at.query_params.clear()
    for k, v in parse_qs(query).items():
        at.query_params[k] = v[-1]
    at.run()
    return at


@pytest.mark.parametrize("key", sorted(DEMOS, key=lambda k: (DEMOS[k].path, k)))
def test_following_the_link_opens_that_view_with_no_note_and_no_exception(
    sessions, key
):
    demo = DEMOS[key]
    page, _, prefix = TARGETS[demo.path]
    at = _arrive(sessions, demo.path, demo.query)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning, [w.value for w in at.warning]  # the note on a link
    assert at.session_state[f"{prefix}._state"] == VIEWS[key](page)
    assert any(PAGE_TITLES[demo.path] in t.value for t in at.title)
    state = VIEWS[key](page)
    if state.scenario != "custom":
        title = page.by_key[state.scenario].title
        assert any(title in i.value for i in at.info), title
