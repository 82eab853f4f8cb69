"""How the corruption grows with the padded fraction: the page's tokens with
more and more of their positions padded, each family's largest change of a
real token's output (`lab.sequences.model.changes`) at every fraction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType

import numpy as np

from lab.core.threads import one_thread
from lab.sequences.data import BatchSpec, lengths_for_fraction, tokens, with_lengths
from lab.sequences.model import NAMES, changes

FRACTIONS: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(10))
"""Padded fractions swept: 0, 10 %, …, 90 %."""


@dataclass(frozen=True, eq=False)
class Sweep:
    """Per family, the largest change padding made to a real token's output at
    each padded fraction actually reached (NaN: no real token left)."""

    fractions: np.ndarray  # F  the padded fraction each point reached
    change: Mapping[str, np.ndarray]  # family → F

    def at(self, key: str, fraction: float) -> float:
        """The change at the swept fraction nearest ``fraction``."""
        i = int(np.argmin(np.abs(self.fractions - fraction)))
        return float(self.change[key][i])


def corruption_sweep(spec: BatchSpec) -> Sweep:
    """The sweep for the tokens of ``spec`` (its lengths are replaced: the
    pads are taken from the sequences' ends in turn, `lengths_for_fraction`),
    memoized without the lengths, which it does not read: moving the short
    length or how lengths are drawn does not sweep again."""
    return _sweep(replace(spec, lengths="equal", short=0))


@lru_cache(maxsize=32)
def _sweep(spec: BatchSpec) -> Sweep:
    reached = []
    out: dict[str, list[float]] = {k: [] for k in NAMES}
    values = tokens(spec)
    with one_thread():
        for f in FRACTIONS:
            lengths = lengths_for_fraction(spec.batch, spec.tokens, f)
            batch = with_lengths(spec, lengths, values)
            reached.append(batch.padded_fraction)
            for key, (_, _, change) in changes(batch).items():
                out[key].append(np.nan if change is None else change)
    return Sweep(
        np.array(reached),
        MappingProxyType({k: np.array(v) for k, v in out.items()}),
    )
