"""A control's move is one run, and leaves the rest of the page alone in the browser.

Every control's callback names the fragments to rerun, in the run the widget
itself asked for (`lab.ui.rerun`). Asked by a widget outside every fragment,
that is the whole page's run, and the browser marks every element stale
(``data-stale``) until the run ends: each element restyled twice, ~60-80
switches per Lab slider move. The controls live in a fragment of their own
(`lab.ui.page.Page.sidebar`), so the run is theirs: the page's title, outside
every fragment, is never marked. The same holds for Batch coupling's view
switch, above its body.

``st.rerun(keys)`` from the callback would stop that run and start another
(two ``new_session`` messages, one more full render in the browser);
`lab.ui.rerun` puts the fragments in its place instead. The tests read the
server's messages as the browser receives them: one ``new_session`` a move, no
run finished early for a rerun, and an element a fragment no longer draws is
gone after the move (the browser clears it only if the run's
``script_finished`` names that fragment).
"""

from __future__ import annotations

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.harness import wait_idle, wait_styled
from bench.pages import DRIVERS
from bench.pages.tensor import ready_tensor
from tests.e2e import messages

EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


def runs(messages: list[ForwardMsg]) -> tuple[int, int]:
    """(runs started, runs stopped early for a rerun) among ``messages``."""
    started = sum(m.WhichOneof("type") == "new_session" for m in messages)
    early = sum(
        m.WhichOneof("type") == "script_finished" and m.script_finished == EARLY
        for m in messages
    )
    return started, early


WATCH = """() => {
  window.normlabStale = 0;
  const title = document.querySelector('[data-testid="stMain"] h1')
    .closest('[data-testid="stElementContainer"]');
  new MutationObserver((changes) => {
    window.normlabStale += changes.length;
  }).observe(title, { attributes: true, attributeFilter: ["data-stale"] });
}"""


@pytest.fixture
def recording(chromium):
    context = messages.recording(chromium)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(
    ("name", "move"),
    [
        ("lab", "slider"),
        ("lab", "family"),
        ("tensor", "slider"),
        ("train_eval", "momentum"),
        ("train_eval", "step"),  # two fragments from a button's callback
        ("sequences", "family"),
        ("coupling", "view"),  # the view switch above the body: its own fragment
    ],
)
def test_a_move_is_one_run_and_never_marks_the_title_stale(
    recording, warmed, name, move
):
    driver = DRIVERS[name](recording, warmed, "")
    driver.load()
    act = getattr(driver, move)
    act()
    recording.evaluate(WATCH)
    messages.taken(recording)  # what came before
    for _ in range(4):
        act()
        wait_idle(recording)
        assert runs(messages.forward(recording)) == (1, 0)
    assert recording.evaluate("window.normlabStale") == 0


G_IS_ONE = "G = 1 pools exactly LayerNorm's sets"


def test_what_a_fragment_stops_drawing_leaves_after_a_sidebar_move(recording, warmed):
    """G = 1 draws a note under the cubes (the shape fragment); G = 2 of C = 6
    draws none. A move of G in the sidebar reruns that fragment in the control's
    own run: the note must go, and nothing is left marked as running."""
    page = recording
    page.goto(f"{warmed}/tensor?view=one&norm=group&channels=6")
    ready_tensor(page)
    wait_styled(page)
    messages.taken(page)  # what came before
    thumb = page.locator("[data-testid='stSlider']", has_text="G (GroupNorm").first
    thumb.get_by_role("slider").press("Home")
    page.get_by_text(G_IS_ONE).first.wait_for(state="visible", timeout=30_000)
    wait_idle(page)
    assert runs(messages.forward(page)) == (1, 0)
    thumb.get_by_role("slider").press("ArrowRight")
    page.get_by_text(G_IS_ONE).first.wait_for(state="detached", timeout=30_000)
    wait_idle(page)
    assert runs(messages.forward(page)) == (1, 0)
    assert page.locator("[data-stale='true']").count() == 0
