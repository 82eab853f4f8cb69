"""A sidebar control's move leaves the rest of the page alone in the browser.

Every control's callback names the fragments to rerun, and Streamlit first
starts, then stops, the run the widget itself asked for. Asked by a widget
outside every fragment, that is the whole page's run, and the browser marks
every element stale (``data-stale``) until the fragments' run ends: each
element restyled twice, ~60-80 switches per Lab slider move. The controls live
in a fragment of their own (`lab.ui.page.Page.sidebar`), so the stopped run is
theirs: the page's title, outside every fragment, is never marked. The same
holds for Batch coupling's view switch, above its body.
"""

from __future__ import annotations

import pytest

from bench.pages import DRIVERS

WATCH = """() => {
  window.normlabStale = 0;
  const title = document.querySelector('[data-testid="stMain"] h1')
    .closest('[data-testid="stElementContainer"]');
  new MutationObserver((changes) => {
    window.normlabStale += changes.length;
  }).observe(title, { attributes: true, attributeFilter: ["data-stale"] });
}"""


@pytest.mark.parametrize(
    ("name", "move"),
    [
        ("lab", "slider"),
        ("lab", "family"),
        ("tensor", "slider"),
        ("train_eval", "momentum"),
        ("coupling", "view"),  # the view switch above the body: its own fragment
    ],
)
def test_a_sidebar_move_never_marks_the_title_stale(chromium, warmed, name, move):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        driver = DRIVERS[name](page, warmed, "")
        driver.load()
        act = getattr(driver, move)
        act()
        page.evaluate(WATCH)
        for _ in range(4):
            act()
        assert page.evaluate("window.normlabStale") == 0
    finally:
        context.close()
