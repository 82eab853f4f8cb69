"""Latency driver for the Tensor view: a click in the unfolded map, a click on a
cube, one step of the N slider, and the One family / All four switch."""

from __future__ import annotations

import time
from typing import ClassVar

from bench.latency import centre, timed, wait_idle

ROOTS = "document.querySelectorAll('.normlab-tensor')"
CUBES = "document.querySelector(\".normlab-tensor[data-kind='cubes']\")"
PITFALL = "document.querySelector(\".normlab-tensor[data-layout='example']\")"
DRAWN = (
    f"() => {ROOTS}.length === 3 && Array.from({ROOTS}).every((r) => "
    "r.querySelectorAll('canvas').length && Array.from(r.querySelectorAll('canvas'))"
    ".every((c) => c.dataset.numbers))"
)


def ready_tensor(page) -> None:
    """The page is drawn: the cubes, the unfolded maps and the pitfall maps."""
    page.wait_for_function(DRAWN, timeout=120_000)
    wait_idle(page, 120_000)


def focused_everywhere(n: int, c: int, h: int, w: int) -> str:
    """Every canvas shows the cell, and so do the words Python wrote for it (the
    comparison's sentence, the last on the page); no readout waits for them.
    Read as textContent: innerText would force a layout of the page on every
    animation frame while the timer runs."""
    cell = f"{n},{c},{h},{w}"
    return (
        f"() => Array.from(document.querySelectorAll('.normlab-tensor canvas'))"
        f".every((cv) => cv.dataset.focus === '{cell}') && {PITFALL}.textContent"
        f".includes('Focused cell (example {n}, channel {c}, position ({h}, {w}))')"
        " && !document.querySelector('.normlab-tensor-pending')"
    )


class Tensor:
    NAME = "tensor"
    VIEWS: ClassVar[dict[str, str]] = {
        "default view (4×6×3×3)": "",
        "largest tensor (8×12×4×4)": "?batch=8&channels=12&height=4&width=4&groups=3",
    }
    INTERACTIONS = ("click_map", "click_cube", "slider", "toggle")

    def __init__(self, page, url, query):
        self.page, self.url, self.query = page, url, query
        big = "batch=8" in query
        self.shape = [8, 12, 4, 4] if big else [4, 6, 3, 3]
        self.i = 0
        self.cube_i = 0
        self.step = 0
        self.one = False

    def load(self) -> float:
        t0 = time.perf_counter()
        self.page.goto(self.url + "/tensor" + self.query)
        ready_tensor(self.page)
        return time.perf_counter() - t0

    def _cell(self, k: int) -> tuple[int, int, int, int]:
        n, c, h, w = self.shape
        return (k * 3) % n, (k * 5 + 1) % c, (k * 2) % h, (k + 1) % w

    def click_map(self) -> float:
        self.i += 1
        cell = self._cell(self.i)
        if list(cell) == self._focus():
            self.i += 1
            cell = self._cell(self.i)
        canvas = self.page.locator(".normlab-tensor[data-layout='unfolded'] canvas")
        canvas.first.scroll_into_view_if_needed()
        x, y = self._point(canvas.first, cell)
        return timed(
            lambda: self.page.mouse.click(x, y), focused_everywhere(*cell), self.page
        )

    def click_cube(self) -> float:
        canvas = self.page.locator(".normlab-tensor[data-kind='cubes'] canvas").last
        canvas.scroll_into_view_if_needed()
        n, c, h, w = self.shape
        for _ in range(n * c * h * w):
            self.cube_i += 1
            k = self.cube_i
            cell = (0, (k * 5) % c, (k * 2 // w) % h, k % w)  # the front: all visible
            if list(cell) != self._focus():
                break
        x, y = self._point(canvas, cell)
        return timed(
            lambda: self.page.mouse.click(x, y), focused_everywhere(*cell), self.page
        )

    def slider(self) -> float:
        self.step += 1
        key = "ArrowLeft" if self.step % 2 else "ArrowRight"
        self.shape[0] += -1 if key == "ArrowLeft" else 1
        n = self.shape[0]
        thumb = self.page.get_by_role("slider", name="N (examples)")
        thumb.focus()
        return timed(
            lambda: self.page.keyboard.press(key),
            f"() => Array.from({ROOTS}).slice(0, 2).every((r) => r.querySelector("
            f"'canvas')?.dataset.numbers?.includes('\"shape\":[{n},')) && "
            f"{CUBES}.textContent.includes('N = {n}, C =')",
            self.page,
        )

    def toggle(self) -> float:
        self.one = not self.one
        name = "One family" if self.one else "All four"
        button = self.page.locator("[data-testid='stSidebar'] button", has_text=name)
        x, y = centre(button)
        cubes = 1 if self.one else 4
        return timed(
            lambda: self.page.mouse.click(x, y),
            f"() => {CUBES}?.dataset.big === '{int(self.one)}' && "
            f"{CUBES}.querySelectorAll('canvas').length === {cubes} && "
            f"Array.from({CUBES}.querySelectorAll('canvas')).every("
            "(c) => c.dataset.numbers)",
            self.page,
        )

    def _focus(self) -> list[int]:
        got = self.page.evaluate(f"() => {CUBES}.dataset.focus")
        return [int(v) for v in got.split(",")]

    def _point(self, canvas, cell) -> tuple[float, float]:
        """Page coordinates where a click reaches ``cell`` (lab/tensor/tensor.js)."""
        pt = canvas.evaluate("(c, f) => c.normlabPoint(f)", list(cell))
        if pt is None:
            raise RuntimeError(f"cell {cell} cannot be clicked in this canvas")
        box = canvas.bounding_box()
        return box["x"] + pt[0], box["y"] + pt[1]
