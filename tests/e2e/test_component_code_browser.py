"""A canvas component's code reaches the browser once per session
(lab/ui/components.py), and an update that finds no code asks for it.

Streamlit sends a component's JavaScript with every update of it; the Tensor
view's click carried 138 kB of code in its 172 kB. These tests read what the
server sends over the websocket (every message, as the browser receives it).
"""

from __future__ import annotations

import pytest

from bench.pages import DRIVERS
from tests.e2e.messages import recording, taken

KIT_LINE = "function markTheme(background)"
"""A line of lab/ui/kit.js, which every component's code starts with."""


def sent(page) -> dict[str, int]:
    """Bytes received since the last call, and how many messages carried the
    kit's code (``KIT_LINE``)."""
    messages = taken(page)
    return {
        "bytes": sum(len(m) for m in messages),
        "code": sum(KIT_LINE.encode() in m for m in messages),
    }


def opened(chromium, url, name):
    context = recording(chromium)
    page = context.new_page()
    driver = DRIVERS[name](page, url, "")
    driver.load()
    return context, page, driver


@pytest.mark.parametrize(
    ("name", "kind"), [("tensor", "click_map"), ("lab", "click"), ("coupling", "click")]
)
def test_the_code_comes_with_the_first_view_only(chromium, warmed, name, kind):
    context, page, driver = opened(chromium, warmed, name)
    try:
        first = sent(page)
        assert first["code"] >= 1, "the first view brought no component code"
        for _ in range(3):
            getattr(driver, kind)()
        moves = sent(page)
        assert moves["bytes"], "the moves brought nothing"
        assert moves["code"] == 0, f"{moves['code']} updates carried the code again"
    finally:
        context.close()


def test_an_update_without_code_asks_for_it_and_is_drawn(chromium, warmed):
    """As when the update that carried the code was replaced before the browser
    drew it: the loader has nothing to run, asks Python, and the click lands."""
    context, page, driver = opened(chromium, warmed, "tensor")
    try:
        page.evaluate("delete window.normlabModules['normlab_tensor']")
        taken(page)  # what came before
        driver.click_map()  # waits until every canvas shows the clicked cell
        assert sent(page)["code"] >= 1
    finally:
        context.close()
