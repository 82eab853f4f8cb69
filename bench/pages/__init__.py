"""One latency driver per page of the app, for bench/latency.py.

A driver is a class with ``NAME`` (the page, as ``--pages`` names it),
``VIEWS`` (label → query string opened for the interactions), ``INTERACTIONS``
(method names, each timing one raw input event until the changed output is on
screen and the app is idle, in seconds) and ``load()`` (page load until
interactive, in seconds). ``DRIVERS`` lists them in the order they run.
"""

from __future__ import annotations

from collections.abc import Iterator

from bench.pages.choose import Choose
from bench.pages.coupling import Coupling
from bench.pages.lab import Lab
from bench.pages.rms import Rms
from bench.pages.sequences import Sequences
from bench.pages.tensor import Tensor
from bench.pages.train_eval import TrainEval
from bench.pages.why import Why

DRIVERS = {
    d.NAME: d for d in (Lab, Tensor, Coupling, TrainEval, Sequences, Why, Rms, Choose)
}


def moves(
    pages: str, only: str = "", view: str = ""
) -> Iterator[tuple[str, type, str, str]]:
    """(page, driver, query, interaction) for each interaction of ``pages``
    (comma-separated names) that ``only`` (comma-separated, empty: all)
    keeps, on the driver's view labelled ``view`` (empty or unknown: its
    first), for the benches that visit every page's moves in turn."""
    keep = set(filter(None, only.split(",")))
    for name in pages.split(","):
        driver = DRIVERS[name]
        query = driver.VIEWS.get(view, next(iter(driver.VIEWS.values())))
        for kind in driver.INTERACTIONS:
            if not keep or kind in keep:
                yield name, driver, query, kind
