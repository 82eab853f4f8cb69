"""The Batch coupling page in a real browser: the real server, headless Chromium."""

from __future__ import annotations

import re

import pytest

from bench.harness import (
    figure_cell,
    readout,
    same_view_in_new_browser,
    shared_link,
    view_numbers,
    wait_idle,
)

CHARTS = "document.querySelectorAll('.normlab-figure[data-drawn]').length"


def wait_charts(page, count: int) -> None:
    page.wait_for_function(
        f"() => document.querySelectorAll('.normlab-figure').length === {count}"
        f" && {CHARTS} >= {count}",
        timeout=30_000,
    )


def chart(page, i: int) -> dict:
    """What Plotly drew in chart ``i``: title, trace names, shapes."""
    return page.evaluate(
        """(i) => {
            const gd = document.querySelectorAll('.normlab-figure')[i];
            const title = gd.dataset.title;
            return {title: title,
                    names: gd.data.map((t) => t.name || null),
                    shapes: (gd.layout.shapes || []).map(
                        (s) => [s.x0, s.x1, s.y0, s.y1])};
        }""",
        i,
    )


def main_text(page) -> str:
    return page.inner_text("[data-testid='stMain']")


def batch_step(page, key: str, expect: int) -> None:
    """One keyboard step of the Batch size slider; wait for the link to follow."""
    page.locator(
        "[data-testid='stSidebar'] input[type='range'][aria-label='Batch size']"
    ).focus()
    page.keyboard.press(key)
    page.wait_for_url(re.compile(rf"batch={expect}\b"))
    wait_idle(page)


def sidebar_button(page, text: str):
    return page.locator("[data-testid='stSidebar'] button", has_text=text)


@pytest.fixture
def open_coupling(page, warmed):
    """Open the Batch coupling page with a query string and wait for its charts."""
    app_url = warmed

    def _open(query: str = "", charts: int = 2) -> object:
        page.goto(f"{app_url}/coupling{'?' + query if query else ''}")
        wait_idle(page)
        wait_charts(page, charts)
        return page

    return _open


def test_the_sidebar_link_opens_the_spread_view(page, app_url):
    page.goto(app_url)
    wait_idle(page)
    page.locator("[data-testid='stSidebarNav'] a", has_text="Batch coupling").click()
    page.wait_for_url(re.compile(r"/coupling"))
    wait_idle(page)
    wait_charts(page, 2)
    spread = chart(page, 0)
    assert spread["title"] == "Spread of the fixed example's output"
    assert spread["names"][:2] == ["∝ 1/√B", "BatchNorm (train)"]
    assert "LayerNorm" in spread["names"]
    assert readout(page, "Every other family") == "0 (exactly)"
    assert page.locator("[data-testid='stException']").count() == 0


def test_clicking_a_probe_cell_nudges_that_cell(open_coupling):
    page = open_coupling("view=probe")
    assert "Nudge cell (example 0, feature 0)" in main_text(page)
    page.mouse.click(*figure_cell(page, 0, 5, 7))
    page.wait_for_function(
        "() => document.body.innerText.includes('Nudge cell (example 5, feature 7)')"
    )
    wait_idle(page)
    heat = chart(page, 0)
    assert heat["title"].startswith("∂y / ∂x[5, 7]")
    # BatchNorm: the outline is feature 7's whole column, the focus its cell
    assert [6.5, 7.5, -0.5, 15.5] in heat["shapes"]
    assert [6.5, 7.5, 4.5, 5.5] in heat["shapes"]
    assert "focus=5%2C7" in page.url


def test_switching_family_changes_what_moves(open_coupling):
    page = open_coupling("scenario=nudge_batch")
    assert readout(page, "Examples moved") == "16/16"
    sidebar_button(page, "LayerNorm").click()
    page.wait_for_url(re.compile(r"norm=layer"))
    wait_idle(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.normlab-metric')]"
        ".some((m) => m.innerText.includes('1/16'))"
    )
    assert readout(page, "Examples moved") == "1/16"
    assert [-0.5, 15.5, -0.5, 0.5] in chart(page, 0)["shapes"]  # example 0's row


def test_picking_a_scenario_then_going_back(open_coupling):
    page = open_coupling()
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").click()
    page.get_by_role("option", name="8 GPUs, 4 examples each").click()
    page.wait_for_url(re.compile(r"scenario=gpus"))
    wait_idle(page)
    wait_charts(page, 2)
    assert "SyncBatchNorm's arithmetic for feature 0" in main_text(page)
    assert chart(page, 1)["title"] == "Spread vs number of devices"
    page.go_back()
    page.wait_for_function(
        "() => (document.querySelectorAll('.normlab-figure')[0]?.layout?.title.text"
        " || '').includes('Spread of the fixed example')"
    )
    wait_idle(page)
    assert "scenario=" not in page.url


def test_a_shared_link_reproduces_the_view(open_coupling):
    page = open_coupling("scenario=ghost&focus=3,2")
    assert "The batch of 64 is cut into 8 ghost batches of 8" in main_text(page)
    assert chart(page, 0)["title"] == "Feature 2: each ghost's statistics"
    assert readout(page, "Ghost batches") == "8 × 8"


def test_moving_the_batch_slider_moves_the_marker_and_the_link(open_coupling):
    page = open_coupling()
    assert chart(page, 0)["shapes"][0][:2] == [16, 16]  # the B = 16 marker
    batch_step(page, "ArrowRight", 17)
    page.wait_for_function(
        "() => document.querySelectorAll('.normlab-figure')[0]?.layout?.shapes[0].x0"
        " === 17"
    )
    assert "15 batch-mates" not in main_text(page)  # the scenario was left


def test_a_hostile_link_renders_the_page_with_a_note(open_coupling):
    page = open_coupling(
        "view=%3Cscript%3Ealert(1)%3C/script%3E&batch=0&zzz=1", charts=1
    )
    assert "Batch size 1 has no batch-mates" in main_text(page)
    assert "could not be used as written" in main_text(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("script:has-text('alert(1)')").count() == 0


def test_the_share_link_opens_the_same_numbers_in_a_new_browser(
    open_coupling, chromium
):
    page = open_coupling("scenario=ghost&focus=3,2", charts=2)
    batch_step(page, "ArrowLeft", 63)
    link = shared_link(page)
    assert "batch=63" in link and "focus=3%2C2" in link
    seen = view_numbers(page)
    same_view_in_new_browser(chromium, link, seen, ready=wait_idle)


def test_moving_between_views_keeps_the_scenario_and_its_sentence(open_coupling):
    """Issue 12: each view button turned the scenario to Custom and replaced its
    sentence with "… changed. The controls have moved away …"."""
    page = open_coupling("scenario=ghost", charts=2)
    sentence = "A batch of 64 normalized as 8 ghost batches of 8"
    assert sentence in main_text(page)
    for label in ("Coupling probe", "Spread vs batch size", "Ghost batches"):
        page.locator("[data-testid='stMain'] button").filter(
            has=page.get_by_text(label, exact=True)
        ).click()
        page.wait_for_url(
            re.compile(r"view=" if label != "Ghost batches" else r"scenario=ghost$")
        )
        wait_idle(page)
        text = main_text(page)
        assert sentence in text and "moved away" not in text, label
        assert "scenario=ghost" in page.url
    assert page.locator("[data-testid='stSidebar']").get_by_text("Ghost batches")


def test_the_nudged_cell_is_reachable_by_keyboard_and_follows_clicks(open_coupling):
    """Issue 12: the probe's nudged cell was mouse-only."""
    page = open_coupling("view=probe")
    example = page.get_by_role("spinbutton", name="Nudged example")
    feature = page.get_by_role("spinbutton", name="Nudged feature")
    example.focus()
    page.keyboard.press("ArrowUp")  # the number input's own step, by keyboard
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"focus=2%2C0\b"))
    wait_idle(page)
    assert "Nudge cell (example 2, feature 0)" in main_text(page)
    # the rerun set the input's value in place: the keyboard is still there
    assert example.evaluate("(e) => e === document.activeElement")
    feature.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("9")
    page.keyboard.press("Tab")
    page.wait_for_url(re.compile(r"focus=2%2C9\b"))
    wait_idle(page)
    # the chart draws in the browser's next frame after the script is done
    page.wait_for_function(
        "() => document.querySelectorAll('.normlab-figure')[0]"
        ".dataset.title.startsWith('∂y / ∂x[2, 9]')"
    )
    # a click on the chart moves the inputs too
    page.mouse.click(*figure_cell(page, 0, 11, 4))
    page.wait_for_url(re.compile(r"focus=11%2C4\b"))
    wait_idle(page)
    assert example.input_value() == "11" and feature.input_value() == "4"


OFF = """(cls) => {
  const box = document.querySelector('.' + cls);
  const part = box && box.querySelector(
    '[data-testid="stButtonGroup"] > :not([data-testid="stWidgetLabel"]),'
    + ' [data-testid="stSlider"] > :not([data-testid="stWidgetLabel"])');
  return box && part ? [box.hasAttribute('data-normlab-off'),
    part.getAttribute('aria-disabled') === 'true'] : null;
}"""


def test_a_view_switch_turns_the_controls_it_does_not_use_off(open_coupling):
    """The view's panel switches off the controls the view does not use
    (dimmed, out of reach of pointer and keyboard) and back on."""
    page = open_coupling()
    assert page.evaluate(OFF, "st-key-coupling-mode") == [True, True]
    assert page.evaluate(OFF, "st-key-coupling-resamples") == [False, False]
    page.locator("[data-testid='stMain'] button").filter(
        has=page.get_by_text("Coupling probe", exact=True)
    ).click()
    page.wait_for_url(re.compile(r"view=probe"))
    wait_idle(page)
    wait_charts(page, 2)
    assert page.evaluate(OFF, "st-key-coupling-mode") == [False, False]
    assert page.evaluate(OFF, "st-key-coupling-resamples") == [True, True]
    sidebar_button(page, "Eval").click()  # reachable now
    page.wait_for_url(re.compile(r"mode=eval"))
