"""Presenter links in a real browser: what ``show=`` leaves is all a student
sees and can move, the type is larger, the flags survive every move, and
Share offers the student's link and the presenter's."""

from __future__ import annotations

from bench.harness import wait_idle

ROOT_SIZE = "() => parseFloat(getComputedStyle(document.documentElement).fontSize)"
VISIBLE_CONTROLS = """() => Array.from(document.querySelectorAll(
    '[data-testid="stSidebar"] [data-testid="stWidgetLabel"]'))
    .filter((e) => e.offsetParent !== null).map((e) => e.innerText.trim())"""


def heatmap_title(page, i: int = 1) -> str:
    return page.evaluate(
        "(i) => document.querySelectorAll('.normlab-heatmap canvas')[i].dataset.title",
        i,
    )


def test_a_presenter_link_shows_only_the_controls_it_names(open_lab):
    page = open_lab("?presenter=1&show=norm,batch")
    assert page.evaluate(VISIBLE_CONTROLS) == ["Normalization", "Batch size"]
    # no page list, no scenario box to pick from: few controls
    assert not page.locator('[data-testid="stSidebarNav"]').is_visible()
    assert not page.get_by_role("combobox", name="Scenario").is_visible()
    # type readable from the back of the room, and thicker outlines on canvas
    root = page.evaluate(ROOT_SIZE)
    assert root >= 17
    scale = page.locator(".normlab-heatmap canvas").first.get_attribute("data-scale")
    assert float(scale) > 1.05  # labels and outlines drawn larger
    # a shown control moves, and the link stays the presenter's
    page.locator("[data-testid='stSidebar'] button", has_text="LayerNorm").click()
    page.wait_for_function(
        "() => document.querySelectorAll('.normlab-heatmap canvas')[1]"
        ".dataset.title.includes('LayerNorm')"
    )
    wait_idle(page)
    assert "norm=layer" in page.url
    assert "presenter=1" in page.url and "show=norm%2Cbatch" in page.url.replace(
        ",", "%2C"
    )
    assert page.evaluate(VISIBLE_CONTROLS) == ["Normalization", "Batch size"]


def test_a_link_that_shows_nothing_has_no_sidebar(open_lab):
    page = open_lab("?norm=rms&show=")
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[data-testid="stExpandSidebarButton"]').is_visible()
    assert heatmap_title(page) == "After RMSNorm"
    # an ordinary size of type: show= alone is not presenter mode
    root = page.evaluate("() => getComputedStyle(document.documentElement).fontSize")
    assert root == "16px"


def test_a_presenter_link_is_kept_when_the_presenter_changes_page(open_lab):
    page = open_lab("?presenter=1")
    page.locator('[data-testid="stSidebarNav"] a', has_text="Tensor view").click()
    page.get_by_role("heading", name="Tensor view").wait_for()
    wait_idle(page)
    assert "presenter=1" in page.url
    root = page.evaluate(ROOT_SIZE)
    assert root >= 17


def test_share_offers_a_link_for_students_and_a_presenter_link(open_lab, app_url):
    page = open_lab("?norm=layer&presenter=1&show=norm")
    page.get_by_role("button", name="Share this view").click()
    student = page.locator(".normlab-share-link")
    presenter = page.locator(".normlab-share-presenter")
    student.wait_for()
    assert student.inner_text() == f"{app_url}/?norm=layer"
    assert presenter.inner_text() == f"{app_url}/?norm=layer&presenter=1&show=norm"
    page.locator(".normlab-share-picks label", has_text="Batch size").click()
    page.wait_for_function(
        "() => document.querySelector('.normlab-share-presenter').textContent"
        ".endsWith('show=norm,batch')"
    )
    page.locator(".normlab-share-picks label", has_text="Normalization").click()
    page.wait_for_function(
        "() => document.querySelector('.normlab-share-presenter').textContent"
        ".endsWith('show=batch')"
    )
