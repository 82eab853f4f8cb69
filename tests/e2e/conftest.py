"""Fixtures for end-to-end tests: one real server and one Chromium per session."""

from __future__ import annotations

import os

import pytest

from bench.harness import browser, serve, wait_idle, wait_styled


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    # The server's worker pool writes its results here: fresh for every test run,
    # so a run the tests ask for is really computed.
    os.environ["NORMLAB_RESULTS"] = str(tmp_path_factory.mktemp("results"))
    with serve() as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def open_lab(page, app_url):
    """Open the Lab with a query string and wait for both heatmaps."""

    def _open(query: str = "") -> object:
        page.goto(f"{app_url}/{query}")
        wait_idle(page)
        wait_styled(page)
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.normlab-heatmap canvas'))"
            ".filter((c) => c.dataset.plot).length === 2",
            timeout=30_000,
        )
        return page

    return _open


@pytest.fixture(scope="session")
def warmed(app_url, chromium):
    """The server after one visit to its home page, before any deep link.

    A deep link to a page on a server nobody has opened yet is routed through
    app.py (lab.ui.sync.ensure_routed, tested on its own in
    test_lab_browser.py); the page tests start after that, so they test the
    page rather than the first-visit routing.
    """
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{app_url}/")
    wait_idle(page, 120_000)
    context.close()
    return app_url
