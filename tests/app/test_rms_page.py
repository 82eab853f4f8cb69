"""The LayerNorm vs RMSNorm page as a person uses it, through Streamlit's AppTest."""

from __future__ import annotations

from functools import partial

import pytest
from streamlit.testing.v1 import AppTest

from lab.rms import timing
from lab.rms.model import table_of
from lab.rms.state import PAGE, SCENARIOS
from lab.rms.texts import SECTIONS, TIMING_AGAIN, TIMING_BUTTON, TITLE
from lab.rms.words import cell_text
from tests.app.figures import figures, panel_metrics, panel_tables, panel_words
from tests.app.pages import open_page, visit

TIMEOUT = 120
PATH = "pages/rms.py"
HEAD = "Transformation"


def run(**params: str) -> AppTest:
    """A new visitor on the page, through a link with ``params``."""
    return visit(open_page(PATH, TIMEOUT), **params)


def whole(at: AppTest) -> AppTest:
    """After a fragment-only run, the whole page (AppTest keeps only the last
    run's elements)."""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table_cells(at: AppTest) -> list[list[str]]:
    return panel_tables(at, HEAD)[1]


def expected_cells(state) -> list[list[str]]:
    from lab.rms.invariance import FAMILIES, TRANSFORMS

    t = table_of(state)
    return [[cell_text(t.cell(r.key, f)) for f in FAMILIES] for r in TRANSFORMS]


def select(at: AppTest, label: str):
    return next(w for w in at.select_slider if w.label == label)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_every_scenario_opens_with_its_numbers(scenario):
    at = run(scenario=scenario.key)
    assert at.title[0].value == TITLE
    assert any(scenario.title in i.value for i in at.info)
    state = PAGE.base(scenario.key)
    assert [r[1:5] for r in table_cells(at)] == expected_cells(state)
    words = panel_words(at)
    for key in ("table", "mean", "eps", "memory", "timing", "training"):
        assert SECTIONS[key] in words, key
    assert len(at.latex) == 2  # both formulas
    assert len(figures(at)) >= 4  # the mean, ε, and the two training charts
    assert "Shipped result" in words or "Trained on this server" in words


def test_the_table_follows_c_and_delta():
    at = run()
    select(at, "Scale c").set_value(-1.0).run()
    whole(at)
    state = PAGE.initial().__class__(scenario="custom", c=-1.0)
    assert [r[1:5] for r in table_cells(at)] == expected_cells(state)
    assert "Sign of c" in panel_words(at)
    select(at, "Shift δ").set_value(1e8).run()
    whole(at)
    state = PAGE.initial().__class__(scenario="custom", c=-1.0, delta=1e8)
    assert [r[1:5] for r in table_cells(at)] == expected_cells(state)
    assert "Precision." in panel_words(at)


@pytest.mark.parametrize(
    "params",
    [
        {"c": "nan"},
        {"c": "0"},
        {"delta": "1e30"},
        {"eps": "0"},
        {"eps": "-1", "c": "inf"},
        {"c": "0", "eps": "0", "dtype": "float64"},
        {"tokens": "<script>", "hidden": "1e99", "mean": "nan"},
    ],
    ids=str,
)
def test_hostile_links_get_a_defined_and_explained_view(params):
    at = run(**params)
    words = panel_words(at)
    assert "<script>" not in words
    cells = table_cells(at)
    assert len(cells) == 7
    if params.get("eps") == "0":
        assert "ε = 0 and BatchNorm" in words
        assert all(r[1] == "refused (ε = 0)" for r in cells)
    if params.get("c") == "0":
        assert "c = 0. Re-scale" not in words and "c = 0. " in words  # its note
        assert ("0/0" in words) == (params.get("eps") == "0")
    bad = any(v in ("nan", "inf", "-1", "<script>", "1e99") for v in params.values())
    notes = [w.value for w in at.warning]
    assert bool(notes) == bad, notes


def test_timing_on_this_server_shows_the_run_and_keeps_it(monkeypatch):
    fast = partial(timing.run_timing, sizes=(256, 512), budget=0.02, max_rounds=3)
    monkeypatch.setattr(timing, "run_timing", fast)
    from lab.rms import view

    view.store.clear()
    at = run(tokens="16")
    assert "has not timed 16 tokens yet" in panel_words(at)
    next(b for b in at.button if b.label == TIMING_BUTTON).click().run()
    whole(at)
    words = panel_words(at)
    assert "Timed on" in words and "F.rms_norm" in words
    assert next(b for b in at.button if b.label == TIMING_AGAIN)
    assert len(figures(at)) >= 6
    cost = panel_tables(at, "")[1]  # the side table
    assert any("µs" in c for row in cost for c in row)
    later = run(tokens="16")  # another visitor: the stored timing, no button press
    assert "Timed on" in panel_words(later)
    view.store.clear()


def test_a_training_setting_trains_both_networks_here():
    at = run(blocks="1", steps="50", width="32")
    words = panel_words(at)
    assert "Trained on this server" in words
    metrics = panel_metrics(at)
    assert "LayerNorm final loss" in metrics and "Median step, RMSNorm" in metrics
    assert "After 50 steps" in words


def test_the_code_for_the_view_is_shown_on_request():
    at = run(c="-1")
    toggle = next(t for t in at.toggle if "PyTorch code" in t.label)
    toggle.set_value(True).run()
    code = at.code[0].value
    assert "c, delta, dtype, seed = -1.0, 1.0, torch.float32, 0" in code
    assert "nn.RMSNorm" in code
