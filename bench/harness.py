"""Start the real app server and a headless Chromium, for bench/ and the e2e tests.

Debian's chromium at /usr/bin/chromium (never a downloaded browser), with the flags
this sandbox needs. A missing browser is an error, not a skip.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("LAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(
    script: str | Path = "app.py", *extra: str, cwd: Path = ROOT
) -> Iterator[str]:
    """Run ``streamlit run script`` on a free loopback port; yield its base URL."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        *extra,
    ]
    log = open(ROOT / ".e2e-server.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not become healthy in 60 s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def require_chromium() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        raise RuntimeError(
            f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package "
            "(.ci/run does). End-to-end tests fail rather than skip without it."
        )
    return CHROMIUM


@contextlib.contextmanager
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=require_chromium(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield b
        finally:
            b.close()


@contextlib.contextmanager
def lab_and_bare() -> Iterator[tuple[str, str, object]]:
    """The lab and the bare app (bench/bare/app.py) served, and a browser:
    (lab URL, bare URL, browser), for the benches that set one beside the
    other."""
    with (
        serve("app.py") as url,
        serve("app.py", cwd=ROOT / "bench" / "bare") as bare_url,
        browser() as b,
    ):
        yield url, bare_url, b


@contextlib.contextmanager
def warmed(b, make, kind: str, scripts: tuple[str, ...] = ()) -> Iterator[tuple]:
    """A page of a fresh 1400×1000 context (with init ``scripts``) whose driver
    ``make(page)`` has loaded it and made two moves of ``kind``, so the moves
    a bench then counts find every cache as a student's later moves do:
    (page, driver). The context closes after."""
    context = b.new_context(viewport={"width": 1400, "height": 1000})
    for script in scripts:
        context.add_init_script(script)
    try:
        page = context.new_page()
        d = make(page)
        d.load()
        for _ in range(2):
            getattr(d, kind)()
        yield page, d
    finally:
        context.close()


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait until the script finished and the status widget is gone."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_selector(
        '[data-testid="stStatusWidget"]', state="detached", timeout=timeout
    )


STYLED = """() => {
    const css = Array.from(document.querySelectorAll('style'), (s) => s.textContent);
    const has = (marker) => css.some((t) => t.includes(marker));
    return has('normlab-heatmaps')
        && (!location.search.includes('presenter=1') || has('--normlab-figure-cap'));
}"""
"""True once the lab's stylesheets are in the page (assets/style.css, and
assets/presenter.css on a presenter's link)."""


def wait_styled(page, timeout: float = 30_000) -> None:
    """Wait for the lab's stylesheets: Streamlit draws a style-only ``st.html``
    after the page's first elements on a fresh load (docs/streamlit.md,
    Testing), so a layout read in between is Streamlit's, not the lab's."""
    page.wait_for_function(STYLED, timeout=timeout)


def shared_link(page) -> str:
    """Open "Share this view" and read the link it offers, as a person copies it."""
    page.get_by_role("button", name="Share this view").click()
    link = page.locator(".normlab-share-link")
    link.wait_for()
    page.wait_for_function(
        "() => document.querySelector('.normlab-share-link')?.textContent"
        " === window.location.href"
    )
    text = link.inner_text().strip()
    page.keyboard.press("Escape")
    return text


def figure_cell(page, chart: int, row: int, col: int) -> tuple[float, float]:
    """Page coordinates of heatmap cell (row, col) in canvas figure ``chart``
    (lab/ui/figure.py), scrolled into view: its canvas records where its first
    plot is drawn (``data-plot``: x0, y0, width, height) and the heatmap's
    ``data-shape`` (rows, cols)."""
    canvas = page.locator(".normlab-figure canvas").nth(chart)
    canvas.scroll_into_view_if_needed()
    rows, cols = (int(v) for v in canvas.get_attribute("data-shape").split(","))
    x0, y0, w, h = (float(v) for v in canvas.get_attribute("data-plot").split(","))
    box = canvas.bounding_box()
    return box["x"] + x0 + (col + 0.5) / cols * w, box["y"] + y0 + (
        row + 0.5
    ) / rows * h


def readout(page, label: str) -> str:
    """The value of the readout labelled exactly ``label``, as drawn: panels
    (lab/ui/panel.js) and the Lab's heatmaps (lab/board/readouts.js) put a
    readout's name in the first span of its ``.normlab-metric-label``."""
    name = page.locator(
        ".normlab-metric-label > span:first-child",
        has_text=re.compile(f"^{re.escape(label)}$"),
    )
    cell = page.locator(".normlab-metric").filter(has=name)
    return cell.locator(".normlab-metric-value").inner_text()


def view_numbers(page) -> dict:
    """Every number the page shows in charts and readouts, for comparing two views.

    ``drawn``: what the canvas components record of their pictures and text in
    ``data-numbers``, since a canvas has no DOM to read: every chart's traces,
    shapes and annotations (lab/ui/figure.js), every panel's blocks, the Lab's
    heatmaps and the Tensor view's canvases (values, sets, focus, captions,
    readouts). ``metrics``: Streamlit's own readouts."""
    return page.evaluate(
        """() => ({
          metrics: Array.from(
            document.querySelectorAll('[data-testid="stMetric"]'), (m) => m.innerText),
          drawn: Array.from(
            document.querySelectorAll('[data-numbers]'), (e) => e.dataset.numbers),
        })"""
    )


def wait_for_as_many(page, seen: dict, timeout: float = 120_000) -> None:
    """Wait until ``page`` shows as many readouts and drawn components as the
    view ``seen`` (`view_numbers`) did: then the two can be compared."""
    page.wait_for_function(
        "([m, n]) => document.querySelectorAll('[data-testid=\"stMetric\"]')"
        ".length === m && document.querySelectorAll('[data-numbers]').length === n",
        arg=[len(seen["metrics"]), len(seen["drawn"])],
        timeout=timeout,
    )


def same_view_in_new_browser(chromium, link: str, seen: dict, ready) -> None:
    """Open ``link`` in a new browser context; the same numbers must show."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = context.new_page()
        fresh.goto(link)
        ready(fresh)
        wait_for_as_many(fresh, seen)
        wait_idle(fresh, 120_000)
        now = view_numbers(fresh)
        assert now["metrics"] == seen["metrics"]
        assert now["drawn"] == seen["drawn"]
        assert now["drawn"], "nothing drawn to compare"
    finally:
        context.close()
