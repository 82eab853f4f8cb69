"""The charts' PNG buttons share a compositor layer instead of one each.

Chromium composites every 2-D canvas as a layer of its own, and an element
painted over it (the "PNG" button in a chart's corner) must then be a layer
too. Painted in page order, each button lay between its canvas and the next
and took a layer of its own: nine on the Tensor view, and every interaction
paid for them in layerizing and painting (~10 ms of the browser's main thread
a Tensor view move, in a trace). With ``z-index`` (assets/style.css) the
buttons paint after the canvases of their component and share one layer.
"""

from __future__ import annotations

import time

from bench.harness import wait_styled
from bench.pages.tensor import ready_tensor


def button_layers(page) -> int:
    """How many compositor layers Chromium made for the PNG buttons."""
    cdp = page.context.new_cdp_session(page)
    trees = []
    cdp.on("LayerTree.layerTreeDidChange", lambda tree: trees.append(tree))
    cdp.send("DOM.enable")
    cdp.send("LayerTree.enable")
    deadline = time.monotonic() + 20
    nudge = 0
    while not any(t.get("layers") for t in trees) and time.monotonic() < deadline:
        nudge += 1  # a change on screen, so that a frame sends the tree
        outline = f"{nudge % 2}px solid transparent"
        page.evaluate(f"() => {{ document.body.style.outline = '{outline}'; }}")
        page.wait_for_timeout(200)
    page.evaluate("() => { document.body.style.outline = ''; }")
    layers = next(t["layers"] for t in reversed(trees) if t.get("layers"))
    count = 0
    for layer in layers:
        node = layer.get("backendNodeId")
        if not node:
            continue
        described = cdp.send("DOM.describeNode", {"backendNodeId": node})["node"]
        attrs = described.get("attributes", [])
        classes = dict(zip(attrs[::2], attrs[1::2], strict=False)).get("class", "")
        count += "normlab-png" in classes.split()
    cdp.detach()
    return count


def test_the_tensor_views_nine_png_buttons_take_at_most_one_layer_a_component(
    page, warmed
):
    page.goto(f"{warmed}/tensor")
    ready_tensor(page)
    wait_styled(page)
    assert page.locator("button.normlab-png").count() == 9
    assert button_layers(page) <= 3  # three components: cubes, maps, pitfall
