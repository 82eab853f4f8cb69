"""AppTest runs each page inside this test process: start no worker pool there.

The fuzzer shortens training runs by patching step counts in this process,
which worker processes would not see, and a pool per AppTest would spawn a
torch process per test. The pool itself is tested in tests/unit/test_workers.py,
and through the real server in tests/e2e (a classifier run in a worker). The
setting is per test, so the servers that end-to-end tests start keep their pool."""

import pytest


@pytest.fixture(autouse=True)
def no_worker_pool(monkeypatch):
    monkeypatch.setenv("NORMLAB_WORKERS", "0")
