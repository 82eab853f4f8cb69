"""Hypothesis strategies every page's tests share: any valid value of a
setting, as its control can produce it, and any settled view of a page."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as hs

from lab.core.page import PageSpec
from lab.core.params import Choice, Eps, Ints, Num, OnGrid
from lab.train_eval.stream import MOMENTA


def values(spec: object) -> hs.SearchStrategy:
    """Valid values of one setting, as its control can produce them."""
    if isinstance(spec, Num):
        steps = round((spec.hi - spec.lo) / spec.step)
        return hs.integers(0, min(steps, 10**6)).map(
            lambda k: spec.snap(spec.lo + k * spec.step)
        )
    if isinstance(spec, Choice):
        return hs.sampled_from(spec.options)
    if isinstance(spec, Eps):
        return hs.sampled_from(spec.choices)
    if isinstance(spec, Ints):
        return hs.tuples(*[hs.integers(0, 70)] * spec.arity)
    if isinstance(spec, OnGrid):
        opts = [int(o) if spec.integer else o for o in spec.options]
        return hs.sampled_from(opts)
    if type(spec).__name__ == "Momentum":
        return hs.sampled_from(MOMENTA)
    raise AssertionError(f"no strategy for {spec!r}")


@hs.composite
def page_states(draw: hs.DrawFn, page: PageSpec) -> object:
    """A settled state: a scenario (or custom), then any settings moved."""
    key = draw(hs.sampled_from(page.keys))
    moved = {}
    for name, spec in page.specs.items():
        if name != "scenario" and draw(hs.booleans()):
            moved[name] = draw(values(spec))
    return page.settle(replace(page.base(key), **moved))
