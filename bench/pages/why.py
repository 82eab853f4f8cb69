"""Latency driver for the "Why normalize" page: its first view (the shipped
runs), the learning-rate picker and the transformer-depth slider (views of
stored runs), a depth change that hits stored runs, and a side-panel tab."""

from __future__ import annotations

import time
from typing import ClassVar

from bench.latency import MAIN_TEXT, centre, timed, wait_idle

CHARTS = 7
# The charts are canvases (lab/ui/figure.js); each records the title it drew.
TITLES = (
    "Array.from(document.querySelectorAll('.normlab-figure[data-title]'),"
    " (c) => c.dataset.title)"
)


def ready_why(page) -> None:
    page.wait_for_function(
        "() => document.querySelectorAll('.normlab-figure[data-title]').length >= "
        f"{CHARTS}",
        timeout=120_000,
    )
    wait_idle(page, 120_000)


MEASURES = (
    "Array.from(document.querySelectorAll('details')).find("
    "(d) => d.querySelector('summary')?.textContent.includes('Measures'))"
)


class Why:
    NAME = "why"
    VIEWS: ClassVar[dict[str, str]] = {"default view": ""}
    INTERACTIONS = ("lr", "blocks", "depth", "section")

    def __init__(self, page, url, query):
        self.page, self.url, self.query = page, url, query
        self.n = {"lr": 0, "blocks": 0, "depth": 0, "section": 0}

    def load(self) -> float:
        t0 = time.perf_counter()
        self.page.goto(self.url + "/why" + self.query)
        ready_why(self.page)
        return time.perf_counter() - t0

    def _key(self, kind: str) -> str:
        self.n[kind] += 1
        return "ArrowRight" if self.n[kind] % 2 else "ArrowLeft"

    def _press(self, label: str, key: str, changed: str) -> float:
        thumb = self.page.get_by_role("slider", name=label)
        thumb.focus()
        return timed(lambda: self.page.keyboard.press(key), changed, self.page)

    def lr(self) -> float:
        """0.1 ⇄ 0.32 on "Look at learning rate": views of the same stored runs."""
        key = self._key("lr")
        want = "Loss curves at lr " + ("0.32" if key == "ArrowRight" else "0.1")
        return self._press(
            "Look at learning rate", key, f"() => {TITLES}.includes('{want}')"
        )

    def blocks(self) -> float:
        """12 ⇄ 14 layers in the transformer stacks (stored, shipped)."""
        key = self._key("blocks")
        want = "Gradient norm by layer, " + ("14" if key == "ArrowRight" else "12")
        return self._press(
            "Layers in the stack", key, f"() => {TITLES}.includes('{want} layers')"
        )

    def depth(self) -> float:
        """6 ⇄ 7 layers: the first warm-up trains 7 once; the timed rounds are
        runs stored for every visitor (the page's promise for a class)."""
        key = self._key("depth")
        want = ("7" if key == "ArrowRight" else "6") + " layers of 64 units"
        return self._press(
            "Depth (layers)",
            key,
            f"() => {MAIN_TEXT}.includes('{want}') && "
            "document.querySelectorAll('.normlab-figure[data-title]').length >= "
            f"{CHARTS}",
        )

    def section(self) -> float:
        """The side panel's "Measures" section, opened ⇄ closed, in the browser
        alone (as the tabs it replaced were). Timed until the section has
        moved by 20 px: Streamlit then animates the rest of its height over
        500 ms (ease-out), and a closing section keeps ``open`` until the end."""
        self.n["section"] += 1
        opening = self.n["section"] % 2 == 1
        summary = self.page.locator("summary", has_text="Measures")
        summary.scroll_into_view_if_needed()  # the sliders' focus scrolls the page
        x, y = centre(summary)
        height = f"{MEASURES}?.getBoundingClientRect().height"
        self.page.evaluate(f"() => {{ window.normlabBenchHeight = {height}; }}")
        moved = (
            "> window.normlabBenchHeight + 20"
            if opening
            else ("< window.normlabBenchHeight - 20")
        )
        return timed(
            lambda: self.page.mouse.click(x, y), f"() => {height} {moved}", self.page
        )
