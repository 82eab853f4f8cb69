"""Every page's settings go through the same checks (lab.core.page.PageSpec):
the empty link is the default view, every view survives its own link, a
scenario picked is the scenario, and every setting has a help text for its
control. One parametrised test per rule, over every topic's state."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from lab.board import texts as board_texts
from lab.board.state import PAGE as LAB
from lab.choose import texts as choose_texts
from lab.choose.state import PAGE as CHOOSE
from lab.core.page import CUSTOM, PageSpec
from lab.coupling import texts as coupling_texts
from lab.coupling.state import PAGE as COUPLING
from lab.rms import texts as rms_texts
from lab.rms.state import PAGE as RMS
from lab.sequences import texts as sequences_texts
from lab.sequences.state import PAGE as SEQUENCES
from lab.tensor import texts as tensor_texts
from lab.tensor.state import PAGE as TENSOR
from lab.train_eval import texts as train_eval_texts
from lab.train_eval.state import PAGE as TRAIN_EVAL
from lab.why import texts as why_texts
from lab.why.state import PAGE as WHY
from tests.strategies import page_states

PAGES: dict[str, tuple[PageSpec, object]] = {
    "lab": (LAB, board_texts),
    "tensor": (TENSOR, tensor_texts),
    "coupling": (COUPLING, coupling_texts),
    "train_eval": (TRAIN_EVAL, train_eval_texts),
    "why": (WHY, why_texts),
    "rms": (RMS, rms_texts),
    "sequences": (SEQUENCES, sequences_texts),
    "choose": (CHOOSE, choose_texts),
}
NAMES = sorted(PAGES)


@pytest.mark.parametrize("name", NAMES)
def test_the_empty_link_is_the_default_view(name):
    page, _ = PAGES[name]
    state, note = page.parse({})
    assert note is None
    assert state == page.initial() == page.settle(page.base(page.default))
    assert page.to_params(state) == {}


@pytest.mark.parametrize("name", NAMES)
def test_every_view_survives_its_own_link(name):
    page, _ = PAGES[name]

    @settings(max_examples=300, deadline=None, derandomize=True, database=None)
    @given(state=page_states(page))
    def check(state):
        params = page.to_params(state)
        assert all(isinstance(v, str) for v in params.values())
        assert page.parse(params) == (state, None), params

    check()


@pytest.mark.parametrize("name", NAMES)
def test_a_picked_scenario_is_that_scenario_and_keeps_what_it_promises(name):
    page, _ = PAGES[name]

    @settings(max_examples=60, deadline=None, derandomize=True, database=None)
    @given(state=page_states(page), key=hs.sampled_from(list(page.by_key)))
    def check(state, key):
        picked = page.pick(state, key)
        assert picked.scenario == key
        assert page.matches(picked, key)
        for n in page.keep:  # kept unless the rules between settings move it
            kept = getattr(picked, n)
            assert kept == getattr(
                page.clean(replace(picked, **{n: getattr(state, n)})), n
            )
        assert page.pick(picked, CUSTOM).scenario == CUSTOM

    check()


@pytest.mark.parametrize("name", NAMES)
def test_every_setting_but_the_cell_has_help_for_its_control(name):
    page, texts = PAGES[name]
    help_text = texts.HELP
    for setting in page.specs:
        if setting == "focus":  # picked on a chart, or with pickers of their own
            continue
        assert help_text.get(setting, "").strip(), f"{name}: {setting} has no help"


@pytest.mark.parametrize("name", NAMES)
def test_every_scenario_has_words_and_settings_of_the_page(name):
    page, _ = PAGES[name]
    assert page.default in page.by_key
    for s in page.scenarios:
        assert s.title.strip() and s.sentence.strip()
        assert set(s.params) <= set(page.names) - {"scenario"}
        base = page.base(s.key)
        for n, v in s.params.items():
            got = getattr(base, n)
            assert got == v or (isinstance(v, float) and math.isclose(got, v))
