"""Everything the page computes for a state, memoized: a control's move
recomputes only the part it changes (the table for c, δ, ε, dtype and seed;
the example for the mean; the counts for the hidden size), and a class on
the same link shares one computation. Results are read-only by convention.
"""

from __future__ import annotations

from functools import lru_cache

from lab.rms.cost import Counts, Memory, counts, memory, modules
from lab.rms.invariance import Table, invariance_table
from lab.rms.rows import EpsCompare, MeanSurvives, eps_compare, mean_survives
from lab.rms.state import RmsState


@lru_cache(maxsize=256)
def table_for(
    c: float, delta: float, eps: float | None, dtype: str, seed: int
) -> Table:
    return invariance_table(c, delta, eps, dtype, seed)


@lru_cache(maxsize=128)
def mean_for(mean: float, seed: int, eps: float | None, dtype: str) -> MeanSurvives:
    return mean_survives(mean, seed, eps, dtype)


@lru_cache(maxsize=64)
def eps_for(eps: float | None, seed: int, dtype: str) -> EpsCompare:
    return eps_compare(eps, seed, dtype)


@lru_cache(maxsize=64)
def memory_for(hidden: int, tokens: int, dtype: str) -> Memory:
    return memory(hidden, tokens, dtype)


@lru_cache(maxsize=32)
def counts_for(hidden: int) -> dict[str, Counts]:
    return {k: counts(m) for k, m in modules(hidden).items()}


def table_of(s: RmsState) -> Table:
    return table_for(s.c, s.delta, s.eps, s.dtype, s.seed)


def mean_of(s: RmsState) -> MeanSurvives:
    return mean_for(s.mean, s.seed, s.eps, s.dtype)


def eps_of(s: RmsState) -> EpsCompare:
    return eps_for(s.eps, s.seed, s.dtype)


def memory_of(s: RmsState) -> Memory:
    return memory_for(s.hidden, s.tokens, s.tdtype)
