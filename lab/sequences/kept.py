"""The runs this process keeps, asked of the worker pool without waiting
(lab/ui/jobs.py), by seed. Apart from `lab.sequences.run`, whose source names
the shipped run (its code hash): asking is not computing."""

from __future__ import annotations

from lab.core.stores import PoolStore
from lab.sequences import run as R


class Kept(PoolStore):
    def stored(self, key: int) -> R.RunResult | None:
        return R.kept(key)

    def put(self, key: int, value: R.RunResult) -> None:
        R.remember(value)

    def pool_key(self, key: int) -> str:
        return R.pool_key(key)


KEPT = Kept()
