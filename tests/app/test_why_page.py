"""The "Why normalize" page as a person uses it, through Streamlit's AppTest.

The default view comes from the shipped results, as in production. Other views
would train for seconds each, so most tests put a short version of their runs
(the first few steps, computed by the real code) into the page's shared store
first; one test trains a small sweep through the page itself.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lab.core.families import SCENARIO_LEFT
from lab.core.markup import to_html
from lab.core.panel import plain_text
from lab.ui.components import data_of
from lab.why import texts as T
from lab.why import view as why_view
from lab.why.cache import sweep_key, xiong_key
from lab.why.runs import LR_GRID, SweepConfig, run_sweep
from lab.why.state import PAGE
from lab.why.verdicts import landscape_verdict
from lab.why.xiong import xiong_sweep
from tests.app.figures import (
    figure_elements,
    figures,
    panel_blocks,
    panel_metrics,
    panel_words,
    unpack,
)
from tests.app.pages import open_page, visit

TIMEOUT = 90
APP = str(Path(__file__).resolve().parents[2] / "app.py")
TITLES = ["No norm", "BatchNorm", "LayerNorm", "RMSNorm", "Noisy BatchNorm"]


def prefill(config: SweepConfig, seed: int | None = None) -> None:
    """Store a short real sweep for ``config`` (and stacks for ``seed``) so the
    page draws it without training for seconds."""
    store = why_view.store()
    if store.get(sweep_key(config)) is None:
        store.put(sweep_key(config), run_sweep(config, until=2))
    if seed is not None and store.get(xiong_key(seed)) is None:
        store.put(xiong_key(seed), xiong_sweep(seed, repeats=1))


@pytest.fixture(scope="module")
def at() -> AppTest:
    return open_page("pages/why.py", TIMEOUT)


def title(fig: dict) -> str:
    return fig["layout"]["title"]["text"]


def titles(at: AppTest) -> list[str]:
    return [title(f) for f in figures(at)]


def text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [b.value for b in [*at.success, *at.info, *at.warning]]
    return "\n".join([*parts, panel_words(at)])


def boxes(at: AppTest) -> list[str]:
    """The coloured boxes' words: Streamlit's and the panels' callouts."""
    out = [plain(b.value) for b in [*at.success, *at.info, *at.warning]]
    for e in figure_elements(at):
        data = unpack(data_of(e.proto))
        out += [
            plain_text(b["html"]) for b in data.get("blocks", []) if b["t"] == "callout"
        ]
    return out


def plain(md: str) -> str:
    return plain_text(to_html(md))


def sweep_caption(at: AppTest) -> str:
    """What was trained, as the sweep's header says it."""
    blocks = panel_blocks(at, "why.sweep_header")
    return next(plain_text(b["html"]) for b in blocks if b["t"] == "caption")


def ceiling_deltas(at: AppTest) -> dict[str, tuple[str, str] | None]:
    """Each variant's highest-rate readout's delta: (words, tone) or None."""
    (block,) = [b for b in panel_blocks(at, "why.sweep_header") if b["t"] == "metrics"]
    return {
        label: None if d is None else tuple(d)
        for (label, _, _), d in zip(block["items"], block["deltas"], strict=True)
    }


def test_the_default_view_opens_from_the_shipped_results(at):
    visit(at)
    assert at.title[0].value == "Why normalize"
    assert list(panel_metrics(at)) == TITLES
    assert len(figures(at)) == 7
    assert "Stored result" in text(at)
    assert "Santurkar et al. (2018)" in text(at) and "Xiong et al." in text(at)
    assert at.latex  # the measures' formulas in the side panel
    assert "Loss curves at lr 0.1" in titles(at)  # the default scenario's rate


def test_the_metrics_are_the_highest_rates_the_runs_reached(at):
    visit(at)
    sweep = why_view.store().get(sweep_key(PAGE.initial().config))
    shown = panel_metrics(at)
    assert len(shown) == len(sweep.runs)
    for value, v in zip(shown.values(), sweep.runs, strict=True):
        hi = sweep.highest_lr(v)
        assert value == ("—" if hi is None else f"{hi:.2g}")


def test_each_rate_is_compared_with_the_plain_networks_in_its_delta(at):
    """The shipped default runs: BatchNorm 3.2 against no norm's 0.32 (up, 10×),
    LayerNorm 0.32 (the same), RMSNorm 1 (up, 3.2×); no norm itself has none."""
    visit(at)
    deltas = ceiling_deltas(at)
    assert deltas["No norm"] is None
    assert deltas["BatchNorm"] == ("10× no norm", "up")
    assert deltas["LayerNorm"] == ("same as no norm", "off")
    assert deltas["RMSNorm"] == ("3.2× no norm", "up")


def test_the_final_losses_are_drawn_once_their_section_is_open(at):
    """Every run's final loss by learning rate, as the sweep holds it; while the
    section is closed the table is not built (lab/why/view.py, LOSSES_OPEN)."""
    visit(at)
    assert not at.table
    at.session_state[why_view.LOSSES_OPEN] = True  # the section opened
    at.run(timeout=TIMEOUT)
    sweep = why_view.store().get(sweep_key(PAGE.initial().config))
    assert len(at.table) == 1
    shown = at.table[0].value
    assert list(shown.columns) == ["learning rate", *TITLES]
    assert list(shown["learning rate"]) == [why_view.lr_label(x) for x in sweep.lrs]
    for name, v in zip(TITLES, sweep.runs, strict=True):
        want = [
            "diverged" if not math.isfinite(x) else f"{x:.3f}"
            for x in sweep.final_loss(v)
        ]
        assert list(shown[name]) == want
    at.session_state[why_view.LOSSES_OPEN] = False
    at.run(timeout=TIMEOUT)
    assert not at.table


@pytest.mark.parametrize("key", list(PAGE.by_key))
def test_every_scenario_renders_its_runs_without_exception(at, key):
    prefill(PAGE.base(key).config, seed=0)
    visit(at, scenario=key)
    assert at.selectbox(key="why.scenario").value == key
    assert any(PAGE.by_key[key].title in i.value for i in at.info)
    assert len(figures(at)) == 7


def test_picking_a_scenario_sets_its_controls_and_keeps_the_seed(at):
    prefill(PAGE.base("deeper").config, seed=0)
    visit(at, lr="1")
    at.selectbox(key="why.scenario").set_value("deeper").run()
    assert not at.exception
    assert at.slider(key="why.depth").value == 20
    assert at.select_slider(key="why.lr").value == 1.0  # a view setting, kept


def test_moving_a_control_away_from_the_scenario_makes_it_custom(at):
    # Changed on purpose (issue 12): the default view is the 6-layer scenario.
    config = replace(PAGE.initial().config, depth=11)
    prefill(config)
    visit(at)
    at.slider(key="why.depth").set_value(11).run()
    assert not at.exception
    assert at.selectbox(key="why.scenario").value == "custom"
    assert "11 layers of 64 units" in text(at)
    # the scenario's sentence is gone; its box says the view has left it
    left = [i.value for i in at.info if "6 layers" in i.value]
    assert left == [SCENARIO_LEFT.format(title=PAGE.by_key["six_layers"].title)]


def test_the_learning_rate_picker_changes_the_views_not_the_runs(at):
    visit(at)
    caption_before = sweep_caption(at)  # what was trained
    at.select_slider(key="why.lr").set_value(LR_GRID[4]).run()
    assert not at.exception
    assert "Loss curves at lr 1" in titles(at)
    assert "Gradient predictiveness, lr 1" in titles(at)
    at.run()
    assert sweep_caption(at) == caption_before


def test_the_stack_depth_slider_moves_the_per_layer_plot(at):
    visit(at)
    at.select_slider(key="why.blocks").set_value(24).run()
    assert not at.exception
    fig = next(f for f in figures(at) if "by layer" in title(f))
    assert "24 layers" in title(fig)
    assert "With 24 layers at initialization" in text(at)


def test_every_control_at_its_extremes_renders(at):
    cases = [
        {"depth": "4", "width": "32", "batch": "8", "steps": "50", "noise": "0"},
        {"depth": "20", "width": "32", "batch": "8", "steps": "400", "noise": "3"},
        {"init": "torch", "lr": "10", "blocks": "2"},
        {"init": "torch", "lr": "0.01", "blocks": "24", "noise": "0.25"},
    ]
    for params in cases:
        state, note = PAGE.parse(params)
        assert note is None
        prefill(state.config)
        visit(at, **params)
        assert len(figures(at)) == 7, params


def test_a_sweep_too_heavy_for_the_server_is_refused_with_a_clear_message(at):
    params = {"depth": "20", "width": "128", "batch": "256", "steps": "400"}
    config = PAGE.parse(params)[0].config
    visit(at, **params)
    assert why_view.store().get(sweep_key(config)) is None  # nothing was trained
    assert any("about 17.8× the default sweep's work" in e.value for e in at.error)
    assert len(figures(at)) == 2  # the transformer stacks still show
    assert not panel_metrics(at)


def test_a_small_sweep_trains_through_the_page_and_is_then_stored(at):
    params = {"depth": "4", "width": "32", "batch": "16", "steps": "50", "seed": "0"}
    config = PAGE.parse(params)[0].config
    assert why_view.store().get(sweep_key(config)) is None
    visit(at, **params)
    assert "Trained just now" in text(at)
    stored = why_view.store().get(sweep_key(config))
    assert stored is not None and stored.runs["none"].losses.shape == (50, len(LR_GRID))
    visit(at, **params)
    assert "Stored result" in text(at)


@pytest.mark.parametrize(
    "params",
    [
        {"depth": "abc"},
        {"lr": "-1", "width": "1e999"},
        {"steps": "nan", "seed": "-5"},
        {"scenario": "../../etc/passwd"},
        {"init": "<script>alert(1)</script>"},
        {"<b>": "x"},
        {"blocks": "0"},
    ],
)
def test_hostile_links_render_with_a_note_and_no_traceback(at, params):
    prefill(PAGE.parse(params)[0].config)
    visit(at, **params)
    assert len(figures(at)) == 7
    notes = [w.value for w in at.warning]
    assert any("could not be used as written" in n for n in notes)
    assert all("<script" not in n and "<b>" not in n for n in notes)


def test_the_landscape_box_is_the_verdict_on_the_runs_on_screen_with_the_seed_spread(
    at,
):
    visit(at)
    sweep = why_view.store().get(sweep_key(PAGE.initial().config))
    entry = why_view.seed_entry(PAGE.initial())
    assert entry is not None
    _, expected = landscape_verdict(sweep, PAGE.initial().lr, entry)
    found = boxes(at)
    assert plain(expected) in found
    assert "Over seeds 0–4 of this scenario at lr 0.1" in expected
    assert any("Over seeds 0–4 of this scenario, the highest rate" in b for b in found)


def test_a_custom_view_says_the_seed_spread_is_for_the_scenarios(at):
    config = replace(PAGE.initial().config, depth=5)
    prefill(config)
    visit(at, scenario="custom", depth="5")
    assert any(plain(T.SEEDS_CUSTOM) in b for b in boxes(at))
