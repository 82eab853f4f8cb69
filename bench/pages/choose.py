"""Latency driver for the Choose a norm page: an answer of the flow (the
architecture, then the examples per device: the recommendation and the link
redrawn) and a step of the calculator's channels (its fragment alone)."""

from __future__ import annotations

import time
from typing import ClassVar

from bench.latency import centre, says, timed, wait_idle

SHEET = ".st-key-choose-cheatsheet .normlab-panel table"


def ready_choose(page) -> None:
    """The page is drawn down to the cheat sheet, its last section."""
    page.wait_for_selector(SHEET, timeout=120_000)
    wait_idle(page, 120_000)


class Choose:
    NAME = "choose"
    VIEWS: ClassVar[dict[str, str]] = {"ResNet on 8 GPUs": "?scenario=resnet"}
    INTERACTIONS = ("arch", "per_device", "channels")

    def __init__(self, page, url, query):
        self.page, self.url, self.query = page, url, query
        self.n = dict.fromkeys(self.INTERACTIONS, 0)

    def load(self) -> float:
        t0 = time.perf_counter()
        self.page.goto(self.url + "/choose" + self.query)
        ready_choose(self.page)
        return time.perf_counter() - t0

    def _flip(self, kind: str) -> bool:
        self.n[kind] += 1
        return self.n[kind] % 2 == 1

    def _arch(self, to_transformer: bool) -> tuple[float, float, str]:
        label = "Transformer" if to_transformer else "CNN"
        option = self.page.locator("[data-testid='stSidebar'] button").filter(
            has=self.page.get_by_text(label, exact=True)
        )
        x, y = centre(option)
        pick = "LayerNorm" if to_transformer else "BatchNorm"
        return x, y, says(f"Choose {pick}")

    def arch(self) -> float:
        """CNN ⇄ Transformer: BatchNorm ⇄ LayerNorm recommended."""
        x, y, changed = self._arch(self._flip("arch"))
        return timed(lambda: self.page.mouse.click(x, y), changed, self.page)

    def _cnn(self) -> None:
        """Back to the CNN (untimed) if the last architecture move left a
        transformer: the examples per device decide for a CNN only."""
        if self.n["arch"] % 2 == 1:
            x, y, changed = self._arch(self._flip("arch"))
            timed(lambda: self.page.mouse.click(x, y), changed, self.page)

    def _step(self, key: str, down: bool) -> tuple[float, float]:
        button = "stNumberInputStepDown" if down else "stNumberInputStepUp"
        target = self.page.locator(f".st-key-{key} [data-testid='{button}']")
        target.scroll_into_view_if_needed()
        return centre(target)

    def per_device(self) -> float:
        """32 ⇄ 31 a device on 8 devices: BatchNorm ⇄ SyncBatchNorm."""
        self._cnn()
        down = self._flip("per_device")
        x, y = self._step("choose-per_device", down)
        pick = "BatchNorm with SyncBatchNorm." if down else "BatchNorm."
        return timed(
            lambda: self.page.mouse.click(x, y),
            says(f"Choose {pick} Runner-up"),
            self.page,
        )

    def channels(self) -> float:
        """C = 1,024 ⇄ 1,025 in the calculator: its table and chart."""
        up = self._flip("channels")
        x, y = self._step("choose-hidden", not up)
        c = "1,025" if up else "1,024"
        return timed(
            lambda: self.page.mouse.click(x, y),
            says(f"(N, T, C) = (32, 512, {c})"),
            self.page,
        )
