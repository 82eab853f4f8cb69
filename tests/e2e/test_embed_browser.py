"""The lab inside a course page: a local HTML page on another site (localhost,
where the app is 127.0.0.1) embeds it in an <iframe>, as a course site would.
Every page works there; Share, inside the frame, still gives the lab's own
link; its <iframe> snippet, pasted as it is, opens the same view; and where
iframes are forbidden, the snapshot downloads as a PNG of the view."""

from __future__ import annotations

import html
import http.server
import json
import re
import threading
from pathlib import Path

import pytest

from bench.harness import free_port, view_numbers, wait_for_as_many, wait_idle

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PAGES = {
    "": "Normalization Lab",
    "tensor": "Tensor view",
    "coupling": "Batch coupling",
    "train_eval": "Train vs eval",
    "sequences": "Sequences & padding",
    "why": "Why normalize",
    "rms": "LayerNorm vs RMSNorm",
}


@pytest.fixture(scope="module")
def host():
    """A course site: serves ``pages[path]`` as HTML on localhost."""
    pages: dict[str, str] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def publish(path: str, body: str) -> str:
        pages[path] = f"<!doctype html><title>Week 3</title><h1>Week 3</h1>{body}"
        return f"http://localhost:{port}{path}"

    yield publish
    server.shutdown()


def open_embedded(page, host, path: str, iframe: str):
    """The host page with ``iframe``; the app's frame once it is idle."""
    page.goto(host(path, iframe))
    frame = page.frame_locator("iframe")
    frame.locator(IDLE).wait_for(timeout=120_000)
    return frame


def app_frame(page):
    return next(f for f in page.frames if f.url.startswith("http://127.0.0.1"))


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_works_inside_an_iframe(page, host, warmed, path):
    frame = open_embedded(
        page,
        host,
        f"/p-{path}",
        f'<iframe src="{warmed}/{path}?embed=true" width="1300" height="900"></iframe>',
    )
    frame.get_by_role("heading", name=PAGES[path], exact=True).wait_for()
    assert frame.locator('[data-testid="stException"]').count() == 0
    # Streamlit's own parameters never reach the page: no note about them
    assert frame.locator('[data-testid="stAlertContentWarning"]').count() == 0
    assert page.url.startswith("http://localhost")


def test_an_embedded_lab_moves_and_shares_the_labs_own_link(page, host, warmed):
    frame = open_embedded(
        page,
        host,
        "/lab",
        f'<iframe src="{warmed}/?norm=layer&amp;embed=true&amp;embed_options='
        'light_theme" width="1300" height="900" allow="clipboard-write"></iframe>',
    )
    frame.locator(".normlab-heatmap canvas").first.wait_for()
    frame.locator("[data-testid='stSidebar'] button", has_text="RMSNorm").click()
    app = app_frame(page)
    app.wait_for_function(
        "() => document.querySelectorAll('.normlab-heatmap canvas')[1]"
        ".dataset.title === 'After RMSNorm'"
    )
    app.wait_for_selector(IDLE)
    assert "norm=rms" in app.url and "embed=true" in app.url
    frame.get_by_role("button", name="Share this view").click()
    link = frame.locator(".normlab-share-link")
    app.wait_for_function(
        "() => document.querySelector('.normlab-share-link')?.textContent"
        ".includes('norm=rms')"
    )
    # the lab's own view, as a full page: not the course page, not embedded
    assert link.inner_text() == f"{warmed}/?norm=rms"
    code = frame.locator(".normlab-share-iframe").inner_text()
    assert f'src="{warmed}/?norm=rms&amp;embed=true"' in code


def test_the_snippet_pasted_in_a_course_page_opens_the_same_view(
    page, host, warmed, chromium
):
    page.goto(f"{warmed}/?norm=group&batch=8&features=12&groups=3&focus=2%2C7")
    wait_idle(page)
    page.locator(".normlab-heatmap canvas").first.wait_for()
    seen = view_numbers(page)
    page.get_by_role("button", name="Share this view").click()
    page.locator(".normlab-share-iframe").wait_for()
    snippet = page.locator(".normlab-share-iframe").inner_text()
    assert snippet.startswith("<iframe ") and snippet.endswith("></iframe>")
    src = html.unescape(re.search(r'src="([^"]+)"', snippet).group(1))
    assert src == f"{page.url}&embed=true"  # the page's own link, embedded

    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        course = context.new_page()
        frame = open_embedded(course, host, "/snippet", snippet)
        frame.locator(".normlab-heatmap canvas").first.wait_for()
        app = app_frame(course)
        wait_for_as_many(app, seen)
        app.wait_for_selector(IDLE)
        now = view_numbers(app)
        assert now == seen
    finally:
        context.close()


def test_the_snapshot_is_a_png_of_the_heatmaps_readouts_and_link(page, warmed):
    page.goto(f"{warmed}/?norm=layer&batch=8")
    wait_idle(page)
    page.locator(".normlab-heatmap canvas").first.wait_for()
    page.get_by_role("button", name="Share this view").click()
    with page.expect_download() as done:
        page.get_by_role("button", name="Download snapshot (PNG)").click()
    download = done.value
    assert download.suggested_filename == "normlab-lab-snapshot.png"
    data = Path(download.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    drawn = json.loads(page.evaluate("() => document.body.dataset.normlabSnapshot"))
    assert drawn["title"] == "Normalization Lab"
    assert drawn["charts"] == 2  # raw and normalized
    assert drawn["link"] == page.url  # the view's own link
    labels = [label for label, _ in drawn["readouts"]]
    assert labels[:3] == ["Raw std", "Output mean", "Output std"]
    width, height = (int.from_bytes(data[16:20]), int.from_bytes(data[20:24]))
    assert (width, height) == (drawn["width"], drawn["height"])
    assert width > 640 and height > 400
