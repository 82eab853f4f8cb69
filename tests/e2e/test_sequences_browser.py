"""The Sequences & padding page in a real browser: the real server, headless
Chromium."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from bench.harness import (
    figure_cell,
    same_view_in_new_browser,
    shared_link,
    view_numbers,
    wait_idle,
)
from bench.pages.sequences import CHARTS, ready_sequences
from lab.sequences.model import build_view
from lab.sequences.state import PAGE

X, Y = 0, 1  # the two heatmaps come first on the page
PLOTS = "document.querySelectorAll('.normlab-figure')"


@pytest.fixture
def open_page(page, warmed):
    def _open(query: str = "") -> object:
        page.goto(f"{warmed}/sequences{query}")
        ready_sequences(page)
        return page

    return _open


def focus_shape(page, chart: int = Y) -> list[float]:
    return page.evaluate(
        f"() => {{ const s = {PLOTS}[{chart}].layout.shapes; const f = s[s.length - 1];"
        " return [f.x0, f.y0]; }"
    )


def test_the_heatmaps_are_drawn_with_the_pads_marked_and_the_toy_numbers(open_page):
    page = open_page("?scenario=toy")
    titles = page.evaluate(f"() => Array.from({PLOTS}, (gd) => gd.layout.title.text)")
    assert titles[:2] == ["Tokens x (pads greyed)", "BatchNorm: output y"]
    assert len(titles) == CHARTS
    # every canvas drew: the heatmaps' cells are on the page
    drawn = page.evaluate(
        f"() => Array.from({PLOTS}, (gd) => gd.dataset.drawn !== undefined)"
    )
    assert all(drawn)
    z = page.evaluate(f"() => Array.from({PLOTS}[{X}].data[0].z)")
    want = build_view(PAGE.base("toy").spec).batch.rows()[:, 0]
    np.testing.assert_array_equal(np.asarray(z, dtype=np.float32), want)
    pads = page.evaluate(
        f"() => {PLOTS}[{X}].layout.shapes.filter((s) => s.line && s.line.dash"
        " === 'dash').map((s) => [s.y0, s.y1])"
    )
    assert pads == [[4.5, 9.5]]  # positions 5–9 of the one sequence
    main = page.inner_text("[data-testid='stMain']")
    assert "Padded positions are greyed and framed by a dashed line" in main
    for number in ("3.0", "1.5", "2.0", "3.25"):
        assert number in main
    assert "mean 3.0 and variance 2.0; pooled with the 5 pads, mean 1.5" in main
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_click_moves_the_outline_and_the_readouts_and_writes_the_url(open_page):
    page = open_page("?norm=masked")
    assert focus_shape(page) == [-0.5, -0.5]
    page.mouse.click(*figure_cell(page, X, 26, 3))  # sequence 2, position 2
    page.wait_for_function(
        f"() => {{ const s = {PLOTS}[{Y}].layout.shapes; const f = s[s.length - 1];"
        " return f.x0 === 2.5 && f.y0 === 25.5; }"
    )
    wait_idle(page)
    page.wait_for_url(re.compile(r"focus=26%2C3"))
    main = page.inner_text("[data-testid='stMain']")
    assert "sequence 2, position 2 (row 26), channel 3" in main
    # the masked outline is channel 3's real segments, one per non-empty sequence
    segments = page.evaluate(
        f"() => {PLOTS}[{Y}].layout.shapes.filter((s) => s.type === 'rect'"
        " && s.line.width === 2.5 && s.x0 === 2.5).length"
    )
    view = build_view(PAGE.base("ragged").spec)
    assert segments == int((view.batch.lengths > 0).sum())
    page.go_back()
    page.wait_for_function(
        f"() => {{ const s = {PLOTS}[{Y}].layout.shapes; const f = s[s.length - 1];"
        " return f.x0 === -0.5 && f.y0 === -0.5; }"
    )
    assert "focus" not in page.url


def test_a_family_switch_redraws_the_output_and_layernorm_says_zero(open_page):
    page = open_page()
    page.locator("[data-testid='stSidebar'] button", has_text="LayerNorm").click()
    page.wait_for_function(
        f"() => {PLOTS}[{Y}]?.layout?.title?.text === 'LayerNorm: output y'"
    )
    wait_idle(page)
    assert "norm=layer" in page.url
    main = page.inner_text("[data-testid='stMain']")
    assert "its token's 6 features" in main
    assert "difference 0" in main


def test_the_share_link_opens_the_same_numbers_in_a_new_browser(open_page, chromium):
    page = open_page("?pad=embedding&lengths=one_long")
    page.mouse.click(*figure_cell(page, X, 14, 4))
    page.wait_for_function(
        f"() => {{ const s = {PLOTS}[{Y}].layout.shapes; const f = s[s.length - 1];"
        " return f.x0 === 3.5 && f.y0 === 13.5; }"
    )
    wait_idle(page)
    link = shared_link(page)
    assert "pad=embedding" in link and "focus=14%2C4" in link
    seen = view_numbers(page)
    same_view_in_new_browser(chromium, link, seen, ready=ready_sequences)


def test_a_hostile_link_shows_a_note_and_no_traceback(open_page):
    page = open_page("?tokens=%3Cscript%3Ealert(1)%3C/script%3E&focus=999,9&short=-4")
    main = page.inner_text("[data-testid='stMain']")
    assert "could not be used as written" in main and "<script" not in main
    assert page.locator("[data-testid='stException']").count() == 0


def _runs() -> list[Path]:
    return sorted(Path(os.environ["NORMLAB_RESULTS"]).glob("sequences-run-*.npz"))


def test_a_new_run_seed_trains_in_a_worker_under_a_bar_and_is_kept(warmed, chromium):
    """The real run: a seed nobody asked for yet trains in a worker process
    under the progress bar; a second student gets the stored result, no bar."""
    link = f"{warmed}/sequences?rseed=23"
    assert _runs() == []
    contexts = [
        chromium.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)
    ]
    try:
        a = contexts[0].new_page()
        a.goto(link)
        a.get_by_test_id("stProgress").first.wait_for(timeout=60_000)
        a.get_by_text("Trained just now.").wait_for(timeout=180_000)
        wait_idle(a, 120_000)
        assert a.get_by_test_id("stProgress").count() == 0
        assert len(_runs()) == 1  # written by the worker, as plain arrays
        words = a.inner_text("[data-testid='stMain']")
        assert "Eval accuracy, seed 23" in a.evaluate(
            f"() => Array.from({PLOTS}, (gd) => gd.layout.title.text).join('|')"
        )
        assert "Accuracy with little and with much padding" in words

        b = contexts[1].new_page()
        b.goto(link)
        ready_sequences(b)
        assert "Stored result" in b.inner_text("[data-testid='stMain']")
        assert b.get_by_test_id("stProgress").count() == 0
        assert len(_runs()) == 1  # nothing trained twice
    finally:
        for context in contexts:
            context.close()
