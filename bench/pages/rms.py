"""Latency driver for the LayerNorm vs RMSNorm page: its first view, a step of
c and of δ (the invariance table), the example's mean, the hidden size (the
memory tables) and the timing panel's pass switch (a stored timing: the
first warm-up round times once, in the worker process)."""

from __future__ import annotations

import time
from typing import ClassVar

from bench.latency import centre, says, timed, wait_idle

CHARTS = 4  # the mean, ε, and the training's two; the timing adds two
TITLES = (
    "Array.from(document.querySelectorAll('.normlab-figure[data-title]'),"
    " (c) => c.dataset.title)"
)


def ready_rms(page, charts: int = CHARTS) -> None:
    page.wait_for_function(
        "() => document.querySelectorAll('.normlab-figure[data-title]').length >= "
        f"{charts}",
        timeout=120_000,
    )
    wait_idle(page, 120_000)


class Rms:
    NAME = "rms"
    VIEWS: ClassVar[dict[str, str]] = {"default view": ""}
    INTERACTIONS = ("c", "delta", "mean", "hidden", "pass_")

    def __init__(self, page, url, query):
        self.page, self.url, self.query = page, url, query
        self.n = dict.fromkeys(self.INTERACTIONS, 0)

    def load(self) -> float:
        t0 = time.perf_counter()
        self.page.goto(self.url + "/rms" + self.query)
        ready_rms(self.page)
        return time.perf_counter() - t0

    def _press(self, kind: str, label: str, changed: tuple[str, str]) -> float:
        """ArrowRight then ArrowLeft in turn on slider ``label``."""
        self.n[kind] += 1
        right = self.n[kind] % 2 == 1
        thumb = self.page.get_by_role("slider", name=label)
        thumb.focus()
        key = "ArrowRight" if right else "ArrowLeft"
        return timed(
            lambda: self.page.keyboard.press(key),
            changed[0] if right else changed[1],
            self.page,
        )

    def c(self) -> float:
        """c = 2 ⇄ 10: the whole invariance table recomputed."""
        return self._press(
            "c", "Scale c", (says("with c = 10 or"), says("with c = 2 or"))
        )

    def delta(self) -> float:
        """δ = 1 ⇄ 10."""
        return self._press("delta", "Shift δ", (says("or δ = 10;"), says("or δ = 1;")))

    def mean(self) -> float:
        """The example's mean 3 ⇄ 3.5 (section 2 and the side table)."""
        title = "One example (mean {m}) and its two outputs; dotted: means"
        chart = "() => {t}.includes('" + title + "')"
        return self._press(
            "mean",
            "Mean of the example (section 2)",
            (chart.format(t=TITLES, m="3.5"), chart.format(t=TITLES, m="3")),
        )

    def hidden(self) -> float:
        """Hidden size 4,096 ⇄ 5,120 (section 4's tables, the side table)."""
        return self._press(
            "hidden",
            "Hidden size",
            (
                says("Per layer, hidden size 5,120"),
                says("Per layer, hidden size 4,096"),
            ),
        )

    def pass_(self) -> float:
        """Forward ⇄ forward + backward in the timing panel (a stored timing)."""
        button = self.page.get_by_role("button", name="Time on this server")
        if button.count():
            button.click()
            ready_rms(self.page, CHARTS + 2)
        self.n["pass_"] += 1
        backward = self.n["pass_"] % 2 == 1
        name = "Forward + backward" if backward else "Forward"
        option = self.page.locator("[data-testid='stMain'] button").filter(
            has=self.page.get_by_text(name, exact=True)
        )
        option.scroll_into_view_if_needed()
        x, y = centre(option)
        want = "forward + backward" if backward else "forward"
        return timed(
            lambda: self.page.mouse.click(x, y),
            f"() => {TITLES}.includes('Time per call, 128 tokens, float32, {want}')",
            self.page,
        )
