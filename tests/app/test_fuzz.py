"""A short fuzz of every page (the long run is `python -m bench.fuzz`).

Derandomized, so CI sees the same examples each run; the long run in bench/
draws new ones.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from bench.fuzzing import PAGES, fuzz_once, light_training

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
