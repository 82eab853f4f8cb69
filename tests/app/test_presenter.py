"""Presenter links and locked views on every page (AppTest): ``presenter=1``
adds the presenter's stylesheet, ``show=`` hides every other control by its
container's class, a bad flag gets the page's note, and an ordinary link gets
nothing at all."""

from __future__ import annotations

import pytest

from lab.core.flags import ViewFlags
from lab.ui.sync import FLAGS
from tests.app.pages import open_page, visit
from tests.app.test_every_page import PAGES

SHOW = {  # two settings each page has a control for in its sidebar
    "pages/lab.py": ("lab", "norm", "batch"),
    "pages/tensor.py": ("tensor", "norm", "batch"),
    "pages/coupling.py": ("coupling", "norm", "batch"),
    "pages/train_eval.py": ("traineval", "norm", "batch"),
    "pages/sequences.py": ("seq", "norm", "batch"),
    "pages/why.py": ("why", "depth", "batch"),
    "pages/rms.py": ("rms", "c", "delta"),
    "pages/choose.py": ("choose", "arch", "devices"),
}


def styles(at) -> list[str]:
    return [h.proto.body for h in at.get("html")]


@pytest.mark.parametrize("path", PAGES)
def test_a_presenter_link_locks_every_control_but_the_ones_it_shows(path):
    prefix, a, b = SHOW[path]
    at = visit(open_page(path), presenter="1", show=f"{a},{b}")
    assert not at.warning, [w.value for w in at.warning]
    css = styles(at)[-1]
    assert "Presenter mode" in css
    # the selectors of the rule hiding controls, one a line
    hidden = {ln.rstrip(",") for ln in css.splitlines() if ln.startswith(".st-key-")}
    assert f".st-key-{prefix}-{a}" not in hidden
    assert f".st-key-{prefix}-{b}" not in hidden
    assert f".st-key-{prefix}-scenario" in hidden  # every other one is hidden
    if path != "pages/choose.py":  # the one page with no seed
        assert f".st-key-{prefix}-seed" in hidden
    assert at.session_state[FLAGS] == ViewFlags(presenter=True, show=(a, b))
    # the locked controls are still drawn: the page runs as an ordinary one
    assert any(s.label == "Scenario" for s in at.sidebar.selectbox)


@pytest.mark.parametrize("path", PAGES)
def test_an_ordinary_link_gets_no_presenter_element(path):
    at = open_page(path)
    assert not any("Presenter mode" in s for s in styles(at))
    flags = at.session_state[FLAGS] if FLAGS in at.session_state else ViewFlags()
    assert flags.plain


def test_a_shown_control_moves_and_the_link_stays_a_presenter_link():
    at = visit(open_page(), presenter="1", show="norm,batch")
    at.sidebar.button_group(key="lab.norm").set_value("layer").run()
    at.run()  # the whole page again (the move reran the board alone)
    assert at.session_state["lab.norm"] == "layer"
    assert at.session_state[FLAGS] == ViewFlags(presenter=True, show=("norm", "batch"))


def test_a_bad_flag_is_named_in_the_note():
    at = visit(open_page(), presenter="yes please", show="norm,colour")
    note = at.warning[0].value
    assert "presenter (not 0 or 1)" in note
    assert "show (no control named colour on this page)" in note
    assert "yes please" not in note


def test_show_with_nothing_leaves_no_sidebar():
    at = visit(open_page(), show="")
    css = "\n".join(styles(at))
    assert '[data-testid="stSidebar"],' in css
    assert "Presenter mode" not in css  # show= alone does not enlarge the type


@pytest.mark.parametrize("path", PAGES)
def test_streamlits_embedding_parameters_never_reach_the_page(path):
    """``?embed=true&embed_options=…`` (an <iframe> snippet's link) are
    Streamlit's own: no note about them, and the page opens as without."""
    at = visit(open_page(path), embed="true", embed_options="dark_theme")
    assert not at.warning, [w.value for w in at.warning]
