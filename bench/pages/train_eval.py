"""Latency driver for the Train vs eval page: Step, a momentum change, a cell click."""

from __future__ import annotations

import time
from typing import ClassVar

from bench.harness import figure_cell
from bench.latency import centre, says, timed, wait_idle

PLOTS = "document.querySelectorAll('.normlab-figure')"
STREAM, TRAIN = 0, 1  # chart order on the page: the stream, then the heatmaps
CHARTS = 6  # the stream, four heatmaps, one pitfall chart


def ready_train_eval(page) -> None:
    page.wait_for_function(
        f"() => document.querySelectorAll('.normlab-figure[data-drawn]').length"
        f" === {CHARTS}",
        timeout=120_000,
    )
    wait_idle(page, 120_000)


def on_stream(step: int) -> str:
    """JS: the stream chart's rule marks ``step`` (the canvas has drawn it)."""
    return f"() => {PLOTS}[{STREAM}]?.layout?.shapes?.[1]?.x0 === {step}"


class TrainEval:
    NAME = "train_eval"
    VIEWS: ClassVar[dict[str, str]] = {"default view": ""}
    INTERACTIONS = ("step", "momentum", "click")
    MOMENTA = ("0.1", "0.2")  # the default and its neighbour on the slider

    def __init__(self, page, url, query):
        self.page, self.url, self.query = page, url, query
        self.step_at = 100  # the default step
        self.m = 0
        self.cell = 0
        self.rows, self.cols = 16, 4  # the default batch and features

    def load(self) -> float:
        t0 = time.perf_counter()
        self.page.goto(self.url + "/train_eval" + self.query)
        ready_train_eval(self.page)
        return time.perf_counter() - t0

    def step(self) -> float:
        """+1 then −1 in turn: one batch forward, one back."""
        forward = self.step_at == 100
        label = "+1" if forward else "−1"
        self.step_at += 1 if forward else -1
        button = self.page.get_by_role("button", name=label, exact=True)
        button.scroll_into_view_if_needed()
        x, y = centre(button)
        return timed(
            lambda: self.page.mouse.click(x, y), on_stream(self.step_at), self.page
        )

    def momentum(self) -> float:
        """One key press on the momentum slider, 0.1 ⇄ 0.2."""
        self.m += 1
        key = "ArrowRight" if self.m % 2 else "ArrowLeft"
        want = self.MOMENTA[self.m % 2]
        thumb = self.page.get_by_role("slider", name="Momentum")
        thumb.scroll_into_view_if_needed()
        thumb.focus()
        return timed(
            lambda: self.page.keyboard.press(key),
            says(f"momentum={want})"),
            self.page,
        )

    def click(self) -> float:
        """A click on a cell of the train-mode heatmap moves the focus there."""
        self.cell += 1
        r, c = (self.cell * 7) % self.rows, (self.cell * 3 + 1) % self.cols
        x, y = figure_cell(self.page, TRAIN, r, c)
        return timed(
            lambda: self.page.mouse.click(x, y),
            f"() => {{ const s = {PLOTS}[{TRAIN}]?.layout?.shapes;"
            f" const f = s && s[s.length - 1];"
            f" return f && f.x0 === {c - 0.5} && f.y0 === {r - 0.5}; }}",
            self.page,
        )
