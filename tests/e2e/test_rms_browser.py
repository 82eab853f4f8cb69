"""The LayerNorm vs RMSNorm page in a real browser, on the real server: the
table follows c and δ, a share link reproduces the view, and a timing run
goes to the worker process while another visitor's clicks are answered."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bench.harness import same_view_in_new_browser, shared_link, wait_idle
from bench.pages.rms import ready_rms, says
from lab.rms.invariance import FAMILIES, TRANSFORMS
from lab.rms.model import table_of
from lab.rms.state import RmsState
from lab.rms.words import cell_text

RUN = 120_000


@pytest.fixture
def open_rms(page, warmed):
    def _open(query: str = "") -> object:
        page.goto(f"{warmed}/rms{query}")
        ready_rms(page)
        return page

    return _open


def press(page, label: str, key: str) -> None:
    thumb = page.get_by_role("slider", name=label)
    thumb.focus()
    page.keyboard.press(key)


def main_text(page) -> str:
    return page.inner_text("[data-testid='stMain']")


def shows_table_of(page, state: RmsState) -> None:
    """Every cell of ``state``'s table is on the page."""
    table = table_of(state)
    text = main_text(page)
    for t in TRANSFORMS:
        for f in FAMILIES:
            assert cell_text(table.cell(t.key, f)) in text, (t.key, f)


def test_the_table_follows_c_and_delta(open_rms):
    page = open_rms()
    shows_table_of(page, RmsState())
    press(page, "Scale c", "ArrowRight")  # 2 → 10
    page.wait_for_function(says("with c = 10 or"), timeout=RUN)
    wait_idle(page)
    shows_table_of(page, RmsState(c=10.0))
    press(page, "Shift δ", "ArrowRight")  # 1 → 10
    page.wait_for_function(says("or δ = 10;"), timeout=RUN)
    wait_idle(page)
    shows_table_of(page, RmsState(c=10.0, delta=10.0))
    assert "c=10" in page.url and "delta=10" in page.url
    press(page, "Scale c", "ArrowLeft")
    press(page, "Scale c", "ArrowLeft")
    press(page, "Scale c", "ArrowLeft")  # 10 → 2 → 1 → 0.5
    page.wait_for_function(says("with c = 0.5 or"), timeout=RUN)
    wait_idle(page)
    shows_table_of(page, RmsState(c=0.5, delta=10.0))
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_hostile_link_renders_a_defined_view_with_a_note(open_rms):
    page = open_rms("?c=0&eps=0&delta=1e30&mean=nan&tokens=%3Cscript%3E")
    text = main_text(page)
    assert "could not be used as written" in text and "<script>" not in text
    assert "refused (ε = 0)" in text and "divides 0 by 0" in text
    assert page.locator("[data-testid='stException']").count() == 0


def test_the_share_link_opens_the_same_numbers_in_a_new_browser(open_rms, chromium):
    page = open_rms("?c=-1&dtype=float64")
    press(page, "Shift δ", "ArrowRight")
    page.wait_for_function(says("or δ = 10;"), timeout=RUN)
    press(page, "Mean of the example (section 2)", "ArrowRight")
    page.wait_for_function(says("The example's mean is 3.5"), timeout=RUN)
    wait_idle(page)
    link = shared_link(page)
    assert "c=-1" in link and "delta=10" in link and "mean=3.5" in link
    seen = {
        "metrics": [],
        "drawn": page.evaluate(
            "() => Array.from(document.querySelectorAll('[data-numbers]'),"
            " (e) => e.dataset.numbers)"
        ),
    }
    same_view_in_new_browser(chromium, link, seen, ready=ready_rms)


def _timings() -> list[Path]:
    return sorted(Path(os.environ["NORMLAB_RESULTS"]).glob("rms-timing-*.npz"))


def test_a_timing_runs_in_the_worker_and_never_holds_up_another_visitor(
    warmed, chromium
):
    """Visitor A times 512 tokens (seconds, in the worker process); visitor B
    moves c meanwhile and gets the new table before A's timing has ended."""
    contexts = [
        chromium.new_context(viewport={"width": 1400, "height": 1000}) for _ in (0, 1)
    ]
    try:
        a, b = (c.new_page() for c in contexts)
        b.goto(f"{warmed}/rms")
        ready_rms(b)
        a.goto(f"{warmed}/rms?tokens=512")
        ready_rms(a)
        before = len(_timings())
        a.get_by_role("button", name="Time on this server").click()
        bar = a.get_by_test_id("stProgress").first
        bar.wait_for(timeout=RUN)
        t0 = time.perf_counter()
        press(b, "Scale c", "ArrowRight")
        b.wait_for_function(says("with c = 10 or"), timeout=RUN)
        answered = time.perf_counter() - t0
        assert bar.is_visible(), "the timing ended before B was answered"
        shows_table_of(b, RmsState(c=10.0))
        ready_rms(a, 6)  # the timing's two charts
        text = main_text(a)
        assert "Timed on" in text and "512 tokens" in text
        assert len(_timings()) == before + 1  # written by the worker process
        assert answered < 5, answered
    finally:
        for c in contexts:
            c.close()
