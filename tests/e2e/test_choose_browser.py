"""The Choose a norm page in a real browser, on the real server: answers move
the recommendation and the link, a table cell opens its view on another page
with no note, and the printed page is the cheat sheet alone, on one sheet."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from bench.harness import wait_idle
from bench.pages.choose import ready_choose, says
from lab.board.state import PAGE as LAB
from lab.choose import cheatsheet
from lab.choose.flow import Answers
from lab.choose.links import DEMOS
from lab.choose.state import PAGE
from lab.coupling.state import PAGE as COUPLING

RUN = 60_000
NOTE = "could not be used as written"


@pytest.fixture
def open_choose(page, warmed):
    def _open(query: str = "") -> object:
        page.goto(f"{warmed}/choose{query}")
        ready_choose(page)
        return page

    return _open


def main_text(page) -> str:
    return page.inner_text("[data-testid='stMain']")


def answers(url: str):
    """The flow's answers the link holds, read as the page reads a link."""
    state, note = PAGE.parse(parse_qs(urlparse(url).query))
    assert note is None
    return state.answers


def sidebar_option(page, label: str):
    return page.locator("[data-testid='stSidebar'] button").filter(
        has=page.get_by_text(label, exact=True)
    )


def test_answers_change_the_recommendation_and_the_link_carries_them(
    open_choose, chromium
):
    page = open_choose("?scenario=resnet")
    assert "Choose BatchNorm. Runner-up: GroupNorm." in main_text(page)
    sidebar_option(page, "Transformer").click()
    page.wait_for_function(says("Choose LayerNorm. Runner-up: RMSNorm."), timeout=RUN)
    wait_idle(page)
    assert answers(page.url).arch == "transformer"
    sidebar_option(page, "CNN").click()
    page.wait_for_function(says("Choose BatchNorm. Runner-up"), timeout=RUN)
    box = page.get_by_role("spinbutton", name="Examples per device")
    box.fill("3")
    box.press("Enter")
    page.wait_for_function(says("Choose GroupNorm. Runner-up"), timeout=RUN)
    wait_idle(page)
    assert answers(page.url) == Answers("cnn", False, False, per_device=3, devices=8)
    link = page.url
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = context.new_page()
        fresh.goto(link)
        ready_choose(fresh)
        text = main_text(fresh)
        assert "Choose GroupNorm. Runner-up: BatchNorm with SyncBatchNorm." in text
        assert NOTE not in text
    finally:
        context.close()
    assert page.locator("[data-testid='stException']").count() == 0


@pytest.mark.parametrize(
    ("cell", "demo", "spec", "scenario"),
    [
        ("No: every output is β", "lab_one", LAB, "one"),
        ("Needs SyncBatchNorm", "coupling_gpus", COUPLING, "gpus"),
    ],
)
def test_a_table_cell_opens_its_view_with_no_note(
    open_choose, cell, demo, spec, scenario
):
    page = open_choose()
    link = page.locator(".st-key-choose-tables a", has_text=cell).first
    assert link.get_attribute("href") == DEMOS[demo].url
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_url(re.compile(re.escape(DEMOS[demo].query) + "$"), timeout=RUN)
    wait_idle(page, 120_000)
    title = spec.by_key[scenario].title
    page.wait_for_function(says(title), timeout=RUN)
    text = main_text(page)
    assert NOTE not in text
    assert page.locator("[data-testid='stAlertContentWarning']").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0
    assert f"scenario={scenario}" in page.url  # the view, kept in the address


def test_the_printed_page_is_the_cheat_sheet_alone_on_one_sheet(open_choose, tmp_path):
    page = open_choose()
    page.emulate_media(media="print")
    sheet = page.locator(".st-key-choose-cheatsheet")
    assert sheet.is_visible()
    for hidden in (
        "[data-testid='stSidebar']",
        ".st-key-choose-tables",
        ".st-key-choose-flow_panel",
        ".st-key-choose-cost_panel",
    ):
        assert not page.locator(hidden).first.is_visible(), hidden
    shot = tmp_path / "cheat-sheet.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    printed = sheet.inner_text()
    assert cheatsheet.TITLE in printed
    for p in cheatsheet.PITFALLS:
        assert p.what in printed
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1


def test_the_cheat_sheet_downloads_as_markdown(open_choose, tmp_path):
    page = open_choose()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the cheat sheet (Markdown)").click()
    path = tmp_path / "sheet.md"
    download.value.save_as(path)
    assert path.read_text(encoding="utf-8") == cheatsheet.markdown()
