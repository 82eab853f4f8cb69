"""Every canvas is drawn at most once per interaction.

The canvas components (lab/ui/figure.js, lab/board/heatmaps.js,
lab/tensor/tensor.js) draw when Python sends new data. They used to draw some
canvases a second time: a ResizeObserver redrew every panel when one grew
taller, a new chart redrew when the observer first reported the width it had
already read, and the Lab redrew its heatmaps when Python echoed the click they
had drawn. Each second draw cost the browser its raster and compositing again
(the largest Tensor view's slider: 184 → 146 ms). This drives each page's main
interactions with the latency bench's own drivers (bench/pages/) and counts the
draws of every canvas in each move (``bench.renders.DRAWS``).
"""

from __future__ import annotations

import time

import pytest

from bench.pages import DRIVERS
from bench.renders import DRAWS

LARGEST = "?batch=8&channels=12&height=4&width=4&groups=3"
CASES = [
    ("tensor", "slider", LARGEST),
    ("tensor", "toggle", ""),
    ("tensor", "click_map", ""),
    ("tensor", "click_cube", ""),
    ("lab", "click", ""),
    ("lab", "family", ""),
    ("lab", "slider", ""),
    ("coupling", "view", ""),
    ("coupling", "batch", ""),
    ("train_eval", "step", ""),
    ("sequences", "features", ""),
    ("why", "lr", ""),
]


@pytest.mark.parametrize(("name", "kind", "query"), CASES, ids=lambda v: v or "default")
def test_each_canvas_is_drawn_once_per_interaction(chromium, warmed, name, kind, query):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(DRAWS)
    try:
        page = context.new_page()
        driver = DRIVERS[name](page, warmed, query)
        driver.load()
        getattr(driver, kind)()  # the first move may lay the page out anew
        time.sleep(0.5)
        for k in range(3):
            page.evaluate(f"window.normlabMove({k})")
            getattr(driver, kind)()
            time.sleep(0.5)  # a late second draw (a resize observer's) comes by then
        moves = page.evaluate("window.normlabDraws()")
        assert any(n for move in moves for *_, n in move), "no canvas was drawn"
        twice = [
            (k, key, n) for k, move in enumerate(moves) for key, _, n in move if n > 1
        ]
        assert not twice, (
            f"drawn more than once in one {kind} (move, canvas, draws): {twice}"
        )
    finally:
        context.close()
