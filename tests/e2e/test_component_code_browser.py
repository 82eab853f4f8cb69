"""A canvas component's code reaches the browser once per session
(lab/ui/components.py), and an update that finds no code asks for it.

Streamlit sends a component's JavaScript with every update of it; the Tensor
view's click carried 138 kB of code in its 172 kB. These tests read what the
server sends over the websocket (every message, as the browser receives it).
"""

from __future__ import annotations

import pytest

from bench.pages import DRIVERS

LISTEN = """
window.normlabMessages = [];
const Socket = window.WebSocket;
window.WebSocket = class extends Socket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (e) => {
      const data = e.data;
      const text = typeof data === "string" ? data : new TextDecoder().decode(data);
      window.normlabMessages.push(text);
    });
  }
};
"""
KIT_LINE = "function markTheme(background)"
"""A line of lab/ui/kit.js, which every component's code starts with."""
SENT = """(line) => ({
  bytes: window.normlabMessages.reduce((n, m) => n + m.length, 0),
  code: window.normlabMessages.filter((m) => m.includes(line)).length,
})"""


def opened(chromium, url, name):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(LISTEN)
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
        first = page.evaluate(SENT, KIT_LINE)
        assert first["code"] >= 1, "the first view brought no component code"
        page.evaluate("window.normlabMessages = []")
        for _ in range(3):
            getattr(driver, kind)()
        moves = page.evaluate(SENT, KIT_LINE)
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
        page.evaluate("window.normlabMessages = []")
        driver.click_map()  # waits until every canvas shows the clicked cell
        assert page.evaluate(SENT, KIT_LINE)["code"] >= 1
    finally:
        context.close()
