"""Finished training runs, shared by every session of the server.

A class opening the same link should cost one run, and a student who changes
a control mid-run should not leave a half-trained result behind for the next
visitor. `RunStore` does both: results are stored only when their computation
returns; one computation runs at a time (the server has two cores, and runs
are single-threaded so their numbers are repeatable); a session that finds the
same computation under way waits for it and mirrors its progress instead of
starting its own. The waiting loop calls the caller's ``report`` at every poll,
so a session can still be interrupted while it waits.

Pure Python (threading only): `lab.why.view` keeps one store per server
process with ``st.cache_resource``, and tests drive it directly.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import asdict, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lab.core.stores import PoolStore
from lab.core.workers import Report, Task, code_version, result_key
from lab.core.workers import default as default_workers
from lab.why.arrays import load_extra, load_results, load_seed_table
from lab.why.runs import Sweep, SweepConfig
from lab.why.xiong import XiongResult

SHIPPED = Path(__file__).resolve().parents[2] / "assets" / "why_default.npz"
"""The default view's results (and every scenario's, and the seed table),
computed by `bench/why_sweep.py --write` with this code and shipped so the
page opens instantly."""

WAITING = "Waiting for a run another visitor started…"


class RunStore(PoolStore):
    """A bounded, thread-safe map from plain keys to finished results.

    Pinned results (``put(..., pin=True)``: the shipped ones) are never evicted
    and do not count against ``max_entries``: a class trying many settings at
    once must not push the default view and the scenarios out, or the next
    visitor would wait for them to be trained again.
    """

    def __init__(self, max_entries: int = 32, poll: float = 0.1) -> None:
        self.max_entries = max_entries
        self.poll = poll
        self._done: OrderedDict[Hashable, Any] = OrderedDict()
        self._pinned: dict[Hashable, Any] = {}
        self._guard = threading.Lock()  # protects _done and _running
        self._compute = threading.Lock()  # held by the one running computation
        self._running: tuple[Hashable, float, str] | None = None

    def get(self, key: Hashable) -> Any | None:
        """A finished result: in this store, or in the worker pool's shared
        results directory (computed by any replica), or None."""
        with self._guard:
            if key in self._pinned:
                return self._pinned[key]
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
        pool = default_workers()
        if pool is None:
            return None
        value = pool.cached(_result_key(key), _DECODE[key[0]])
        if value is not None:
            self.put(key, value)
        return value

    def put(self, key: Hashable, value: Any, pin: bool = False) -> None:
        """Store ``value``; ``pin``: keep it for the life of the store."""
        with self._guard:
            if pin or key in self._pinned:
                self._pinned[key] = value
                self._done.pop(key, None)
                return
            self._done[key] = value
            self._done.move_to_end(key)
            while len(self._done) > self.max_entries:
                self._done.popitem(last=False)

    def __len__(self) -> int:
        with self._guard:
            return len(self._done) + len(self._pinned)

    def stored(self, key: Hashable) -> Any | None:
        return self.get(key)

    def pool_key(self, key: Hashable) -> str:
        return _result_key(key)

    def fetch(
        self,
        key: Hashable,
        compute: Callable[[Report], Any],
        report: Report,
        task: Task | None = None,
    ) -> Any:
        """The result for ``key``: stored, or computed now with progress reports.

        If ``report`` or ``compute`` raises, nothing is stored and the exception
        propagates: an abandoned run leaves no trace but the time it took. With
        the server's worker pool (`lab.core.workers.default`) and a ``task`` that
        computes the same value, the run goes to a worker process instead: this
        thread only waits, and the pool shares, queues and cancels runs.
        """
        hit = self.get(key)
        if hit is not None:
            return hit
        pool = default_workers()
        if pool is not None and task is not None:
            value = pool.run(_result_key(key), task, report)
            self.put(key, value)
            return value
        while not self._compute.acquire(timeout=self.poll):
            with self._guard:
                running = self._running
            if running is not None and running[0] == key:
                report(running[1], running[2])  # the same run: mirror its progress
            else:
                report(0.0, WAITING)
        try:
            hit = self.get(key)  # finished while we waited
            if hit is not None:
                return hit

            def progress(fraction: float, message: str) -> None:
                with self._guard:
                    self._running = (key, fraction, message)
                report(fraction, message)

            progress(0.0, "Starting…")
            value = compute(progress)
            self.put(key, value)
            return value
        finally:
            with self._guard:
                self._running = None
            self._compute.release()


_DECODE = {
    "sweep": "lab.why.arrays:sweep_from_arrays",
    "xiong": "lab.why.arrays:xiong_from_arrays",
}


@cache
def _version() -> str:
    """The code a stored result stands for: what computes it (the sweep, the
    stacks, their networks and the norms) and the format it is stored in."""
    return code_version(
        "lab.why.runs",
        "lab.why.xiong",
        "lab.why.models",
        "lab.core.tasks",
        "lab.core.norms",
        "lab.why.arrays",
    )


def _result_key(key: Hashable) -> str:
    """The shared results directory's name for a store key (and this code)."""
    kind, arg = key
    params = asdict(arg) if is_dataclass(arg) else {"arg": arg}
    return result_key(f"why-{kind}", params, _version())


def sweep_task(config: SweepConfig) -> Task:
    """The worker's version of ``run_sweep(config)``."""
    return Task(
        "lab.why.runs:sweep_task",
        (asdict(config),),
        encode="lab.why.arrays:sweep_to_arrays",
        decode="lab.why.arrays:sweep_from_arrays",
    )


def xiong_task(seed: int) -> Task:
    """The worker's version of ``xiong_sweep(seed)``."""
    return Task(
        "lab.why.xiong:xiong_task",
        (int(seed),),
        encode="lab.why.arrays:xiong_to_arrays",
        decode="lab.why.arrays:xiong_from_arrays",
    )


def sweep_key(sweep_or_config: Any) -> tuple[str, Any]:
    config = getattr(sweep_or_config, "config", sweep_or_config)
    return ("sweep", config)


def xiong_key(seed: int) -> tuple[str, int]:
    return ("xiong", int(seed))


def preload(store: RunStore, path: Path = SHIPPED) -> tuple[Sweep, XiongResult]:
    """Put the shipped default results into ``store``, pinned; return them.

    Raises OSError/ValueError/KeyError when the file is missing or malformed;
    the page then trains the default view like any other.
    """
    sweep, xiong = load_results(path)
    for other in load_extra(path):  # the scenarios' views, shipped ready too
        store.put(sweep_key(other), other, pin=True)
    store.put(sweep_key(sweep), sweep, pin=True)
    store.put(xiong_key(xiong.seed), xiong, pin=True)
    return sweep, xiong


def seed_table(path: Path = SHIPPED) -> dict:
    """The shipped seed table: per scenario, what seeds 0–4 showed ({} when
    the file is missing or older; the page then shows one seed only)."""
    try:
        return load_seed_table(path)
    except (OSError, ValueError, KeyError):
        return {}
