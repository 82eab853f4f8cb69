"""Finished timings and training runs, shared by every session of the server.

A class opening the same link should cost one run, and no run should hold
the server's Python thread: with the server's worker pool
(`lab.core.workers.default`) a run goes to a worker process, identical
requests share one job, a request nobody waits for any more is cancelled,
and this thread only polls. Without a pool (a notebook, AppTest) the run is
computed in place, one at a time.

Timings are measurements of this server, not pure functions of their
arguments: each is keyed by the store's start (so a restarted server times
afresh) and a round, so "Time again" asks for a new measurement that then
replaces the last one for every visitor. Training runs are pure: keyed by
their config and the code, and the shipped default runs are pinned.

Pure Python: `lab.rms.view` keeps one store per server process.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any

from lab.core.stores import PoolStore
from lab.core.workers import Report, Task, code_version, result_key
from lab.core.workers import default as default_workers
from lab.rms.timing import Timing
from lab.rms.training import TrainConfig, TrainRun, run_from_dict, run_to_dict

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "assets" / "rms_train.json"
"""The default view's training runs (and the scenarios'), written by
`python -m bench.rms_train --write` with the code whose hash they carry."""
FORMAT = 1
TRAIN_CODE = ("lab.rms.training", "lab.core.tasks", "lab.core.threads")
"""The modules whose code computes a training run."""
TIMING_CODE = ("lab.rms.timing",)
DECODE = {
    "train": "lab.rms.training:run_from_arrays",
    "timing": "lab.rms.timing:timing_from_arrays",
}


@cache
def _version(kind: str) -> str:
    return code_version(*(TRAIN_CODE if kind == "train" else TIMING_CODE))


def code_hash() -> str:
    """SHA-256 of the training code's files: the shipped runs' stamp."""
    h = hashlib.sha256()
    for name in TRAIN_CODE:
        path = ROOT.joinpath(*name.split(".")).with_suffix(".py")
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def train_key(config: TrainConfig) -> tuple:
    return ("train", config)


def train_task(config: TrainConfig) -> Task:
    return Task(
        "lab.rms.training:train_task",
        (asdict(config),),
        encode="lab.rms.training:run_to_arrays",
        decode=DECODE["train"],
    )


def timing_task(tokens: int) -> Task:
    return Task(
        "lab.rms.timing:timing_task",
        (int(tokens),),
        encode="lab.rms.timing:timing_to_arrays",
        decode=DECODE["timing"],
    )


class Store(PoolStore):
    """A bounded, thread-safe map of finished results (see the module)."""

    def __init__(self, max_entries: int = 32) -> None:
        self.max_entries = max_entries
        self.boot = f"{time.time():.6f}"  # this server's timings are its own
        self._done: OrderedDict[Hashable, Any] = OrderedDict()
        self._pinned: dict[Hashable, Any] = {}
        self._rounds: dict[int, int] = {}  # tokens → the latest finished round
        self._guard = threading.Lock()
        self._compute = threading.Lock()  # in place: one run at a time

    def _pool_key(self, key: Hashable) -> str:
        kind, *args = key  # type: ignore[misc]
        if kind == "train":
            params = asdict(args[0])
        else:
            params = {"tokens": args[0], "round": args[1], "boot": self.boot}
        return result_key(f"rms-{kind}", params, _version(kind))

    def get(self, key: Hashable) -> Any | None:
        """A finished result: here, or in the worker pool's results, or None."""
        with self._guard:
            value = self._pinned.get(key, self._done.get(key))
            if key in self._done:
                self._done.move_to_end(key)  # recently used: evicted last
        pool = default_workers()
        if value is None and pool is not None:
            value = pool.cached(self._pool_key(key), DECODE[key[0]])  # type: ignore[index]
            if value is not None:
                self.put(key, value)
        return value

    def stored(self, key: Hashable) -> Any | None:
        return self.get(key)

    def pool_key(self, key: Hashable) -> str:
        return self._pool_key(key)

    def put(self, key: Hashable, value: Any, pin: bool = False) -> None:
        with self._guard:
            if pin:
                self._pinned[key] = value
                return
            self._done[key] = value
            self._done.move_to_end(key)
            while len(self._done) > self.max_entries:
                self._done.popitem(last=False)

    def fetch(
        self,
        key: Hashable,
        compute: Callable[[Report], Any],
        report: Report,
        task: Task,
    ) -> Any:
        """The result for ``key``: stored, or computed now (by a worker when
        the server has a pool) while ``report`` shows how far it is. If
        ``report`` raises, nothing is stored and the exception propagates."""
        hit = self.get(key)
        if hit is not None:
            return hit
        pool = default_workers()
        if pool is not None:
            value = pool.run(self._pool_key(key), task, report)
        else:
            while not self._compute.acquire(timeout=0.1):
                report(0.0, "Waiting for a run another visitor started…")
            try:
                value = self.get(key)
                if value is None:
                    value = compute(report)
            finally:
                self._compute.release()
        self.put(key, value)
        return value

    # ---- training ----

    def training(self, config: TrainConfig) -> TrainRun | None:
        return self.get(train_key(config))

    def shipped(self, config: TrainConfig) -> bool:
        """Whether the run for ``config`` is one of the shipped (pinned) ones."""
        with self._guard:
            return train_key(config) in self._pinned

    def train(self, config: TrainConfig, report: Report) -> TrainRun:
        from lab.rms.training import train

        return self.fetch(
            train_key(config), lambda r: train(config, r), report, train_task(config)
        )

    # ---- timing ----

    def latest_timing(self, tokens: int) -> Timing | None:
        """The newest finished timing at ``tokens``, or None."""
        with self._guard:
            r = self._rounds.get(int(tokens))
        return None if r is None else self.get(("timing", int(tokens), r))

    def next_timing(self, tokens: int) -> tuple:
        """The key of a new measurement at ``tokens`` (its round follows the
        newest one finished; visitors asking at once share it)."""
        with self._guard:
            r = self._rounds.get(int(tokens), -1) + 1
        return ("timing", int(tokens), r)

    def timed(self, key: tuple) -> None:
        """A measurement finished: it is now the latest at its tokens."""
        _, tokens, r = key
        with self._guard:
            self._rounds[tokens] = max(self._rounds.get(tokens, -1), r)

    def time(self, tokens: int, report: Report) -> Timing:
        """A new measurement at ``tokens`` (joined, if another visitor's is
        under way for the same round), then the latest for everyone."""
        from lab.rms.timing import run_timing

        with self._guard:
            r = self._rounds.get(int(tokens), -1) + 1
        key = ("timing", int(tokens), r)
        value = self.fetch(
            key, lambda p: run_timing(int(tokens), p), report, timing_task(tokens)
        )
        with self._guard:
            self._rounds[int(tokens)] = max(self._rounds.get(int(tokens), -1), r)
        return value


# ---- the shipped training runs ----


def save_shipped(path: Path, runs: list[TrainRun]) -> None:
    doc = {
        "what": "LayerNorm vs RMSNorm: the training comparison's default runs. "
        "Regenerate with `python -m bench.rms_train --write`.",
        "format": FORMAT,
        "code_hash": code_hash(),
        "runs": [run_to_dict(r) for r in runs],
    }
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def load_shipped(path: Path = SHIPPED) -> tuple[str, list[TrainRun]]:
    """(the code hash they were computed with, the runs). Raises OSError,
    ValueError or KeyError for a missing or malformed file."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT:
        raise ValueError(f"{path.name}: format {doc.get('format')!r}, not {FORMAT}")
    return str(doc["code_hash"]), [run_from_dict(d) for d in doc["runs"]]


def preload(store: Store, path: Path = SHIPPED) -> int:
    """Pin the shipped runs into ``store`` while their code is this code;
    return how many (0: missing, malformed, or computed by other code, and
    the page trains them itself: slower, never wrong)."""
    try:
        stamp, runs = load_shipped(path)
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    if stamp != code_hash():
        return 0
    for run in runs:
        store.put(train_key(run.config), run, pin=True)
    return len(runs)
