"""Asking the worker pool for a stored result without waiting, for any store.

A topic keeps its finished results in a store of its own (Why normalize's
`RunStore`, Train vs eval's `Memo`), keyed on plain values; `PoolStore` gives
each the same `ask` and `release` over the server's pool (lab/core/workers.py),
so a page never waits for a run in its script (lab/ui/jobs.py).
"""

from __future__ import annotations

from typing import Any

from lab.core.workers import Answer, Task, Workers, default


class PoolStore:
    """What a store of finished results (a topic's, keyed on plain values)
    needs to ask the worker pool for one without waiting. A store gives
    `stored` (a finished value or None), `put`, `pool_key` (the pool's name for
    a store key) and, if it has its own pool, `workers`."""

    workers: Workers | None = None

    def stored(self, key: Any) -> Any | None:
        raise NotImplementedError

    def put(self, key: Any, value: Any) -> None:
        raise NotImplementedError

    def pool_key(self, key: Any) -> str:
        raise NotImplementedError

    def ask(self, key: Any, task: Task, holder: str) -> Answer | None:
        """The value for ``key`` if stored, else the pool's answer for it (the
        value, or how far its run is): returns at once. None without a pool (a
        notebook, AppTest): the store then computes in place."""
        hit = self.stored(key)
        if hit is not None:
            return Answer(True, hit)
        pool = self.workers or default()
        if pool is None:
            return None
        answer = pool.ask(self.pool_key(key), task, holder)
        if answer.done:
            self.put(key, answer.value)
        return answer

    def release(self, key: Any, holder: str) -> None:
        """``holder`` no longer waits for ``key`` (its student moved on)."""
        pool = self.workers or default()
        if pool is not None:
            pool.release(self.pool_key(key), holder)
