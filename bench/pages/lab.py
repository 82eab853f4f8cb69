"""Latency driver for the Lab page: family switch, batch-size slider, cell click."""

from __future__ import annotations

import time
from typing import ClassVar

from bench.latency import MAIN_TEXT, cell_point, centre, timed, wait_idle

CHART = "document.querySelectorAll('.normlab-heatmap canvas')"


def ready_lab(page) -> None:
    page.wait_for_function(f"() => {CHART}.length === 2 && {CHART}[1].dataset.plot")
    wait_idle(page)


class Lab:
    NAME = "lab"
    VIEWS: ClassVar[dict[str, str]] = {
        "default view": "",
        "64×64 matrix": "?batch=64&features=64",
    }
    INTERACTIONS = ("family", "slider", "click")
    FAMILIES = ("BatchNorm", "LayerNorm")

    def __init__(self, page, url, query):
        self.page, self.url, self.query = page, url, query
        self.fam = 0
        self.step = 0
        self.cell = 0
        rows = cols = 64 if "batch=64" in query else None
        self.rows, self.cols = rows or 32, cols or 16

    def load(self) -> float:
        t0 = time.perf_counter()
        self.page.goto(self.url + "/" + self.query)
        ready_lab(self.page)
        return time.perf_counter() - t0

    def family(self) -> float:
        self.fam += 1
        name = self.FAMILIES[self.fam % len(self.FAMILIES)]
        button = self.page.locator("[data-testid='stSidebar'] button", has_text=name)
        x, y = centre(button)
        return timed(
            lambda: self.page.mouse.click(x, y),
            f"() => {CHART}[1]?.dataset.title.includes('{name}')",
            self.page,
        )

    def slider(self) -> float:
        self.step += 1
        key = "ArrowLeft" if self.step % 2 else "ArrowRight"
        thumb = self.page.get_by_role("slider", name="Batch size")
        before = self.rows
        self.rows = before - 1 if key == "ArrowLeft" else before + 1
        thumb.focus()
        return timed(
            lambda: self.page.keyboard.press(key),
            f"() => {CHART}[0]?.dataset.shape === '{self.rows},{self.cols}'",
            self.page,
        )

    def click(self) -> float:
        self.cell += 1
        r, c = (self.cell * 7) % self.rows, (self.cell * 5) % self.cols
        x, y = cell_point(self.page, 0, r, c)
        return timed(
            lambda: self.page.mouse.click(x, y),
            f"() => {CHART}[1].dataset.focus === '{r},{c}' && "
            f"{MAIN_TEXT}.includes('example {r}, feature {c}.')",
            self.page,
        )
