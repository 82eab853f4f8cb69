"""The Train vs eval page as a person uses it, through Streamlit's AppTest.

One app session for the module (the classifier is trained once and memoized
for the whole process, as on the server); each test arrives through its own
link, as a shared URL would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lab.train_eval.state import SCENARIOS, TrainEvalState
from lab.train_eval.stream import MAX_STEPS
from tests.app.figures import (
    click_figure,
    figure_by_key,
    figures,
    panel_metrics,
    panel_tables,
    panel_words,
    pick,
    picked,
)
from tests.app.pages import open_page, visit

TIMEOUT = 120
APP = str(Path(__file__).resolve().parents[2] / "app.py")
PLAYING = "traineval._playing"


@pytest.fixture(scope="module")
def at() -> AppTest:
    return open_page("pages/train_eval.py", TIMEOUT)


def charts(at: AppTest) -> list[dict]:
    return figures(at)


def stream_chart(at: AppTest) -> dict:
    return next(
        c for c in charts(at) if "running statistics" in c["layout"]["title"]["text"]
    )


def shown_step(at: AppTest) -> int:
    """The step the stream chart's rule marks."""
    return int(stream_chart(at)["layout"]["shapes"][1]["x0"])


def metric(at: AppTest, label: str) -> str:
    """A readout: Streamlit's (the classifier) or a panel's (the live part)."""
    found = [m.value for m in at.metric if m.label == label]
    return found[0] if found else panel_metrics(at)[label]


def text(at: AppTest) -> str:
    """Everything the page writes: markdown, and its panels' words."""
    return " ".join([*(m.value for m in at.markdown), panel_words(at)])


def captions(at: AppTest) -> str:
    return " ".join([*(c.value for c in at.caption), panel_words(at)])


def segmented(at: AppTest, key: str):
    return next(w for w in at.button_group if w.key == key)


def test_the_default_view_shows_the_stream_both_modes_and_a_pitfall(at):
    visit(at)
    assert at.title[0].value == "Train vs eval"
    titles = [c["layout"]["title"]["text"] for c in charts(at)]
    assert len(titles) == 6  # stream, four heatmaps, serving
    assert "BatchNorm, train mode" in titles and "BatchNorm, eval mode" in titles
    assert shown_step(at) == TrainEvalState().step
    assert any("Gradual drift" in i.value for i in at.info)
    assert at.latex  # formulas: the variance readout and the side panel
    assert "Checked against" in captions(at)


@pytest.mark.parametrize(
    ("scenario", "norm"),
    [(s, n) for s in SCENARIOS for n in ("batch", "layer", "rms")],
    ids=lambda v: getattr(v, "key", v),
)
def test_every_scenario_renders_for_every_family(at, scenario, norm):
    visit(at, scenario=scenario.key, norm=norm)
    assert any(scenario.title in i.value for i in at.info)
    # the stream, four heatmaps, the pitfall's chart (dropout's: two)
    assert len(charts(at)) == (7 if scenario.key == "dropout" else 6)


@pytest.mark.parametrize(
    ("pitfall", "title"),
    [
        ("eval", "Served in batches of b"),
        ("stale", "After a shift of the inputs"),
        ("finetune", "After fine-tuning"),
        ("dropout", "The classifier in eval mode"),
    ],
)
@pytest.mark.parametrize("metric_name", ["accuracy", "auc"])
def test_each_pitfall_draws_its_measurements(at, pitfall, title, metric_name):
    visit(at, pitfall=pitfall, metric=metric_name, cshift="1.5")
    assert any(title in c["layout"]["title"]["text"] for c in charts(at))
    assert not at.get("progress")  # the bar is gone once the numbers are in


def test_forgetting_eval_reports_chance_at_batch_one_and_torchs_refusal(at):
    visit(at, metric="auc")
    assert metric(at, "Train mode, batch 1") == "0.500"
    assert float(metric(at, "Eval mode")) > 0.95
    assert "Expected more than 1 value per channel" in text(at)


def test_step_buttons_move_the_step_and_reset_returns_to_zero(at):
    visit(at, step="50")
    at.button(key="traineval.b_step").click().run()
    assert shown_step(at) == 51
    at.button(key="traineval.b_ten").click().run()
    assert shown_step(at) == 61
    at.button(key="traineval.b_back").click().run()
    assert shown_step(at) == 60
    at.slider(key="traineval.step_view").set_value(150).run()
    assert shown_step(at) == 150
    at.button(key="traineval.b_reset").click().run()
    assert shown_step(at) == 0
    assert at.slider(key="traineval.step_view").value == 0
    assert "Step 0: the layer has seen no batch" in captions(at)


def test_play_advances_and_pause_stops_with_the_slider_back(at):
    visit(at, step="20")
    at.button(key="traineval.b_play").click().run()
    assert at.session_state[PLAYING]
    assert not any(s.key == "traineval.step_view" for s in at.slider)
    progress = at.get("progress")
    assert progress and "Step 22 of 200" in progress[0].proto.text
    assert shown_step(at) == 22
    at.button(key="traineval.b_play").click().run()  # now labelled Pause
    assert not at.session_state[PLAYING]
    assert at.slider(key="traineval.step_view").value == 22
    at.run()
    assert shown_step(at) == 22  # stopped: reruns do not advance


def test_play_states_the_rate_it_keeps_and_slow_ticks_catch_up(at):
    """Issue 12: the caption said "2 steps every 0.5 s" while ticks came every
    0.6–0.8 s (~2.5 steps/s). Now each tick moves by the time it took."""
    from lab.train_eval import view as V

    visit(at, step="20")
    at.button(key="traineval.b_play").click().run()
    captions = " ".join(c.value for c in at.caption)
    assert f"Playing: {V.PLAY_RATE:g} batches a second" in captions
    assert "every 0.5 s" not in captions
    assert shown_step(at) == 20 + V.PLAY_STRIDE  # the first tick
    last, owed = at.session_state[V.TICK]
    at.session_state[V.TICK] = (last - 1.0, owed)  # this tick came 1 s late
    at.run()
    assert shown_step(at) >= 22 + int(V.PLAY_RATE * 1.0)
    at.button(key="traineval.b_play").click().run()  # Pause
    assert not at.session_state[PLAYING]


def test_play_at_the_end_starts_over_and_stops_at_the_last_step(at):
    visit(at, step=str(MAX_STEPS))
    at.button(key="traineval.b_play").click().run()
    assert shown_step(at) == 2
    at.session_state["traineval.step"] = MAX_STEPS - 2
    at.run()  # the tick that reaches the end stops the play
    assert not at.session_state[PLAYING]
    assert shown_step(at) == MAX_STEPS


def test_layernorm_and_rmsnorm_show_a_difference_of_exactly_zero(at):
    for norm in ("layer", "rms"):
        visit(at, norm=norm, scenario="jump")
        assert metric(at, "Largest |eval − train|") == "0 exactly"
        assert metric(at, "Largest |alone − eval|") == "0 exactly"
        assert "exactly 0 everywhere" in panel_words(at)
    visit(at, scenario="jump")
    assert metric(at, "Largest |eval − train|") != "0 exactly"


def test_batches_of_one_warn_and_serve_beta_in_train_mode(at):
    visit(at, scenario="one")
    assert "Batches of one" in panel_words(at)
    (head, rows) = panel_tables(at, "Feature")
    alone = head.index("Train, alone")
    assert rows and all(r[alone] == "0" for r in rows)
    assert "N = 1" in text(at)


def test_the_variance_readout_shows_both_variances_and_the_update(at):
    visit(at, batch="4", step="30", focus="0,1")
    body = text(at)
    assert "Batch 30, feature 1: N = 4" in body
    assert "1.333× as large" in body
    visit(at, momentum="none", step="30")
    assert "1/30" in captions(at)


def test_a_link_sets_every_control(at):
    visit(
        at,
        scenario="custom",
        norm="rms",
        batch="8",
        features="3",
        momentum="none",
        pattern="jump",
        shift="-1.5",
        scale="2",
        seed="9",
        step="57",
        focus="6,2",
        pitfall="stale",
        metric="auc",
        cshift="2",
        cseed="3",
    )
    assert segmented(at, "traineval.norm").value == "rms"
    assert at.select_slider(key="traineval.momentum").value is None
    assert at.slider(key="traineval.batch").value == 8
    assert segmented(at, "traineval.pattern").value == "jump"
    assert at.slider(key="traineval.shift").value == -1.5
    assert at.number_input(key="traineval.seed").value == 9
    assert at.slider(key="traineval.step_view").value == 57
    assert picked(at, "traineval.panel_body") == (6, 2)
    assert segmented(at, "traineval.pitfall").value == "stale"
    assert segmented(at, "traineval.metric").value == "auc"
    assert at.slider(key="traineval.cshift").value == 2.0
    assert at.number_input(key="traineval.cseed").value == 3
    assert (
        "Feature 2: running statistics" in stream_chart(at)["layout"]["title"]["text"]
    )


def test_the_pickers_move_the_focus(at):
    visit(at)
    pick(at, "traineval.panel_body", 0, 3)
    assert "Feature 3" in stream_chart(at)["layout"]["title"]["text"]
    pick(at, "traineval.panel_body", 5, 3)
    assert "Example 5 of that batch" in text(at)


def test_picking_a_scenario_sets_its_controls_and_keeps_the_seed(at):
    visit(at, seed="4")
    at.selectbox(key="traineval.scenario").set_value("jump").run()
    assert not at.exception
    assert segmented(at, "traineval.pattern").value == "jump"
    assert shown_step(at) == 103
    assert segmented(at, "traineval.pitfall").value == "stale"
    assert at.number_input(key="traineval.seed").value == 4
    at.slider(key="traineval.batch").set_value(20).run()
    assert at.selectbox(key="traineval.scenario").value == "custom"


@pytest.mark.parametrize(
    "params",
    [
        {"step": "abc"},
        {"step": "-5", "batch": "0", "features": "99"},
        {"momentum": "<script>alert(1)</script>"},
        {"focus": "-1,-1", "shift": "nan", "scale": "0"},
        {"norm": "group", "pattern": "zigzag", "pitfall": "x"},
        {"scenario": "../../etc/passwd", "cseed": "-3"},
        {"<b>": "x", "cshift": "inf"},
    ],
)
def test_hostile_links_render_with_a_note_and_no_traceback(at, params):
    visit(at, **params)
    assert len(charts(at)) == 6
    notes = [w.value for w in at.warning]
    assert any("could not be used as written" in n for n in notes)
    assert all("<script" not in n and "<b>" not in n for n in notes)


@pytest.mark.parametrize(
    ("batch", "features", "momentum", "norm"),
    [  # every value of each control at least twice, in different company
        ("1", "1", "none", "batch"),
        ("1", "8", "1", "rms"),
        ("1", "8", "none", "layer"),
        ("2", "1", "1", "layer"),
        ("2", "8", "none", "batch"),
        ("64", "1", "none", "rms"),
        ("64", "8", "1", "batch"),
        ("64", "8", "none", "layer"),
    ],
)
def test_extreme_combinations_render(at, batch, features, momentum, norm):
    visit(
        at,
        scenario="custom",
        batch=batch,
        features=features,
        momentum=momentum,
        norm=norm,
        step="200",
        focus="63,7",
        shift="4",
        scale="0.2",
    )
    assert len(charts(at)) == 6


def test_a_click_on_a_heatmap_cell_focuses_that_example_and_feature(at):
    visit(at)
    click_figure(at, "traineval.panel_body", x=2, y=5, chart="eval")  # col 2, row 5
    assert picked(at, "traineval.panel_body") == (5, 2)
    assert "Feature 2:" in stream_chart(at)["layout"]["title"]["text"]
    train = figure_by_key(at, "traineval.panel_body", "train")
    outline = train["layout"]["shapes"][-1]
    assert (outline["x0"], outline["y0"]) == (1.5, 4.5)
    assert at.query_params["focus"] == "5,2"


def test_dropout_before_batchnorm_shows_the_shift_and_its_cost(at):
    """Li et al. (2019): measured on a batch and on the classifier, with
    dropout after BatchNorm as the control; the shift slider does not apply."""
    visit(at, scenario="dropout")
    titles = [c["layout"]["title"]["text"] for c in charts(at)]
    assert "Variance in eval ÷ variance BatchNorm learned" in titles
    assert "The classifier in eval mode" in titles
    assert segmented(at, "traineval.pitfall").value == "dropout"
    assert at.slider(key="traineval.cshift").disabled
    before = metric(at, "Dropout before BN, p = 0.5")
    after = metric(at, "Dropout after BN, p = 0.5")
    assert float(before.rstrip("%")) < float(after.rstrip("%"))
    assert "variance shift" in text(at) and "Li et al. (2019)" in text(at)
    assert not at.exception
