"""The Sequences & padding page as a person uses it, through Streamlit's AppTest.

One app session for the module (the run's shipped default is loaded once, as
on the server); each test arrives through its own link, as a shared URL would.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lab.core.panel import plain_text
from lab.sequences import run as R
from lab.sequences.model import NAMES
from lab.sequences.state import FAMILIES, SCENARIOS
from lab.sequences.texts import TITLE
from lab.ui.components import data_of
from tests.app.figures import (
    click_figure,
    figure_by_key,
    figure_elements,
    figures,
    panel_metrics,
    panel_off,
    panel_words,
    pick,
    picked,
)
from tests.app.pages import open_page, visit

TIMEOUT = 120
CHARTS = 5  # two heatmaps, the corruption sweep, the running statistics, the run
BODY = "seq.panel_body"


@pytest.fixture(scope="module")
def at() -> AppTest:
    return open_page("pages/sequences.py", TIMEOUT)


def text(at: AppTest) -> str:
    streamlit = [m.value for m in [*at.markdown, *at.caption, *at.info, *at.warning]]
    return " ".join([*streamlit, panel_words(at)])


def channel_table(at: AppTest) -> tuple[list[str], list[list[str]]]:
    """The statistics table (its second column: "Mean, real")."""
    for e in figure_elements(at):
        for b in data_of(e.proto).get("blocks", []):
            head = [plain_text(h) for h in b.get("head", [])]
            if b["t"] == "table" and head[1:2] == ["Mean, real"]:
                return head, [[plain_text(c) for c in r] for r in b["rows"]]
    raise AssertionError("no statistics table")


def titles(at: AppTest) -> list[str]:
    return [f["layout"]["title"]["text"] for f in figures(at)]


def test_the_default_view_opens_with_every_section_and_the_shipped_run(at):
    visit(at)
    assert at.title[0].value == TITLE
    assert titles(at)[:2] == ["Tokens x (pads greyed)", "BatchNorm: output y"]
    assert len(figures(at)) == CHARTS
    assert not at.get("progress")  # the run ships precomputed
    words = text(at)
    assert "Stored result" in words and "Why transformers use LayerNorm" in words
    assert "Ba et al. (2016)" in words and "Vaswani et al. (2017)" in words
    assert "[Why normalize](/why)" in " ".join(m.value for m in at.markdown)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_every_scenario_renders_for_every_family(at, scenario, family):
    visit(at, scenario=scenario.key, norm=family)
    assert any(scenario.title in i.value for i in at.info)
    assert len(figures(at)) == CHARTS
    assert titles(at)[1] == f"{NAMES[family]}: output y"
    metrics = panel_metrics(at)
    assert metrics["LayerNorm"] == metrics["RMSNorm"] == "0 exactly"
    assert metrics["BatchNorm + mask"] in ("0 exactly", "—")


def test_the_toy_case_shows_mean_3_to_1_5_and_variance_2_to_3_25(at):
    visit(at, scenario="toy")
    head, rows = channel_table(at)
    assert head[1:] == [
        "Mean, real",
        "Mean, with pads",
        "Variance, real",
        "Variance, with pads",
    ]
    assert rows == [["0", "3.0", "1.5", "2.0", "3.25"]]
    metrics = panel_metrics(at)
    assert (metrics["μ"], metrics["σ²"], metrics["Pooled"]) == (
        "1.5",
        "3.25",
        "10 (5 pads)",
    )
    visit(at, scenario="toy", norm="masked")
    metrics = panel_metrics(at)
    assert (metrics["μ"], metrics["σ²"], metrics["Pooled"]) == ("3", "2", "5 (0 pads)")


def test_a_click_on_a_token_moves_the_outline_and_the_readouts(at):
    visit(at, norm="layer")
    click_figure(at, BODY, x=4, y=27, chart="y")  # channel 4, sequence 2 position 3
    assert picked(at, BODY) == (27, 4)
    y = figure_by_key(at, BODY, "y")
    focus = y["layout"]["shapes"][-1]
    assert (focus["x0"], focus["y0"]) == (3.5, 26.5)
    row = y["layout"]["shapes"][-3]  # LayerNorm pools the token's row
    assert (row["x0"], row["x1"], row["y0"]) == (-0.5, 5.5, 26.5)
    assert "sequence 2, position 3 (row 27), channel 4" in text(at)
    assert at.query_params["focus"] == "27,4"


def test_the_pickers_move_the_focus_and_a_pad_is_said_to_be_one(at):
    visit(at, lengths="one_long", short="2")
    pick(at, BODY, 20, 0)  # sequence 1, position 8
    assert "sequence 1, position 8 (row 20), channel 0: a pad" in text(at)
    assert panel_metrics(at)["y without padding"] == "— (a pad)"
    assert "(the focused position is a pad; pads are never served)" in text(at)


def test_controls_that_do_not_apply_are_switched_off(at):
    visit(at)
    off = panel_off(at)
    assert off["st-key-seq-padval"] and not off["st-key-seq-shift"]
    visit(at, pad="constant", data="count")
    off = panel_off(at)
    assert not off["st-key-seq-padval"] and off["st-key-seq-shift"]


def test_the_short_length_slider_runs_to_t(at):
    visit(at, tokens="7", short="5")
    slider = at.slider(key="seq.short")
    assert (slider.min, slider.max, slider.value) == (0, 7, 5)


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"lengths": "equal", "short": "0"}, "Every position is padding"),
        (
            {"batch": "1", "tokens": "1", "short": "1", "lengths": "equal"},
            "torch refuses",
        ),
        ({"data": "flat", "norm": "masked"}, "statistic(s) pool cells that are all"),
        ({"tokens": "1", "short": "0"}, "padded to T = 1"),
        ({"lengths": "equal", "short": "1"}, "lengths 1, 1, 1, 1, 1, 1, 1, 1"),
        ({"features": "1", "norm": "rms"}, "only the sign is left"),
    ],
)
def test_degenerate_batches_are_explained_not_raised(at, params, said):
    visit(at, **params)
    assert said in text(at)
    assert len(figures(at)) == CHARTS


@pytest.mark.parametrize(
    "params",
    [
        {"batch": "abc", "tokens": "-3", "features": "99"},
        {"short": "50", "focus": "999,999"},
        {"norm": "group", "pad": "<script>alert(1)</script>"},
        {"padval": "nan", "outlier": "inf", "rseed": "1e9"},
        {"scenario": "../../etc/passwd", "lengths": "zigzag"},
        {"<b>": "x", "data": "flat", "focus": "1,2,3"},
    ],
)
def test_hostile_links_render_with_a_note_and_no_traceback(at, params):
    visit(at, **params)
    assert len(figures(at)) == CHARTS
    notes = [w.value for w in at.warning]
    assert any("could not be used as written" in n for n in notes)
    assert all("<script" not in n and "<b>" not in n for n in notes)


def test_the_export_menu_offers_the_files_and_shows_the_code(at):
    visit(at, scenario="toy", norm="masked")
    assert not at.code and not at.get("download_button")  # drawn when it opens
    at.session_state["seq.export_open"] = True
    at.run()
    labels = {b.label for b in at.get("download_button")}
    assert labels == {"Token matrix (CSV)", "Statistics (CSV)", "PyTorch code (.py)"}
    code = next(c.value for c in at.code if "import torch" in c.value)
    assert "y = y_masked" in code and "[[1.0], [2.0], [3.0], [4.0], [5.0]]" in code
    at.session_state["seq.export_open"] = False
    at.run()


def test_another_run_seed_trains_under_a_bar_and_is_kept(at, monkeypatch):
    monkeypatch.setattr(R, "STEPS", 8)
    monkeypatch.setattr(R, "N_TEST", 64)
    visit(at, rseed="41")
    assert "seed 41" in text(at) and "Trained just now." in text(at)
    assert R.is_ready(41)
    visit(at, rseed="41")
    assert "Stored result" in text(at)
    with R._GUARD:
        R._DONE.pop(41, None)
