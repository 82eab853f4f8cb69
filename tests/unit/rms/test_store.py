"""The shared store (lab.rms.store) and the shipped training runs."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from lab.core import workers
from lab.rms import store as S
from lab.rms.state import PAGE
from lab.rms.training import TrainConfig, train


@pytest.fixture(autouse=True)
def no_pool():
    saved = workers.default()
    workers.set_default(None)
    yield
    workers.set_default(saved)


def test_the_shipped_runs_are_this_code_s_and_repeat():
    stamp, runs = S.load_shipped()
    assert stamp == S.code_hash()
    s = PAGE.initial()
    default = TrainConfig(s.blocks, s.width, s.steps, s.lr, s.tseed)
    assert runs[0].config == default
    again = train(default)
    # float32 training adds in another order on another CPU's vector kernels
    np.testing.assert_allclose(again.eval_loss, runs[0].eval_loss, rtol=0.02)
    for v in ("layer", "rms"):
        assert again.final(v) == pytest.approx(runs[0].final(v), rel=0.02)
    deep = PAGE.base("deep")
    assert any(r.config.blocks == deep.blocks for r in runs)


def test_preload_pins_only_matching_code(tmp_path):
    store = S.Store()
    assert S.preload(store) == 2
    cfg = S.load_shipped()[1][0].config
    assert store.shipped(cfg) and store.training(cfg) is not None
    doc = json.loads(S.SHIPPED.read_text(encoding="utf-8"))
    doc["code_hash"] = "other code"
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(doc), encoding="utf-8")
    assert S.preload(S.Store(), stale) == 0
    assert S.preload(S.Store(), tmp_path / "missing.json") == 0


def test_a_run_abandoned_leaves_nothing_and_one_finished_is_kept():
    store = S.Store()
    calls = []

    def compute(report):
        calls.append(1)
        report(0.5, "half")
        return "value"

    def interrupted(f, m):
        if f == 0.5:
            raise RuntimeError("rerun")

    with pytest.raises(RuntimeError):
        store.fetch(("train", "k"), compute, interrupted, task=None)
    assert store.get(("train", "k")) is None
    assert store.fetch(("train", "k"), compute, lambda f, m: None, None) == "value"
    assert store.fetch(("train", "k"), compute, lambda f, m: None, None) == "value"
    assert len(calls) == 2


def test_time_again_is_a_new_measurement_for_everyone(monkeypatch):
    from lab.rms import timing

    runs = []

    def fake(tokens, progress=None):
        runs.append(tokens)
        return f"timing {len(runs)}"

    monkeypatch.setattr(timing, "run_timing", fake)
    store = S.Store()
    assert store.latest_timing(16) is None
    assert store.time(16, lambda f, m: None) == "timing 1"
    assert store.latest_timing(16) == "timing 1"
    assert store.time(16, lambda f, m: None) == "timing 2"
    assert store.latest_timing(16) == "timing 2"
    assert store.latest_timing(1) is None


def test_sessions_wait_for_one_computation_in_place():
    """A second visitor asking while the first computes waits (told so) and
    gets the first one's result: one computation, not two."""
    from concurrent.futures import ThreadPoolExecutor

    store = S.Store()
    started, release = threading.Event(), threading.Event()
    computed, told = [], []

    def compute(report):
        computed.append(1)
        started.set()
        release.wait(5)
        return "shared"

    def second_visitor_told(fraction, message):
        told.append(message)
        release.set()

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(store.fetch, ("train", 1), compute, lambda f, m: None, None)
        started.wait(5)
        second = pool.submit(
            store.fetch, ("train", 1), compute, second_visitor_told, None
        )
        assert first.result(5) == second.result(5) == "shared"
    assert len(computed) == 1 and "another visitor" in told[0]
