"""Presenter links in a real browser: what ``show=`` leaves is all a student
sees and can move, the type is larger, the flags survive every move, and
Share offers the student's link and the presenter's; on a projector each
page's first screen holds its stage whole."""

from __future__ import annotations

from itertools import pairwise

import pytest

from bench.harness import wait_idle, wait_styled

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


# ---- the first screen: header, then the page's stage (lab/ui/present.py) ----

# What each page's first screen must hold whole: the raw and the normalized
# side by side (or over each other), the chart a page is about, or its table's
# first row as far as the columns it compares; how many; and whether they are
# side by side.
STAGES = {
    "": (".normlab-heatmap canvas", 2, True),
    "tensor": (".st-key-normlab-stage canvas", 2, False),
    "coupling": (".st-key-normlab-stage canvas", 1, False),
    "train_eval": (".st-key-normlab-stage canvas", 1, False),
    "sequences": (".st-key-normlab-stage canvas", 2, True),
    "why": (".st-key-normlab-stage canvas", 2, True),
    # Transformation, BatchNorm, LayerNorm, RMSNorm
    "rms": (".st-key-normlab-stage tbody tr:first-child td", 4, True),
    # the question, its answer, the page that shows it
    "choose": (".st-key-normlab-stage tbody tr:first-child td", 4, True),
}
SCREENS = {
    "projector at 150%": (853, 480, 1.5),  # 1280 × 720 zoomed
    "1280 × 720 (or 1920 × 1080 at 150%)": (1280, 720, 1),
    "1920 × 1080": (1920, 1080, 1),
}
BOXES = """(sel) => Array.from(document.querySelectorAll(sel)).map((e) => {
    const r = e.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
})"""


def _first_screen(chromium, app_url, path: str, query: str, screen) -> tuple:
    width, height, scale = screen
    context = chromium.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale
    )
    page = context.new_page()
    page.goto(f"{app_url}/{path}{query}")
    wait_idle(page, 120_000)
    wait_styled(page)
    return context, page


@pytest.mark.parametrize("screen", SCREENS.values(), ids=SCREENS.keys())
@pytest.mark.parametrize("path", STAGES, ids=[p or "lab" for p in STAGES])
def test_a_presenter_s_first_screen_holds_the_page_s_stage_whole(
    chromium, app_url, warmed, path, screen
):
    selector, count, beside = STAGES[path]
    context, page = _first_screen(chromium, app_url, path, "?presenter=1", screen)
    try:
        page.wait_for_function(
            "([sel, n]) => document.querySelectorAll(sel).length >= n"
            " && Array.from(document.querySelectorAll(sel)).slice(0, n)"
            ".every((e) => e.getBoundingClientRect().height > 20)",
            arg=[selector, count],
            timeout=60_000,
        )
        page.wait_for_timeout(500)  # a chart's last draw after its size settled
        boxes = page.evaluate(BOXES, selector)[:count]
        width, height, _ = screen
        for box in boxes:
            assert box["top"] >= 0 and box["bottom"] <= height, (path, box)
            assert box["left"] >= 0 and box["right"] <= width, (path, box)
        title = page.locator("[data-testid='stMain'] h1").bounding_box()
        assert title["y"] >= 0 and title["y"] + title["height"] <= boxes[0]["top"]
        for a, b in pairwise(boxes):
            if beside:  # one row
                assert abs(a["top"] - b["top"]) < 2 and a["right"] <= b["left"] + 1
            else:  # one over the other
                assert a["bottom"] <= b["top"] + 1
    finally:
        context.close()


def test_only_a_presenter_s_page_moves_its_stage_above_its_controls(
    chromium, app_url, warmed
):
    """Batch coupling draws its view switch above the chart; a presenter's page
    shows the chart first and the switch under it, and keeps every control."""
    switch = "[data-testid='stMain'] [data-testid='stButtonGroup']"
    stage = ".st-key-normlab-stage canvas"
    tops = {}
    for query in ("", "?presenter=1"):
        context, page = _first_screen(
            chromium, app_url, "coupling", query, (1400, 1000, 1)
        )
        try:
            page.locator(stage).first.wait_for()
            tops[query] = (
                page.locator(switch).first.bounding_box()["y"],
                page.locator(stage).first.bounding_box()["y"],
            )
        finally:
            context.close()
    assert tops[""][0] < tops[""][1]  # ordinary: the switch, then the chart
    assert tops["?presenter=1"][1] < tops["?presenter=1"][0]  # presenter: chart
