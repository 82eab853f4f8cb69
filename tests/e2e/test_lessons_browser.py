"""Guided lessons in a real browser: Next and Back move through the lab's real
pages in each step's state, and the downloaded lesson plan's links open the
steps they name."""

from __future__ import annotations

import re
from pathlib import Path

from bench.harness import wait_idle
from lab.core.lessons import LESSONS

BAR = '[class*="st-key-"][class*="lesson-bar"]'


def bar_text(page) -> str:
    bar = page.locator(BAR)
    bar.wait_for()
    return bar.inner_text()


def test_next_and_back_move_through_the_pages(page, warmed):
    page.goto(f"{warmed}/?scenario=grouped&lesson=one_idea.3")
    wait_idle(page, 60_000)
    assert "step 3 of 6: Lab" in bar_text(page)
    page.locator(BAR).get_by_role("button", name="Next").click()
    page.wait_for_url(re.compile(r"/tensor\?.*lesson=one_idea\.4"))
    wait_idle(page, 60_000)
    assert "step 4 of 6: Tensor view" in bar_text(page)
    assert "Wu & He's Figure 2" in bar_text(page)
    page.locator(BAR).get_by_role("button", name="Back").click()
    page.wait_for_url(
        lambda url: (
            "/tensor" not in url
            and "scenario=grouped" in url
            and "lesson=one_idea.3" in url
        )
    )
    wait_idle(page, 60_000)
    assert "step 3 of 6: Lab" in bar_text(page)
    assert page.locator(".normlab-heatmap canvas").first.is_visible()


def test_the_lesson_plan_downloads_with_links_that_open_its_steps(page, warmed):
    page.goto(f"{warmed}/why")
    wait_idle(page, 60_000)
    page.get_by_role("button", name="Guided lessons").click()
    lesson = LESSONS["transformers"]
    buttons = page.get_by_role("button", name="Lesson plan (Markdown)")
    buttons.first.wait_for()
    with page.expect_download() as info:
        buttons.nth(list(LESSONS).index("transformers")).click()
    plan = Path(info.value.path()).read_text(encoding="utf-8")
    for k in range(1, len(lesson.steps) + 1):
        assert f"<{lesson.link(k, warmed)}>" in plan, k
    page.goto(lesson.link(5, warmed))
    wait_idle(page, 60_000)
    assert f"step 5 of {len(lesson.steps)}: Sequences & padding" in bar_text(page)
    assert "padded" in bar_text(page)


def test_start_opens_a_lessons_first_step_even_on_its_own_page(open_lab):
    page = open_lab("?norm=layer")
    page.get_by_role("button", name="Guided lessons").click()
    page.get_by_role("link", name="Start").first.click()
    page.wait_for_url(lambda url: "lesson=one_idea.1" in url)
    wait_idle(page, 60_000)
    assert "step 1 of 6: Lab" in bar_text(page)
    assert "norm=layer" not in page.url and "focus=3%2C5" in page.url
