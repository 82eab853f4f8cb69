"""Latency driver for the Batch coupling page: switch view, batch size, probe click."""

from __future__ import annotations

import time
from typing import ClassVar

from bench.harness import figure_cell
from bench.latency import MAIN_TEXT, centre, says, timed, wait_idle

PLOTS = "document.querySelectorAll('.normlab-figure[data-drawn]')"
LEADS = {  # how each view's lead sentence starts, as the page shows it
    "Spread vs batch size": "stays fixed. Its batch-mates are redrawn",
    "Coupling probe": "Nudge cell (example",
}


def ready_coupling(page, charts: int = 2) -> None:
    page.wait_for_function(f"() => {PLOTS}.length === {charts}", timeout=120_000)
    wait_idle(page, 120_000)


class Coupling:
    NAME = "coupling"
    VIEWS: ClassVar[dict[str, str]] = {"default view": ""}
    INTERACTIONS = ("view", "batch", "click")

    def __init__(self, page, url, query):
        self.page, self.url, self.query = page, url, query
        self.current = "Spread vs batch size"
        self.batch_size = 16
        self.cell = 0

    def load(self) -> float:
        t0 = time.perf_counter()
        self.page.goto(self.url + "/coupling" + self.query)
        ready_coupling(self.page)
        return time.perf_counter() - t0

    def _switch(self, label: str) -> tuple[float, float]:
        button = self.page.locator("[data-testid='stMain'] button").filter(
            has=self.page.get_by_text(label, exact=True)
        )
        button.scroll_into_view_if_needed()
        self.current = label
        return centre(button)

    def _shows(self, label: str) -> str:
        lead = LEADS[label]
        title = "which outputs move" if label == "Coupling probe" else ""
        return (
            f"() => {MAIN_TEXT}.includes({lead!r}) && {PLOTS}.length === 2"
            f" && ({PLOTS}[0].layout?.title?.text ?? '').includes({title!r})"
        )

    def view(self) -> float:
        """Spread vs batch size ⇄ Coupling probe, one click on the view switch."""
        label = next(v for v in LEADS if v != self.current)
        x, y = self._switch(label)
        return timed(lambda: self.page.mouse.click(x, y), self._shows(label), self.page)

    def batch(self) -> float:
        """One key press on the batch-size slider, 16 ⇄ 15, in the current view."""
        key = "ArrowLeft" if self.batch_size == 16 else "ArrowRight"
        self.batch_size += -1 if key == "ArrowLeft" else 1
        b = self.batch_size
        if self.current == "Coupling probe":
            # BatchNorm in training: every example hears the nudged one
            changed = f"{MAIN_TEXT}.includes('{b}/{b}')"
        else:
            changed = f"{MAIN_TEXT}.includes('BatchNorm spread, B = {b}')"
        thumb = self.page.get_by_role(
            "slider", name="Batch size"
        ).first  # before "Ghost batch size"
        thumb.scroll_into_view_if_needed()
        thumb.focus()
        return timed(
            lambda: self.page.keyboard.press(key), f"() => {changed}", self.page
        )

    def click(self) -> float:
        """A click on a cell of the probe heatmap nudges that cell."""
        if self.current != "Coupling probe":  # set up, not timed
            x, y = self._switch("Coupling probe")
            self.page.mouse.click(x, y)
            self.page.wait_for_function(self._shows("Coupling probe"))
            wait_idle(self.page)
        self.cell += 1
        rows, cols = self.batch_size, 16  # the default features
        r, c = (self.cell * 7) % rows, (self.cell * 5 + 1) % cols
        x, y = figure_cell(self.page, 0, r, c)
        return timed(
            lambda: self.page.mouse.click(x, y),
            says(f"Nudge cell (example {r}, feature {c})"),
            self.page,
        )
