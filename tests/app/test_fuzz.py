"""A short fuzz of every page (the long run is `python -m bench.fuzz`).

Derandomized, so CI sees the same examples each run; the long run in bench/
draws new ones.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from bench.fuzzing import (
    PAGES,
    actions,
    check,
    fuzz_once,
    light_training,
    open_page,
    type_pickers,
    visit,
)
from tests.app.figures import picked

pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)
EXAMPLES = 6


@pytest.fixture(scope="module", autouse=True)
def _light():
    with light_training():
        yield


@pytest.mark.parametrize("name", list(PAGES))
def test_no_link_and_no_interaction_raises(name):
    page = PAGES[name]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=hs.data())
    def fuzz(data):
        fuzz_once(data, page)

    fuzz()


@pytest.mark.parametrize(
    ("name", "query", "key"),
    [
        ("train_eval", {}, "traineval.panel_body"),
        ("sequences", {}, "seq.panel_body"),
        ("coupling", {"view": ["probe"]}, "coupling.panel_body"),
    ],
)
def test_the_fuzzer_types_into_a_panels_pickers_and_the_page_clamps(name, query, key):
    """The pickers are the panel's, not Streamlit widgets: the fuzzer finds
    them, and what it types beyond their bounds lands on the nearest cell."""
    page = PAGES[name]
    at = open_page(page)
    visit(at, page, query)
    typed = [w for kind, w in actions(at) if kind == "pickers"]
    assert len(typed) == 1
    element, (_, cols) = typed[0]
    type_pickers(element, -3, cols + 3)
    at.run()
    check(at, page, "typed beyond the bounds")
    assert picked(at, key) == (0, cols - 1)
