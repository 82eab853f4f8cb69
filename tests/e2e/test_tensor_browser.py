"""The Tensor view in a real browser: the real server, headless Chromium, clicks.

Each 3-D scene costs about half a second to create in headless Chromium's
software WebGL, and Streamlit re-creates every chart whose figure changed, so
most tests use the one-cube layout; the four-cube figure gets its own test.
"""

from __future__ import annotations

import re

import pytest

from lab.tensor import TensorState, build_view
from tests.e2e.harness import (
    same_view_in_new_browser,
    shared_link,
    view_numbers,
    wait_idle,
)

MAPS = 5  # two unfolded maps, three pitfall maps
ONE = "?view=one"


@pytest.fixture(scope="module")
def warmed(app_url, chromium):
    """Load the home page once before any deep link.

    On a fresh server, Streamlit runs a first request for /tensor in its legacy
    `pages/`-folder mode, which skips app.py (no wide layout, its own page list)
    until someone has opened /. That is a property of the app's folder layout,
    reported to the lead; these tests are about the page.
    """
    context = chromium.new_context()
    page = context.new_page()
    page.goto(app_url)
    wait_idle(page)
    context.close()
    return app_url


@pytest.fixture
def open_tensor(page, warmed):
    """Open the Tensor view with a query string; wait for every chart to draw."""

    def _open(query: str = ONE, cubes: int = 1) -> object:
        page.goto(f"{warmed}/tensor{query}")
        wait_idle(page)
        page.wait_for_function(
            """([cubes, maps]) =>
                document.querySelectorAll('.js-plotly-plot .gl-container canvas')
                    .length >= cubes &&
                document.querySelectorAll('.js-plotly-plot .heatmaplayer image')
                    .length === maps""",
            arg=[cubes, MAPS],
            timeout=60_000,
        )
        return page

    return _open


def focus_line(page) -> str:
    text = page.inner_text("[data-testid='stMain']")
    pattern = r"Focused cell: example \d+, channel \d+, position \(\d+, \d+\)"
    return re.search(pattern, text).group(0)


def focused_cube(page, chart: int = 0) -> list[float]:
    """Centre (x = c, y = n, z = h·W + w) of the orange cube Plotly drew."""
    return page.evaluate(
        """(i) => {
            const gd = document.querySelectorAll('.js-plotly-plot')[i];
            const t = gd._fullData.find((d) => d.name === 'focused cell');
            const mean = (a) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
            return [mean(t.x), mean(t.y), mean(t.z)];
        }""",
        chart,
    )


def wait_for_cube(page, expected: list[float], chart: int = 0) -> None:
    """Wait until the orange cube sits at ``expected``: Plotly redraws the cube
    after the text around it has changed, a frame or more later under load."""
    try:
        page.wait_for_function(
            """([i, want]) => {
                const gd = document.querySelectorAll('.js-plotly-plot')[i];
                const t = gd?._fullData?.find((d) => d.name === 'focused cell');
                if (!t) return false;
                const mean = (a) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
                const got = [mean(t.x), mean(t.y), mean(t.z)];
                return got.every((v, k) => Math.abs(v - want[k]) < 1e-6);
            }""",
            arg=[chart, expected],
            timeout=30_000,
        )
    except Exception:  # report where the cube is
        assert focused_cube(page, chart) == pytest.approx(expected)
        raise


def set_cubes(page, chart: int = 0) -> int:
    """How many blue cubes (the focused set, less the focused cell) are drawn."""
    return page.evaluate(
        """(i) => {
            const gd = document.querySelectorAll('.js-plotly-plot')[i];
            const t = gd._fullData.find((d) => d.name === 'its set');
            return t ? t.x.length / 8 : 0;
        }""",
        chart,
    )


def click_map(page, chart: int, row: int, col: int, rows: int, cols: int) -> None:
    area = page.locator(".js-plotly-plot").nth(chart).locator(".nsewdrag")
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    page.mouse.click(
        box["x"] + (col + 0.5) / cols * box["width"],
        box["y"] + (row + 0.5) / rows * box["height"],
    )


def wait_for_text(page, text: str) -> None:
    page.wait_for_function(
        "(t) => document.body.innerText.includes(t)", arg=text, timeout=30_000
    )
    wait_idle(page)


def picker(page, label: str):
    return page.get_by_role("spinbutton", name=label)


def test_wu_and_hes_four_cubes_are_drawn_with_their_sets(open_tensor):
    page = open_tensor("", cubes=4)
    titles = page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".slice(0, 4).map((gd) => gd.layout.title.text.replace(/<[^>]*>/g, ''))"
    )
    assert titles == ["BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm"]
    # N=4, C=6, H=W=3, G=2: sets of 36, 54, 9 and 27 cells (one is the focus)
    assert [set_cubes(page, i) for i in range(4)] == [35, 53, 8, 26]
    assert page.locator("[data-testid='stException']").count() == 0
    assert focus_line(page) == "Focused cell: example 0, channel 0, position (0, 0)"


def test_clicking_the_unfolded_map_moves_the_focus_and_the_cube(open_tensor):
    page = open_tensor()
    # raw unfolded map (chart 1): 4 rows, 6 channels × 9 positions;
    # cell n=2, c=4, (h, w) = (1, 2) is column 4·9 + 1·3 + 2
    click_map(page, 1, row=2, col=4 * 9 + 1 * 3 + 2, rows=4, cols=54)
    wait_for_text(page, "example 2, channel 4, position (1, 2)")
    wait_for_cube(page, [4, 2, 5])
    assert "focus=2%2C4%2C1%2C2" in page.url
    assert picker(page, "Channel c").input_value() == "4"
    click_map(page, 2, row=0, col=1 * 9, rows=4, cols=54)  # the normalized map
    wait_for_text(page, "example 0, channel 1, position (0, 0)")
    wait_for_cube(page, [1, 0, 0])


def test_the_pickers_move_the_focus(open_tensor):
    page = open_tensor(ONE + "&norm=layer")
    box = picker(page, "Example n")
    box.fill("3")
    box.press("Enter")
    wait_for_text(page, "example 3, channel 0, position (0, 0)")
    wait_for_cube(page, [0, 3, 0])
    assert "focus=3%2C0%2C0%2C0" in page.url
    assert set_cubes(page) == 53  # LayerNorm: all 54 cells of example 3


def test_clicking_a_pitfall_map_moves_the_position_within_the_example(open_tensor):
    page = open_tensor("?scenario=pitfall&focus=1,0,0,0")
    # the nn.LayerNorm(C) map (chart 4) of example 1: 6 channels × 9 positions
    click_map(page, 4, row=2, col=7, rows=6, cols=9)
    wait_for_text(page, "example 1, channel 2, position (2, 1)")
    outline = page.evaluate(
        "() => { const s = document.querySelectorAll('.js-plotly-plot')[4]"
        ".layout.shapes[1]; return [s.x0, s.x1]; }"
    )
    assert outline == [6.5, 7.5]  # the LayerNorm(C) set: that position's column


def test_hovering_a_cube_shows_the_pages_raw_and_normalized_values(open_tensor):
    page = open_tensor(ONE + "&norm=layer")
    view = build_view(TensorState(view="one", norm="layer"))
    y = view.results["layer"].output.numpy()
    chart = page.locator(".js-plotly-plot").first
    box = chart.bounding_box()
    for fy in (0.4, 0.5, 0.6, 0.3):
        page.mouse.move(box["x"] + 0.4 * box["width"], box["y"] + fy * box["height"])
        page.wait_for_timeout(300)
        label = chart.locator(".hovertext")
        if label.count():
            text = label.first.text_content()
            m = re.search(
                r"example (\d), channel (\d), position \((\d), (\d)\)"
                r"x = (\S+)LayerNorm: (\S+)",
                text,
            )
            assert m, text
            n, c, h, w = (int(v) for v in m.groups()[:4])
            assert float(m.group(5)) == pytest.approx(view.x[n, c, h, w], rel=1e-3)
            assert float(m.group(6)) == pytest.approx(y[n, c, h, w], rel=1e-3)
            return
    pytest.fail("no hover label over the cube")


def test_g_at_one_says_groupnorm_meets_layernorm(open_tensor):
    page = open_tensor(ONE + "&norm=group")
    assert set_cubes(page) == 26
    slider = page.locator("[data-testid='stSlider']", has_text="G (GroupNorm").first
    slider.get_by_role("slider").press("Home")
    wait_for_text(page, "G = 1 pools exactly LayerNorm's sets")
    assert "groups=1" in page.url
    assert set_cubes(page) == 53  # the whole example, as LayerNorm
    pairs = page.locator("[data-testid='stMetric']").filter(has_text="pairs = N·G")
    assert pairs.locator("[data-testid='stMetricValue']").inner_text() == "4"


def test_back_button_returns_to_the_previous_family(open_tensor):
    page = open_tensor(ONE + "&norm=layer")
    page.locator("[data-testid='stSidebar'] button", has_text="InstanceNorm").click()
    page.wait_for_url(re.compile(r"norm=instance"))
    wait_idle(page)
    page.go_back()
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot')[0]"
        ".layout.title.text.includes('LayerNorm')"
    )
    wait_idle(page)
    assert "norm=layer" in page.url
    assert set_cubes(page) == 53


def test_a_hostile_link_renders_the_page_with_a_note(open_tensor):
    page = open_tensor(ONE + "&batch=%3Cscript%3Ealert(1)%3C/script%3E&focus=9,9,9,9")
    main = page.inner_text("[data-testid='stMain']")
    assert "could not be used as written" in main
    assert "example 3, channel 5, position (2, 2)" in main  # clamped inside
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("script:has-text('alert(1)')").count() == 0


def test_the_share_link_opens_the_same_numbers_in_a_new_browser(open_tensor, chromium):
    page = open_tensor(ONE + "&norm=group&seed=5")
    box = picker(page, "Example n")
    box.fill("2")
    box.press("Enter")
    wait_for_text(page, "example 2, channel 0, position (0, 0)")
    link = shared_link(page)
    assert "seed=5" in link and "focus=2%2C0%2C0%2C0" in link
    seen = view_numbers(page)
    same_view_in_new_browser(chromium, link, seen, ready=wait_idle)
