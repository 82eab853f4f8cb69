"""Latency driver for the Sequences & padding page: a family switch, a step of
the short-length slider (new lengths: the batch normalized four ways with its
torch.nn checks, and the running statistics of the training stream, computed
again), a step of the features slider (all that and the corruption sweep), a
click on a token."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import ClassVar

from bench.harness import figure_cell
from bench.latency import centre, says, timed, wait_idle
from lab.sequences.data import BatchSpec, draw_lengths

PLOTS = "document.querySelectorAll('.normlab-figure')"
CHARTS = 5  # two heatmaps, the sweep, the running statistics, the run
X, Y = 0, 1  # the heatmaps' order on the page


def ready_sequences(page) -> None:
    page.wait_for_function(
        f"() => document.querySelectorAll('.normlab-figure[data-drawn]').length"
        f" === {CHARTS}",
        timeout=120_000,
    )
    wait_idle(page, 120_000)


class Sequences:
    NAME = "sequences"
    VIEWS: ClassVar[dict[str, str]] = {
        "default view": "",
        "largest batch (16×24 tokens, 16 channels)": "?batch=16&tokens=24&features=16",
    }
    INTERACTIONS = ("family", "length", "features", "click")
    FAMILIES = ("LayerNorm", "BatchNorm")

    def __init__(self, page, url, query):
        self.page, self.url, self.query = page, url, query
        self.fam = 0
        self.step = 0
        self.cell = 0
        large = "batch=16" in query
        self.spec = (
            BatchSpec(batch=16, tokens=24, features=16) if large else BatchSpec()
        )
        self.rows = self.spec.batch * self.spec.tokens
        self.channels = self.spec.features
        self.lengths = 0

    def load(self) -> float:
        t0 = time.perf_counter()
        self.page.goto(self.url + "/sequences" + self.query)
        ready_sequences(self.page)
        return time.perf_counter() - t0

    def family(self) -> float:
        """BatchNorm ⇄ LayerNorm in the sidebar: the output heatmap follows."""
        name = self.FAMILIES[self.fam % len(self.FAMILIES)]
        self.fam += 1
        button = self.page.locator(
            "[data-testid='stSidebar'] button", has_text=name
        ).filter(has_not_text="mask")
        x, y = centre(button.first)
        return timed(
            lambda: self.page.mouse.click(x, y),
            f"() => {PLOTS}[{Y}]?.layout?.title?.text === '{name}: output y'",
            self.page,
        )

    def _press(self, slider: str, left: bool, changed: str) -> float:
        """One key press on ``slider`` (left or right) until ``changed``."""
        thumb = self.page.get_by_role("slider", name=slider)
        thumb.focus()
        key = "ArrowLeft" if left else "ArrowRight"
        return timed(lambda: self.page.keyboard.press(key), changed, self.page)

    def length(self) -> float:
        """One key press on the short-length slider, L ⇄ L − 1: new lengths."""
        self.lengths += 1
        left = self.lengths % 2 == 1
        short = self.spec.short + (-1 if left else 1)
        self.spec = replace(self.spec, short=short)
        drawn = ", ".join(str(k) for k in draw_lengths(self.spec).tolist())
        shown = f"lengths {drawn}:"
        return self._press(
            "Short length L",
            left,
            says(shown),
        )

    def features(self) -> float:
        """One key press on the features slider, C − 1 ⇄ C: a new batch."""
        self.step += 1
        left = self.step % 2 == 1
        self.channels += -1 if left else 1
        edge = self.channels - 0.5
        return self._press(
            "Features C",
            left,
            f"() => {PLOTS}[{X}]?.layout?.xaxis?.range?.[1] === {edge}",
        )

    def click(self) -> float:
        """A click on a token of the input heatmap moves the focused cell's
        outline in the output heatmap. Rows of the largest batch are about
        1.5 px high, so the sample waits for the outline to leave where it
        was, not for one exact row."""
        self.cell += 1
        r = (self.cell * 37) % self.rows
        c = (self.cell * 3 + 1) % self.channels
        x, y = figure_cell(self.page, X, r, c)
        last = f"{PLOTS}[{Y}]?.layout?.shapes?.at(-1)"
        before = self.page.evaluate(f"() => [{last}?.x0, {last}?.y0]")
        return timed(
            lambda: self.page.mouse.click(x, y),
            f"() => {{ const f = {last};"
            f" return f && (f.x0 !== {before[0]} || f.y0 !== {before[1]}); }}",
            self.page,
        )
