"""The run store shared by every session (lab.why.cache): finished results
only, one computation per key, interruptible waits, and the shipped results
pinned.
"""

from __future__ import annotations

import threading

import pytest

from lab.why.cache import RunStore, preload, sweep_key, xiong_key
from lab.why.state import PAGE, SCENARIOS


def test_the_store_keeps_finished_results_and_nothing_abandoned():
    store = RunStore(max_entries=2)
    calls = []

    def compute(progress):
        calls.append(1)
        progress(0.5, "half")
        return "result"

    assert store.fetch("a", compute, lambda f, m: None) == "result"
    assert store.fetch("a", compute, lambda f, m: None) == "result"
    assert len(calls) == 1

    def interrupted(f, m):
        if f == 0.5:
            raise RuntimeError("rerun")

    with pytest.raises(RuntimeError):
        store.fetch("b", compute, interrupted)
    assert store.get("b") is None
    assert store.fetch("b", compute, lambda f, m: None) == "result"  # lock released
    store.put("c", "x")
    assert store.get("a") is None and len(store) == 2  # bounded, oldest out


def test_sessions_asking_for_the_same_run_share_one_computation():
    store = RunStore(poll=0.01)
    started, release = threading.Event(), threading.Event()
    computed, mirrored = [], []

    def compute(progress):
        computed.append(1)
        progress(0.25, "quarter")
        started.set()
        release.wait(5)
        return "shared"

    out = {}
    first = threading.Thread(
        target=lambda: out.setdefault(
            "first", store.fetch("k", compute, lambda f, m: None)
        )
    )
    first.start()
    started.wait(5)

    def waiting_report(f, m):
        mirrored.append((f, m))
        if len(mirrored) >= 3:
            release.set()

    out["second"] = store.fetch("k", compute, waiting_report)
    first.join(5)
    assert out == {"first": "shared", "second": "shared"}
    assert computed == [1]
    assert (0.25, "quarter") in mirrored


def test_a_waiting_session_can_be_interrupted_and_other_keys_wait_their_turn():
    store = RunStore(poll=0.01)
    started, release = threading.Event(), threading.Event()

    def slow(progress):
        started.set()
        release.wait(5)
        return 1

    t = threading.Thread(target=store.fetch, args=("a", slow, lambda f, m: None))
    t.start()
    started.wait(5)
    seen = []

    def report(f, m):
        seen.append(m)
        raise RuntimeError("user moved on")

    with pytest.raises(RuntimeError):
        store.fetch("b", lambda p: 2, report)
    assert seen == ["Waiting for a run another visitor started…"]
    release.set()
    t.join(5)
    assert store.get("a") == 1 and store.get("b") is None


def test_preload_puts_the_shipped_results_under_their_keys():
    store = RunStore()
    sweep, xiong = preload(store)
    assert store.get(sweep_key(PAGE.initial().config)) is sweep
    for scenario in SCENARIOS:  # every scenario's seed-0 view ships ready
        assert store.get(sweep_key(PAGE.base(scenario.key).config)) is not None
    assert store.get(xiong_key(0)) is xiong


def test_shipped_results_are_never_evicted_however_many_runs_follow():
    store = RunStore(max_entries=3)
    sweep, xiong = preload(store)
    shipped = [sweep_key(PAGE.base(s.key).config) for s in SCENARIOS]
    for k in range(50):  # a class trying fifty settings
        store.put(("sweep", k), k)
    assert store.get(sweep_key(PAGE.initial().config)) is sweep
    assert all(store.get(key) is not None for key in shipped)
    assert store.get(xiong_key(0)) is xiong
    assert store.get(("sweep", 0)) is None and store.get(("sweep", 49)) == 49
    store.put(sweep_key(sweep), "again")  # a pinned key stays pinned
    for k in range(50, 60):
        store.put(("sweep", k), k)
    assert store.get(sweep_key(sweep)) == "again"
