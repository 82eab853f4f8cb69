"""The Tensor view in a real browser: the real server, headless Chromium, clicks.

The cubes and flat maps are canvases (lab/tensor/tensor.js); each records what it
drew in data attributes (``data-focus``, ``data-set``, ``data-numbers``) and
offers ``canvas.normlabPoint([n, c, h, w])``, a point where a click reaches
that cell, so the tests click exactly where a person would.
"""

from __future__ import annotations

import re

import pytest

from bench.harness import (
    same_view_in_new_browser,
    shared_link,
    view_numbers,
    wait_idle,
    wait_styled,
)
from lab.core.helpers import fmt
from lab.tensor.model import build_view
from lab.tensor.state import TensorState

ONE = "?view=one"
ROOTS = "document.querySelectorAll('.normlab-tensor')"
DRAWN = (
    f"() => {ROOTS}.length === 3 && Array.from({ROOTS}).every((r) => "
    "r.querySelectorAll('canvas').length && Array.from(r.querySelectorAll('canvas'))"
    ".every((c) => c.dataset.numbers))"
)
CUBES = ".normlab-tensor[data-kind='cubes'] canvas"
UNFOLDED = ".normlab-tensor[data-layout='unfolded'] canvas"
PITFALL = ".normlab-tensor[data-layout='example'] canvas"


def ready(page) -> None:
    page.wait_for_function(DRAWN, timeout=60_000)
    wait_idle(page)
    wait_styled(page)


@pytest.fixture
def open_tensor(page, warmed):
    """Open the Tensor view with a query string; wait for every canvas to draw."""

    def _open(query: str = "") -> object:
        page.goto(f"{warmed}/tensor{query}")
        ready(page)
        return page

    return _open


def focus_line(page) -> str:
    text = page.inner_text(".normlab-tensor-line")
    pattern = r"Focused cell: example \d+, channel \d+, position \(\d+, \d+\)"
    return re.search(pattern, text).group(0)


def point(page, selector: str, index: int, cell) -> tuple[float, float]:
    """Page coordinates where a click on canvas ``index`` reaches ``cell``."""
    canvas = page.locator(selector).nth(index)
    canvas.scroll_into_view_if_needed()
    pt = canvas.evaluate("(c, f) => c.normlabPoint(f)", list(cell))
    assert pt is not None, f"{cell} cannot be reached in {selector} #{index}"
    box = canvas.bounding_box()
    return box["x"] + pt[0], box["y"] + pt[1]


def click_cell(page, selector: str, index: int, cell) -> None:
    page.mouse.click(*point(page, selector, index, cell))


def wait_for_focus(page, cell) -> None:
    """Every canvas shows ``cell`` and Python's words for it have arrived."""
    n, c, h, w = cell
    page.wait_for_function(
        """([cell, text]) =>
            Array.from(document.querySelectorAll('.normlab-tensor canvas'))
                .every((cv) => cv.dataset.focus === cell) &&
            document.body.innerText.includes(text) &&
            !document.querySelector('.normlab-tensor-pending')""",
        arg=[
            f"{n},{c},{h},{w}",
            f"Focused cell (example {n}, channel {c}, position ({h}, {w}))",
        ],
        timeout=30_000,
    )
    wait_idle(page)


def wait_for_text(page, text: str) -> None:
    page.wait_for_function(
        "(t) => document.body.innerText.includes(t)", arg=text, timeout=30_000
    )
    wait_idle(page)


def cube_sets(page) -> list[int]:
    return page.evaluate(
        f'() => Array.from(document.querySelectorAll("{CUBES}"),'
        " (c) => Number(c.dataset.set))"
    )


def readout(page, root: str, label: str) -> str:
    """A readout the component drew (label, then its value)."""
    cell = page.locator(f".normlab-tensor[data-{root}] .normlab-metric").filter(
        has_text=label
    )
    return cell.locator(".normlab-metric-value").inner_text()


def picker(page, label: str):
    return page.get_by_label(label, exact=True)


def test_wu_and_hes_four_cubes_are_drawn_with_their_sets(open_tensor):
    page = open_tensor()
    titles = page.evaluate(
        f'() => Array.from(document.querySelectorAll("{CUBES}"),'
        " (c) => c.dataset.title)"
    )
    assert titles == ["BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm"]
    # N=4, C=6, H=W=3, G=2: sets of 36, 54, 9 and 27 cells
    assert cube_sets(page) == [36, 54, 9, 27]
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator(".js-plotly-plot").count() == 0
    assert focus_line(page) == "Focused cell: example 0, channel 0, position (0, 0)"
    label = page.locator(CUBES).first.get_attribute("aria-label")
    assert "example 0, channel 0, position (0, 0)" in label
    assert "36 cells share its mean and variance" in label


def test_clicking_the_unfolded_map_moves_the_focus_and_the_cubes(open_tensor):
    page = open_tensor()
    click_cell(page, UNFOLDED, 0, (2, 4, 1, 2))  # the raw map
    wait_for_focus(page, (2, 4, 1, 2))
    assert focus_line(page) == "Focused cell: example 2, channel 4, position (1, 2)"
    assert "focus=2%2C4%2C1%2C2" in page.url
    assert picker(page, "Channel c").input_value() == "4"
    # GroupNorm's set (the family shown): example 2, channels 3–5 of group 1
    assert page.locator(UNFOLDED).first.get_attribute("data-outline") == "2,2,27,53"
    click_cell(page, UNFOLDED, 1, (0, 1, 0, 0))  # the normalized map
    wait_for_focus(page, (0, 1, 0, 0))


def test_clicking_a_cube_focuses_that_cell_and_the_readouts_follow(open_tensor):
    page = open_tensor()
    cell = (0, 3, 2, 1)  # front face: every cube of example 0 can be seen
    click_cell(page, CUBES, 3, cell)  # the GroupNorm cube
    wait_for_focus(page, cell)
    assert focus_line(page) == "Focused cell: example 0, channel 3, position (2, 1)"
    assert "focus=0%2C3%2C2%2C1" in page.url
    assert cube_sets(page) == [36, 54, 9, 27]
    view = build_view(TensorState(focus=cell))
    pf = view.pitfall
    want = fmt(float(pf.diff[3, 2 * 3 + 1]))
    assert readout(page, "layout='example'", "Difference at the cell") == want
    row = page.locator(".normlab-tensor-table tr", has_text="GroupNorm").inner_text()
    group = view.readouts["group"]
    assert fmt(group.y) in row and fmt(group.mean) in row
    # a cube of another example, on the top face: reachable too
    top = (2, 1, 2, 2)
    click_cell(page, CUBES, 0, top)
    wait_for_focus(page, top)


def test_the_arrow_keys_move_the_focus_in_a_cube(open_tensor):
    page = open_tensor(ONE + "&norm=layer")
    page.locator(CUBES).first.focus()
    page.keyboard.press("ArrowRight")
    wait_for_focus(page, (0, 1, 0, 0))
    page.keyboard.press("ArrowUp")  # up the H·W axis: position (0, 1)
    wait_for_focus(page, (0, 1, 0, 1))


def test_the_pickers_move_the_focus(open_tensor):
    page = open_tensor(ONE + "&norm=layer")
    box = picker(page, "Example n")
    box.fill("3")
    box.press("Enter")
    wait_for_focus(page, (3, 0, 0, 0))
    assert "focus=3%2C0%2C0%2C0" in page.url
    assert cube_sets(page) == [54]  # LayerNorm: all 54 cells of example 3
    box.fill("99")  # beyond N: the last example
    box.press("Enter")
    wait_for_focus(page, (3, 0, 0, 0))
    assert box.input_value() == "3"


def test_clicking_a_pitfall_map_moves_the_position_within_the_example(open_tensor):
    page = open_tensor("?scenario=pitfall&focus=1,0,0,0")
    # the nn.LayerNorm(C) map of example 1: 6 channels × 9 positions
    click_cell(page, PITFALL, 1, (1, 2, 2, 1))
    wait_for_focus(page, (1, 2, 2, 1))
    # the LayerNorm(C) set: that position's column, every channel
    assert page.locator(PITFALL).nth(1).get_attribute("data-outline") == "0,5,7,7"


def test_hovering_a_cube_shows_the_pages_raw_and_normalized_values(open_tensor):
    page = open_tensor(ONE + "&norm=layer")
    view = build_view(TensorState(view="one", norm="layer"))
    y = view.results["layer"].output.numpy()
    for n, c, h, w in ((0, 2, 1, 0), (0, 5, 2, 2), (3, 5, 2, 2)):
        page.mouse.move(*point(page, CUBES, 0, (n, c, h, w)))
        tip = page.locator(".normlab-tensor .normlab-tip").first
        tip.wait_for(state="visible")
        text = tip.inner_text()
        assert text.splitlines() == [
            f"example {n}, channel {c}, position ({h}, {w})",
            f"raw x = {fmt(float(view.x[n, c, h, w]))}",
            f"after LayerNorm = {fmt(float(y[n, c, h, w]))}",
        ]


def test_hovering_the_unfolded_map_shows_both_values(open_tensor):
    page = open_tensor()
    view = build_view(TensorState())
    y = view.results["group"].output.numpy()
    page.mouse.move(*point(page, UNFOLDED, 1, (1, 2, 0, 1)))
    tip = page.locator(".normlab-tensor[data-layout='unfolded'] .normlab-tip").nth(1)
    tip.wait_for(state="visible")
    assert tip.inner_text().splitlines() == [
        "example 1, channel 2, position (0, 1)",
        f"after GroupNorm = {fmt(float(y[1, 2, 0, 1]))}",
        f"raw x = {fmt(float(view.x[1, 2, 0, 1]))}",
    ]


def test_g_at_one_says_groupnorm_meets_layernorm(open_tensor):
    page = open_tensor(ONE + "&norm=group")
    assert cube_sets(page) == [27]
    slider = page.locator("[data-testid='stSlider']", has_text="G (GroupNorm").first
    slider.get_by_role("slider").press("Home")
    wait_for_text(page, "G = 1 pools exactly LayerNorm's sets")
    page.wait_for_function(
        f"() => document.querySelector(\"{CUBES}\").dataset.set === '54'"
    )
    assert "groups=1" in page.url
    assert readout(page, "kind='cubes'", "pairs = N·G") == "4"


def test_the_torch_code_is_drawn_when_its_section_opens(open_tensor):
    """The code is highlighted only once asked for (a first view spent
    250–320 ms highlighting it in a closed expander): opening the section
    shows it, for the tensor on screen."""
    page = open_tensor("?batch=3&channels=4")
    code = page.locator("[data-testid='stCode']")
    assert code.count() == 0
    page.get_by_text("The same in torch.nn", exact=True).click()
    code.first.wait_for(state="visible", timeout=30_000)
    text = code.first.text_content()
    assert "nn.LayerNorm(C, elementwise_affine=False)" in text
    assert "torch.randn(3, 4, " in text


def test_back_button_returns_to_the_previous_family(open_tensor):
    page = open_tensor(ONE + "&norm=layer")
    page.locator("[data-testid='stSidebar'] button", has_text="InstanceNorm").click()
    page.wait_for_url(re.compile(r"norm=instance"))
    wait_idle(page)
    page.go_back()
    page.wait_for_function(
        f"() => document.querySelector(\"{CUBES}\")?.dataset.title === 'LayerNorm'"
    )
    wait_idle(page)
    assert "norm=layer" in page.url
    assert cube_sets(page) == [54]


def test_a_hostile_link_renders_the_page_with_a_note(open_tensor):
    page = open_tensor(ONE + "&batch=%3Cscript%3Ealert(1)%3C/script%3E&focus=9,9,9,9")
    main = page.inner_text("[data-testid='stMain']")
    assert "could not be used as written" in main
    assert "example 3, channel 5, position (2, 2)" in main  # clamped inside
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("script:has-text('alert(1)')").count() == 0


def test_the_share_link_opens_the_same_numbers_in_a_new_browser(open_tensor, chromium):
    page = open_tensor(ONE + "&norm=group&seed=5")
    click_cell(page, UNFOLDED, 0, (2, 1, 0, 2))
    wait_for_focus(page, (2, 1, 0, 2))
    link = shared_link(page)
    assert "seed=5" in link and "focus=2%2C1%2C0%2C2" in link
    seen = view_numbers(page)
    # every canvas and every readout block recorded its numbers
    # the pickers; the cube and its 3 blocks; 2 maps; 3 maps and their 3 blocks
    assert len(seen["drawn"]) == 1 + 1 + 3 + 2 + 3 + 3
    assert any('"set":27' in d for d in seen["drawn"])
    same_view_in_new_browser(chromium, link, seen, ready=ready)
