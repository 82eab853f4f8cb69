"""Shared test settings. A skipped test is a failure here: a test that cannot run
proves nothing, and CI must not pass by skipping (README, "Test it")."""

from __future__ import annotations

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        report.longrepr = f"skipped tests fail in this project: {reason}"
