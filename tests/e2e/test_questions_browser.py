"""Predict, then reveal in a real browser: a prediction, then the reveal lands
the page on the question's view (URL, outline, chart), the answer is told with
the page's numbers, and the score travels as a link."""

from __future__ import annotations

from bench.harness import wait_idle
from tests.e2e.test_lab_browser import chart_state

POPOVER = '[data-testid="stPopoverBody"]'


def predict_and_reveal(page, choice: str) -> None:
    page.get_by_role("button", name="Predict, then reveal").click()
    body = page.locator(POPOVER)
    body.get_by_text("Your prediction").wait_for()
    assert body.get_by_role("button", name="Reveal", exact=True).is_disabled()
    body.get_by_text(choice, exact=True).click()
    wait_idle(page)
    body.get_by_role("button", name="Reveal", exact=True).click()
    body.get_by_text("On the page now:").wait_for()
    wait_idle(page)


def test_a_reveal_lands_on_the_questions_view(open_lab, app_url, chromium):
    page = open_lab("?norm=layer")
    predict_and_reveal(page, "Every feature of example 3: its row")
    # the page moved to the question's view: BatchNorm, cell (3, 5)
    page.wait_for_function(
        "() => document.querySelectorAll('.normlab-heatmap canvas')[1]"
        ".dataset.title.includes('BatchNorm')"
    )
    assert chart_state(page, 0)["outline"] == [0, 31, 5, 5]
    assert "focus=3%2C5" in page.url and "norm=layer" not in page.url
    body = page.locator(POPOVER)
    assert "Not quite" in body.inner_text()
    assert "The outline holds 32 cells" in body.inner_text()

    # the score, as a link that says so
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Share this view").click()
    score = page.locator(".normlab-share-score")
    score.wait_for()
    link = score.inner_text()
    assert link.endswith("score=0/1")
    context = chromium.new_context()
    try:
        other = context.new_page()
        other.goto(link)
        wait_idle(other, 60_000)
        other.get_by_text("A shared score: 0 of 1 predictions right").wait_for()
    finally:
        context.close()


def test_a_reveal_on_a_chart_page_moves_its_controls(page, warmed):
    page.goto(f"{warmed}/coupling")
    wait_idle(page, 60_000)
    predict_and_reveal(page, "BatchNorm's")
    assert "batch=2" in page.url
    slider = page.locator(
        "[data-testid='stSidebar'] input[type='range'][aria-label='Batch size']"
    )
    assert slider.input_value() == "2"
    assert "Right" in page.locator(POPOVER).inner_text()
