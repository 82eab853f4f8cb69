"""A theme switched while a page is open redraws every canvas in the new theme.

An instructor switches to the dark theme for the projector with the page already
open (the app's menu, or the system's setting): Streamlit re-renders each
component with the same data and no script run, and the canvas components read
the theme's colours when they draw (lab/ui/kit.js). The Tensor view used to skip
that update as the echo of its own click and kept the light theme's colours on
all nine canvases. Each page here is opened light, switched to dark, and must end
up pixel for pixel like the same page opened dark.
"""

from __future__ import annotations

import pytest

from bench.pages import DRIVERS

PIXELS = (
    "() => Array.from(document.querySelectorAll('canvas'))"
    ".filter((c) => c.width && c.height).map((c) => c.toDataURL())"
)


def opened(chromium, url: str, name: str, scheme: str):
    context = chromium.new_context(
        viewport={"width": 1400, "height": 1000}, color_scheme=scheme
    )
    page = context.new_page()
    DRIVERS[name](page, url, "").load()
    return context, page


@pytest.mark.parametrize("name", list(DRIVERS))
def test_a_theme_switch_redraws_every_canvas(chromium, warmed, name):
    context, dark = opened(chromium, warmed, name, "dark")
    try:
        want = dark.evaluate(PIXELS)
    finally:
        context.close()
    assert want, f"{name} drew no canvas"
    context, page = opened(chromium, warmed, name, "light")
    try:
        assert page.evaluate(PIXELS) != want, "the light page looks like the dark one"
        page.emulate_media(color_scheme="dark")
        try:
            page.wait_for_function(
                f"(want) => document.body.dataset.normlabTheme === 'dark' && "
                f"JSON.stringify(({PIXELS})()) === JSON.stringify(want)",
                arg=want,
                polling=250,
                timeout=15_000,
            )
        except Exception:
            got = page.evaluate(PIXELS)
            pairs = enumerate(zip(got, want, strict=False))
            stale = [k for k, (a, b) in pairs if a != b]
            pytest.fail(
                f"{name}: after the switch, canvases {stale} of {len(want)} differ "
                f"from the page opened dark ({len(got)} drawn); body theme "
                f"{page.evaluate('document.body.dataset.normlabTheme')}"
            )
    finally:
        context.close()
