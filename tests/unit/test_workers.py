"""Heavy runs in worker processes: shared, reported, cancelled, stored as arrays."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from lab.core.workers import (
    Task,
    Workers,
    code_version,
    load_arrays,
    result_key,
    save_arrays,
)


def count_task(n: int, delay: float = 0.0) -> Task:
    return Task(
        "tests.unit.worker_tasks:count",
        (n, delay),
        decode="tests.unit.worker_tasks:decode_count",
    )


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    w = Workers(workers=1, results=tmp_path_factory.mktemp("results"), poll=0.02)
    yield w
    w.shutdown()


def test_a_result_computed_in_a_worker_comes_back_as_its_arrays(one_worker):
    seen = []
    x = one_worker.run("count-5", count_task(5), lambda f, m: seen.append((f, m)))
    np.testing.assert_array_equal(x, np.arange(5, dtype=np.float32))
    assert (one_worker.results / "count-5.npz").exists()
    # asked again: no new job, no progress
    before = one_worker._seq
    again = one_worker.run("count-5", count_task(5), lambda f, m: seen.append(0))
    np.testing.assert_array_equal(again, x)
    assert one_worker._seq == before


def test_progress_reported_by_the_worker_reaches_the_waiting_session(one_worker):
    seen = []
    one_worker.run("count-slow", count_task(8, 0.05), lambda f, m: seen.append((f, m)))
    assert any(f > 0 and m.startswith("step ") for f, m in seen)


def test_sessions_asking_for_the_same_run_share_one_job(one_worker):
    out, before = [], one_worker._seq

    def session():
        out.append(one_worker.run("count-shared", count_task(6, 0.05), lambda f, m: 0))

    threads = [threading.Thread(target=session) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(out) == 4 and one_worker._seq == before + 1
    for x in out:
        np.testing.assert_array_equal(x, out[0])


def test_a_queued_run_says_how_many_runs_are_ahead_of_it(one_worker):
    msgs: dict[str, list[str]] = {"a": [], "b": [], "c": []}

    def session(name, n):
        one_worker.run(
            f"queue-{name}", count_task(n, 0.05), lambda f, m: msgs[name].append(m)
        )

    ta = threading.Thread(target=session, args=("a", 10))
    ta.start()
    time.sleep(0.3)
    tb = threading.Thread(target=session, args=("b", 2))
    tb.start()
    time.sleep(0.05)
    session("c", 2)
    for t in (ta, tb):
        t.join(60)
    assert "Queued: 1 run ahead of yours…" in msgs["c"]
    assert not any("ahead" in m for m in msgs["a"])


class Interrupted(Exception):
    pass


def test_a_run_nobody_waits_for_stops_and_leaves_no_result(one_worker):
    calls = []

    def impatient(fraction, message):
        calls.append(message)
        if len(calls) > 3:
            raise Interrupted  # the student moved a control

    with pytest.raises(Interrupted):
        one_worker.run("count-abandoned", count_task(200, 0.02), impatient)
    time.sleep(0.5)
    job = one_worker._jobs["count-abandoned"]
    assert job.cancelled
    job.future.exception(timeout=30)  # the worker stopped at its next report
    assert not (one_worker.results / "count-abandoned.npz").exists()
    # the worker is free again, and the run can be asked for anew
    x = one_worker.run("count-abandoned", count_task(3), lambda f, m: 0)
    assert len(x) == 3


@pytest.mark.parametrize(
    "content",
    [b"", b"PK\x03\x04 truncated", b"not an npz at all"],
    ids=["empty", "truncated", "foreign"],
)
def test_an_unreadable_result_file_is_ignored_and_recomputed(one_worker, content):
    key = f"count-bad-{len(content)}"
    (one_worker.results / f"{key}.npz").write_bytes(content)
    assert one_worker.cached(key, "tests.unit.worker_tasks:decode_count") is None
    x = one_worker.run(key, count_task(4), lambda f, m: 0)
    assert len(x) == 4


def test_a_pickled_object_in_a_result_file_is_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, x=np.array([{"a": 1}], dtype=object))
    assert load_arrays(path) is None


def test_results_are_written_whole_or_not_at_all(tmp_path):
    path = tmp_path / "r.npz"
    save_arrays(path, {"a": np.ones(3)})
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    np.testing.assert_array_equal(load_arrays(path)["a"], np.ones(3))


def test_keys_change_with_parameters_and_with_the_code():
    v = code_version("lab.core.workers")
    assert result_key("sweep", {"depth": 8}, v) == result_key("sweep", {"depth": 8}, v)
    assert result_key("sweep", {"depth": 8}, v) != result_key("sweep", {"depth": 9}, v)
    assert result_key("sweep", {"depth": 8}, v) != result_key(
        "sweep", {"depth": 8}, "x"
    )
    assert len(v) == 12 and v != code_version("lab.core.norms")


def test_the_pool_leaves_the_server_a_core_and_follows_the_environment(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("NORMLAB_WORKERS", "3")
    w = Workers(results=tmp_path)
    try:
        assert w.size == 3
    finally:
        w.shutdown()
    monkeypatch.delenv("NORMLAB_WORKERS")
    w = Workers(results=Path(tmp_path))
    try:
        import os

        assert w.size == max(1, os.cpu_count() - 1)
    finally:
        w.shutdown()


def test_a_sweep_and_a_classifier_computed_in_a_worker_equal_the_in_thread_ones(
    one_worker,
):
    from lab.train_eval import classifier as C
    from lab.train_eval import costs as K
    from lab.why.cache import RunStore, sweep_key, sweep_task
    from lab.why.runs import SweepConfig, run_sweep

    cfg = SweepConfig(depth=2, width=8, steps=5, batch=16, seed=11)
    far = one_worker.run("why-test-sweep", sweep_task(cfg), lambda f, m: 0)
    here = run_sweep(cfg)
    assert far.config == here.config and far.lrs == here.lrs
    for v, run in here.runs.items():
        for name in ("losses", "probe_loss", "probe_gdiff", "grad_norm", "unit"):
            np.testing.assert_array_equal(
                getattr(far.runs[v], name), getattr(run, name)
            )
    # the stores route through the pool only when it is the server's default
    assert RunStore().fetch(sweep_key(cfg), lambda p: here, lambda f, m: 0) is here

    C.MEMO.workers = one_worker
    try:
        C.MEMO.clear()
        far_costs = K.serving_costs("layer", 13)
    finally:
        C.MEMO.workers = None
        C.MEMO.clear()
    assert far_costs == K.serving_costs("layer", 13)
    assert list(one_worker.results.glob("train_eval-serving-*.npz"))


def test_a_worker_that_dies_mid_run_is_replaced_and_the_run_asked_again(tmp_path):
    import os
    import signal

    w = Workers(workers=1, results=tmp_path, poll=0.02)
    try:
        w.run("warm", count_task(1), lambda f, m: 0)  # the worker process is up
        pids = list(w._pool._processes)
        killed = []

        def kill_once(fraction, message):
            if message.startswith("step") and not killed:
                os.kill(pids[0], signal.SIGKILL)  # out of memory, say
                killed.append(True)

        x = w.run("count-dies", count_task(20, 0.05), kill_once)
        assert killed and len(x) == 20
        assert list(w._pool._processes) != pids  # a new worker did it
    finally:
        w.shutdown()


# ---- asking: a page that does not wait in its script ----


def _until(cond, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_poll_returns_at_once_and_then_the_result(one_worker):
    t0 = time.monotonic()
    first = one_worker.ask("poll-a", count_task(6, 0.05), "student-1")
    assert not first.done and time.monotonic() - t0 < 0.5
    seen = []

    def finished():
        p = one_worker.ask("poll-a", count_task(6, 0.05), "student-1")
        seen.append(p)
        return p.done

    _until(finished)
    np.testing.assert_array_equal(seen[-1].value, np.arange(6, dtype=np.float32))
    assert any(0 < p.fraction < 1 and p.message.startswith("step ") for p in seen)
    assert "poll-a" not in one_worker._jobs  # fetched: nothing left to hold


def test_a_result_stored_before_its_worker_returns_leaves_no_job_behind(one_worker):
    # The worker saves the result, then returns: a poll in between finds the
    # result while the job's future still runs (a clean-clone run once saw
    # the job left behind). Stored by hand here, while the job surely runs.
    first = one_worker.ask("poll-early", count_task(10, 0.05), "student-1")
    job = one_worker._jobs["poll-early"]
    assert not first.done and not job.future.done()
    one_worker._remember("poll-early", np.arange(10, dtype=np.float32))
    got = one_worker.ask("poll-early", count_task(10, 0.05), "student-1")
    assert got.done
    np.testing.assert_array_equal(got.value, np.arange(10, dtype=np.float32))
    assert "poll-early" not in one_worker._jobs
    _until(job.future.done)  # the worker is free for the next test


def test_students_polling_the_same_run_share_one_job(one_worker):
    before = one_worker._seq
    for who in ("s1", "s2", "s3"):
        one_worker.ask("poll-shared", count_task(5, 0.05), who)
    assert one_worker._seq == before + 1
    _until(lambda: one_worker.ask("poll-shared", count_task(5, 0.05), "s2").done)
    assert one_worker.ask("poll-shared", count_task(5, 0.05), "s1").done


def test_a_run_nobody_polls_any_more_is_cancelled(tmp_path):
    w = Workers(workers=1, results=tmp_path, poll=0.02)
    try:
        w.ask("poll-long", count_task(200, 0.05), "s1", lease=0.3)
        _until(lambda: w._jobs["poll-long"].started)
        _until(lambda: "poll-long" not in w._jobs or w._jobs["poll-long"].cancelled, 10)
        _until(
            lambda: (
                w._jobs.get("poll-long") is None or w._jobs["poll-long"].future.done()
            ),
            30,
        )
        assert not (tmp_path / "poll-long.npz").exists()  # stopped, nothing stored
        # asked for again later: it runs again, from the start
        again = w.ask("poll-long", count_task(200, 0.05), "s2")
        assert not again.done
        w.release("poll-long", "s2")
        _until(
            lambda: (
                w._jobs.get("poll-long") is None or w._jobs["poll-long"].future.done()
            ),
            30,
        )
    finally:
        w.shutdown()


def test_a_queued_poll_says_how_many_runs_are_ahead(tmp_path):
    w = Workers(workers=1, results=tmp_path, poll=0.02)
    try:
        w.ask("q-a", count_task(40, 0.05), "s1")
        _until(lambda: w._jobs["q-a"].started)
        w.ask("q-b", count_task(2), "s2")
        p = w.ask("q-c", count_task(2), "s3")
        assert p.message == "Queued: 1 run ahead of yours…"  # q-b; q-a runs
        for key, who in (("q-a", "s1"), ("q-b", "s2"), ("q-c", "s3")):
            w.release(key, who)
    finally:
        w.shutdown()


def test_workers_stop_when_their_server_is_killed(tmp_path):
    """A killed server must not leave its ~350 MB workers behind (it did)."""
    import os
    import signal
    import subprocess
    import sys

    code = (
        "import sys, time\n"
        "from lab.core.workers import Workers\n"
        "from tests.unit.test_workers import count_task\n"
        f"w = Workers(workers=1, results={str(tmp_path)!r}, poll=0.02)\n"
        "w.run('orphan-1', count_task(1), lambda f, m: None)\n"
        "print(*[p.pid for p in w._pool._processes.values()], flush=True)\n"
        "time.sleep(600)\n"
    )
    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(
        [sys.executable, "-c", code], cwd=root, stdout=subprocess.PIPE, text=True
    )
    try:
        pids = [int(p) for p in server.stdout.readline().split()]
        assert pids and all(Path(f"/proc/{p}").exists() for p in pids)
        server.send_signal(signal.SIGKILL)
        server.wait(10)

        def alive(pid: int) -> bool:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return False
            return state[0] != "Z"

        deadline = time.monotonic() + 15
        while any(alive(p) for p in pids):
            assert time.monotonic() < deadline, f"orphaned workers {pids}"
            time.sleep(0.1)
    finally:
        server.kill()
        for p in locals().get("pids", []):
            with contextlib.suppress(OSError):
                os.kill(p, signal.SIGKILL)
