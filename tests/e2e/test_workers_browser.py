"""Heavy runs go to the server's worker pool and are shared by every student.

The real server (tests/e2e/conftest.py gives it a fresh results directory), real
browsers: a classifier seed nobody asked for yet is trained in a worker process
(which alone writes the shared results directory), under a progress bar, and a
second student opening the same link gets the same numbers with no run at all.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.harness import view_numbers, wait_for_as_many, wait_idle

DONE = "one example at a time in train mode"


@pytest.fixture(scope="module")
def warmed(app_url, chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.goto(app_url)  # a fresh server's first deep link needs the home page first
    wait_idle(page)
    context.close()
    return app_url


def _results() -> list[Path]:
    return sorted(Path(os.environ["NORMLAB_RESULTS"]).glob("train_eval-serving-*.npz"))


def test_a_new_run_trains_in_a_worker_and_the_next_student_shares_it(warmed, chromium):
    link = f"{warmed}/train_eval?cseed=37"
    assert _results() == []
    first = chromium.new_context(viewport={"width": 1400, "height": 1000})
    second = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        a = first.new_page()
        a.goto(link)
        a.get_by_test_id("stProgress").first.wait_for(timeout=60_000)
        a.get_by_text(DONE, exact=False).first.wait_for(timeout=180_000)
        wait_idle(a, 120_000)
        assert a.get_by_test_id("stProgress").count() == 0
        # one result per family, written by the workers as plain arrays
        assert len(_results()) == 3
        seen = view_numbers(a)

        b = second.new_page()
        b.goto(link)
        b.get_by_text(DONE, exact=False).first.wait_for(timeout=60_000)
        wait_idle(b, 120_000)
        assert b.get_by_test_id("stProgress").count() == 0
        wait_for_as_many(b, seen, 60_000)
        wait_idle(b, 120_000)
        assert view_numbers(b) == seen
        assert len(_results()) == 3  # nothing trained twice
    finally:
        first.close()
        second.close()
