"""Batches the Sequences & padding tests share: every scenario's, and the
degenerate ones the page must explain."""

from __future__ import annotations

from lab.sequences.data import BatchSpec
from lab.sequences.state import PAGE

SCENARIO_SPECS = {key: PAGE.base(key).spec for key in PAGE.by_key}
DEGENERATE = {
    "all padded": BatchSpec(lengths="equal", short=0),
    "one real token": BatchSpec(batch=1, tokens=4, lengths="equal", short=1),
    "every length 1": BatchSpec(lengths="equal", short=1),
    "T = 1": BatchSpec(tokens=1, short=0),
    "one position in all": BatchSpec(batch=1, tokens=1, short=1, lengths="equal"),
    "a flat channel": BatchSpec(data="flat"),
    "one channel": BatchSpec(features=1),
    "nothing padded": BatchSpec(lengths="equal", short=12),
    "an empty sequence": BatchSpec(lengths="one_long", short=0),
    "constant pads": BatchSpec(pad="constant", padval=-3.5),
    "pad embedding, outlier": BatchSpec(pad="embedding", outlier=20.0, spread=1.2),
    "largest": BatchSpec(batch=16, tokens=24, features=16, short=0),
}
SPECS = {**SCENARIO_SPECS, **DEGENERATE}
