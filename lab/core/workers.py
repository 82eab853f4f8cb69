"""Heavy runs off the script thread: one process pool per server, shared jobs.

A training run inside the one Python process of a Streamlit server holds the GIL
for seconds, and every other student's click waits behind it (bench/classroom.py):
`Workers` runs such computations in a pool of worker processes, one per server:

- a session asks for a result by key; identical requests from many sessions
  share one job, and each waiting session mirrors its progress (reported by the
  worker) or its place in the queue ("2 runs ahead of yours");
- a session that stops waiting (its student moved on) withdraws; a job nobody
  waits for is cancelled, before it starts or at its next progress report;
- a page need not wait in its script: `Workers.ask` returns at once, with the
  result or how far the job is, and holds the job for a few seconds (a lease);
  a progress fragment asks again every second while it wants it, and a job
  whose leases all ran out is cancelled like an abandoned one;
- results travel as plain arrays: ``.npz`` files written atomically into a
  results directory, read with ``allow_pickle=False``. Replicas can share it;
  a truncated or foreign file is ignored and the result recomputed.

Pure Python and numpy: `lab.ui` keeps one `Workers` per server process (one
worker per core but one, `pool_size`); tests drive it directly. Workers run
single-threaded torch (their numbers repeat; they do not fight over threads).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import json
import multiprocessing as mp
import os
import queue
import tempfile
import threading
import time
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

Report = Callable[[float, str], None]
"""A progress report, ``report(fraction, message)``: how far a run is, in
words a student reads. Every slow computation of the lab takes one (the page
shows it with `lab.ui.progress.Progress`)."""

RESULTS_ENV = "NORMLAB_RESULTS"
WORKERS_ENV = "NORMLAB_WORKERS"
CANCEL_DIR = ".cancel"
REAP_EVERY = 0.5  # seconds between looks for runs whose leases ran out


class Cancelled(Exception):
    """Raised inside a worker when nobody waits for its job any more."""


@dataclass(frozen=True)
class Task:
    """A computation a worker can run: names of top-level functions, and arguments.

    ``compute`` is called as ``compute(*args, progress)``; ``encode`` turns its
    value into a mapping of numpy arrays (saved as ``.npz``) and ``decode`` turns
    those arrays back into the value. Each is named ``"module:function"`` so the
    worker imports it: nothing but plain arguments crosses the process boundary.
    """

    compute: str
    args: tuple = ()
    encode: str = "lab.core.workers:identity"
    decode: str = "lab.core.workers:identity"


def identity(value: Any) -> Any:
    return value


def _resolve(name: str) -> Callable:
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


def code_version(*modules: str) -> str:
    """A short hash of these modules' source: a result computed by other code is
    a different result."""
    h = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec and spec.origin:
            h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()[:12]


def result_key(kind: str, params: Mapping[str, Any], version: str) -> str:
    """The file name of a result: its kind, a hash of its parameters and code."""
    blob = json.dumps({"p": params, "v": version}, sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(blob.encode()).hexdigest()[:24]}"


def pool_size() -> int:
    """Workers a server starts: ``NORMLAB_WORKERS`` if set (0: none, compute in
    the script thread), else one per core but one: the server's own process
    needs a core for every student's clicks (measured with bench/classroom.py:
    with as many training workers as cores, the server got under half a core
    and a class of 200 waited seconds per click)."""
    env = os.environ.get(WORKERS_ENV, "").strip()
    if env.isdigit():
        return int(env)
    return max(1, (os.cpu_count() or 1) - 1)


_DEFAULT: Workers | None = None


def set_default(workers: Workers | None) -> None:
    """The pool that slow computations of this process hand their work to (the
    app sets it once per server; notebooks and tests compute in place)."""
    global _DEFAULT
    _DEFAULT = workers


def default() -> Workers | None:
    return _DEFAULT


def default_results_dir() -> Path:
    env = os.environ.get(RESULTS_ENV)
    return Path(env) if env else Path(tempfile.gettempdir()) / "normlab-results"


def save_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` as ``path`` (.npz) so that no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{k: np.asarray(v) for k, v in arrays.items()})
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays in ``path``, or None when it is missing, truncated or foreign
    (anything numpy cannot read without unpickling)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return None


# ---- inside a worker process ----

_QUEUE: Any = None
_RESULTS: Path | None = None


def _init_worker(queue: Any, results: str) -> None:
    global _QUEUE, _RESULTS
    _QUEUE, _RESULTS = queue, Path(results)
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()
    with contextlib.suppress(OSError, AttributeError):
        # Runs are background work: on a contended core, clicks go first (a Lab
        # click during a run took 1.55× its idle time at equal priority:
        # bench/contention.py, 2026-12-05).
        os.nice(NICE)
    with contextlib.suppress(ImportError):
        import torch

        from lab.core.threads import use_one_thread

        use_one_thread()  # lab/core/threads.py says why
        torch.set_num_interop_threads(1)


def _exit_with(parent: int, every: float = 1.0) -> None:
    """Stop this worker when its server is gone. A server that is killed (or
    stops without shutting its pool down) leaves its spawned workers behind,
    ~350 MB each: four such orphans were found on this machine after test
    servers had stopped (2026-12-05). Their parent becomes another process."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def _work(key: str, task: Task) -> str:
    """Run ``task`` in this worker, save its arrays under ``key``; return the path."""
    assert _RESULTS is not None and _QUEUE is not None
    cancel = _RESULTS / CANCEL_DIR / key
    _QUEUE.put((key, "start", 0.0, ""))

    def progress(fraction: float, message: str) -> None:
        if cancel.exists():
            raise Cancelled(key)
        _QUEUE.put((key, "progress", float(fraction), str(message)))

    value = _resolve(task.compute)(*task.args, progress)
    path = _RESULTS / f"{key}.npz"
    save_arrays(path, _resolve(task.encode)(value))
    return str(path)


# ---- in the server ----


NICE = 10  # a worker's CPU priority below the server's: ~a tenth of a shared core
LEASE = 5.0
"""Seconds one `Workers.ask` keeps a job wanted: several polls' worth, so a
page that polls every second never lets go of a run it still shows."""


@dataclass
class Job:
    """One computation under way, shared by every session waiting for it or
    polling it (``leases``: holder → time the lease runs out)."""

    key: str
    seq: int
    future: Future
    waiters: int = 0
    started: bool = False
    fraction: float = 0.0
    message: str = ""
    cancelled: bool = False
    leases: dict[str, float] = field(default_factory=dict)

    def wanted(self, now: float) -> bool:
        return self.waiters > 0 or any(t > now for t in self.leases.values())


@dataclass(frozen=True)
class Answer:
    """What `Workers.ask` found: the result (``done``), or the job's progress
    and the words a waiting student reads."""

    done: bool
    value: Any = None
    fraction: float = 0.0
    message: str = ""


class Workers:
    """A pool of worker processes and the jobs it runs (see the module's docstring)."""

    def __init__(
        self,
        workers: int | None = None,
        results: Path | None = None,
        memory: int = 64,
        poll: float = 0.1,
    ) -> None:
        self.size = workers or pool_size() or 1
        self.results = Path(results) if results else default_results_dir()
        (self.results / CANCEL_DIR).mkdir(parents=True, exist_ok=True)
        self.poll = poll
        self._ctx = mp.get_context("spawn")  # never fork a threaded server
        self._queue = self._ctx.Queue()
        self._pool = self._new_pool()
        self._jobs: dict[str, Job] = {}
        self._seq = 0
        self._guard = threading.Lock()
        self._memory: OrderedDict[str, Any] = OrderedDict()
        self._memory_size = memory
        self._listener = threading.Thread(target=self._listen, daemon=True)
        self._listener.start()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.size,
            mp_context=self._ctx,
            initializer=_init_worker,
            initargs=(self._queue, str(self.results)),
        )

    def _renew(self, broken: ProcessPoolExecutor) -> None:
        """A worker died (killed, out of memory): the stdlib pool is then broken
        for good, so start a new one; the runs it held are asked for again."""
        with self._guard:
            if self._pool is broken:
                self._pool = self._new_pool()
                self._jobs.clear()
        broken.shutdown(wait=False, cancel_futures=True)

    # -- progress from the workers --
    def _listen(self) -> None:
        # Leases run out without a message to say so: reap on a clock (a run
        # reporting every 50 ms never lets the queue fall quiet).
        next_reap = time.monotonic() + REAP_EVERY
        while True:
            now = time.monotonic()
            if now >= next_reap:
                self._reap()
                next_reap = now + REAP_EVERY
            try:
                msg = self._queue.get(timeout=REAP_EVERY)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            if msg is None:
                return
            key, kind, fraction, message = msg
            with self._guard:
                job = self._jobs.get(key)
                if job is not None:
                    job.started = True
                    if kind == "progress":
                        job.fraction, job.message = fraction, message

    # -- results --
    def cached(self, key: str, decode: str = "lab.core.workers:identity") -> Any | None:
        """A finished result, from this process's memory or the shared directory."""
        with self._guard:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        arrays = load_arrays(self.results / f"{key}.npz")
        if arrays is None:
            return None
        try:
            value = _resolve(decode)(arrays)
        except (KeyError, ValueError, TypeError, IndexError):
            return None  # foreign or outdated: recompute
        self._remember(key, value)
        return value

    def _remember(self, key: str, value: Any) -> None:
        with self._guard:
            self._memory[key] = value
            self._memory.move_to_end(key)
            while len(self._memory) > self._memory_size:
                self._memory.popitem(last=False)

    # -- jobs --
    def ahead(self, job: Job) -> int:
        """How many runs, not started yet, were asked for before this one."""
        with self._guard:
            return sum(
                1
                for j in self._jobs.values()
                if j.seq < job.seq and not (j.started or j.cancelled or j.future.done())
            )

    def _join(self, key: str, task: Task, wait: bool = True) -> Job:
        with self._guard:
            job = self._jobs.get(key)
            if job is not None and job.cancelled and not job.future.done():
                # Asked for again before it stopped: take the cancellation back.
                with contextlib.suppress(OSError):
                    (self.results / CANCEL_DIR / key).unlink()
                job.cancelled = False
            if job is None or job.future.done():
                with contextlib.suppress(OSError):
                    (self.results / CANCEL_DIR / key).unlink()
                self._seq += 1
                job = Job(key, self._seq, self._submit(key, task))
                self._jobs[key] = job
            if wait:
                job.waiters += 1
            return job

    def _submit(self, key: str, task: Task) -> Future:
        """Hand ``task`` to the pool (the caller holds the guard)."""
        try:
            return self._pool.submit(_work, key, task)
        except BrokenProcessPool:
            broken, self._pool = self._pool, self._new_pool()
            self._jobs.clear()
            broken.shutdown(wait=False, cancel_futures=True)
            return self._pool.submit(_work, key, task)

    def _leave(self, job: Job) -> None:
        with self._guard:
            job.waiters -= 1
            self._drop_if_unwanted(job, time.monotonic())

    def _drop_if_unwanted(self, job: Job, now: float) -> None:
        """Forget a finished job, or cancel one nobody wants any more (the
        caller holds the guard)."""
        if job.wanted(now) or job.cancelled:
            return
        if job.future.done():
            if self._jobs.get(job.key) is job:
                del self._jobs[job.key]
            return
        job.cancelled = True
        if not job.future.cancel():  # running: ask it to stop at its next report
            (self.results / CANCEL_DIR / job.key).touch()

    def _reap(self) -> None:
        """Cancel the polled jobs whose leases have all run out."""
        now = time.monotonic()
        with self._guard:
            for job in list(self._jobs.values()):
                if job.leases:
                    job.leases = {h: t for h, t in job.leases.items() if t > now}
                    self._drop_if_unwanted(job, now)

    def status(self, job: Job) -> tuple[float, str]:
        """What a waiting student reads: the worker's progress, or the queue."""
        with self._guard:
            started, fraction, message = job.started, job.fraction, job.message
        if started:
            return fraction, message or "Running…"
        n = self.ahead(job)
        if n:
            return 0.0, f"Queued: {n} run{'s' if n != 1 else ''} ahead of yours…"
        return 0.0, "Starting…"

    def run(self, key: str, task: Task, report: Report) -> Any:
        """The result for ``key``: cached, or computed by a worker while ``report``
        shows how far it is. If ``report`` raises (the session was interrupted),
        this session stops waiting, and the job is cancelled if nobody else waits.
        """
        hit = self.cached(key, task.decode)
        if hit is not None:
            return hit
        retried = False
        while True:
            pool = self._pool
            job = self._join(key, task)
            try:
                while True:
                    try:
                        path = job.future.result(timeout=self.poll)
                        break
                    except TimeoutError:
                        report(*self.status(job))
            except (Cancelled, CancelledError):
                continue  # cancelled by another session just before we joined
            except BrokenProcessPool:
                if retried:
                    raise
                retried = True
                self._renew(pool)
                continue  # a worker died under this run: once more, on a new pool
            finally:
                self._leave(job)
            arrays = load_arrays(Path(path))
            if arrays is None:
                raise OSError(f"the worker's result for {key} could not be read")
            value = _resolve(task.decode)(arrays)
            self._remember(key, value)
            return value

    def ask(self, key: str, task: Task, holder: str, lease: float = LEASE) -> Answer:
        """The result for ``key`` if it is ready; else start it (or join the job
        under way), hold it for ``lease`` seconds on behalf of ``holder`` (a
        session) and say how far it is. Returns at once."""
        hit = self.cached(key, task.decode)
        with self._guard:
            job = self._jobs.get(key)
            if hit is not None:
                if job is not None:  # stored, maybe before its worker returned
                    del self._jobs[key]  # nothing to hold
                return Answer(True, hit)
        if job is not None and job.future.done() and not job.cancelled:
            try:
                path = job.future.result()
            except (Cancelled, CancelledError, BrokenProcessPool):
                path = None  # cancelled or lost: asked for again below
            if path is not None:
                arrays = load_arrays(Path(path))
                if arrays is None:
                    raise OSError(f"the worker's result for {key} could not be read")
                value = _resolve(task.decode)(arrays)
                self._remember(key, value)
                with self._guard:
                    if self._jobs.get(key) is job:
                        del self._jobs[key]
                return Answer(True, value)
        try:
            job = self._join(key, task, wait=False)
        except BrokenProcessPool:
            self._renew(self._pool)
            job = self._join(key, task, wait=False)
        with self._guard:
            job.leases[holder] = time.monotonic() + lease
        return Answer(False, None, *self.status(job))

    def release(self, key: str, holder: str) -> None:
        """``holder`` no longer wants ``key``: cancel it if nobody else does."""
        with self._guard:
            job = self._jobs.get(key)
            if job is not None and job.leases.pop(holder, None) is not None:
                self._drop_if_unwanted(job, time.monotonic())

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._queue.put(None)
        self._listener.join(5)
