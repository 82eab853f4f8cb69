"""Open a page of the app in AppTest, as every page's app tests do."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_page(path: str = "pages/lab.py", timeout: float = 120) -> AppTest:
    """A new session on ``path`` (through app.py's navigation), with no error."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    if path != "pages/lab.py":
        at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def visit(at: AppTest, **params: str) -> AppTest:
    """Arrive on the session's page through a link with ``params`` (a shared
    URL); nothing may raise."""
    at.query_params.clear()
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
