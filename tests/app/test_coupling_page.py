"""The Batch coupling page as a person uses it, through Streamlit's AppTest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lab.core.families import SCENARIO_LEFT
from lab.coupling.state import SCENARIOS, VIEWS
from lab.coupling.texts import TITLE, VIEW_LABELS
from tests.app.figures import (
    figures,
    panel_metrics,
    panel_off,
    panel_tables,
    panel_words,
    pick,
    picked,
    picker_sizes,
)

LEFT = SCENARIO_LEFT.split("}")[1][:30]  # "…, changed.** The controls have"

TIMEOUT = 90
APP = str(Path(__file__).resolve().parents[2] / "app.py")
# Loading torch's forward-mode decompositions (the probe's jacfwd) warns that
# torch.jit.script is deprecated: torch's own code, nothing this page can change.
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)
PAGE = "pages/coupling.py"
CHARTS = {"spread": 2, "probe": 2, "oneclass": 1, "ghost": 2, "devices": 2, "accum": 2}


def run(**params: str) -> AppTest:
    """Open the app, go to the Batch coupling page with ``params`` in the URL."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(PAGE)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    """A readout: the view's panel's (lab/ui/panel.py) or Streamlit's."""
    found = [m.value for m in at.metric if m.label == label]
    return found[0] if found else panel_metrics(at)[label]


def group(at: AppTest, key: str):
    return next(w for w in at.button_group if w.key == key)


def text(at: AppTest) -> str:
    streamlit = [m.value for m in [*at.markdown, *at.caption, *at.info]]
    return " ".join([*streamlit, panel_words(at)])


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_every_scenario_renders_its_view(scenario):
    at = run(scenario=scenario.key)
    assert at.title[0].value == TITLE
    view = scenario.params["view"]
    assert group(at, "coupling.view").value == view
    assert len(figures(at)) == CHARTS[view]
    assert any(scenario.title in i.value for i in at.info)
    assert at.latex  # every view has its formula


@pytest.mark.parametrize(
    "params",
    [
        # the smallest and largest batches and feature counts, in every view
        *({"view": v, "batch": "1", "features": "1"} for v in VIEWS),
        *({"view": v, "batch": "2", "features": "64", "groups": "64"} for v in VIEWS),
        {"view": "probe", "batch": "64", "features": "64", "norm": "group"},
        {"view": "probe", "batch": "1", "norm": "batch", "mode": "eval"},
        {"view": "probe", "norm": "rms", "features": "7", "focus": "6,6"},
        {"view": "ghost", "batch": "7", "ghost": "7"},  # a prime batch
        {"view": "ghost", "batch": "12", "ghost": "1"},
        {"view": "devices", "batch": "16", "devices": "16"},
        {"view": "devices", "batch": "5", "devices": "3", "gap": "0"},
        {"view": "oneclass", "gap": "6", "focus": "3,0"},
        {"view": "spread", "batch": "64", "resamples": "100", "gap": "0"},
    ],
    ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()),
)
def test_edge_combinations_render_without_traceback(params):
    at = run(**params)
    assert len(figures(at)) >= 1


def test_the_spread_view_says_per_example_families_do_not_move():
    at = run()
    assert metric(at, "Every other family") == "0 (exactly)"
    exponent = float(metric(at, "Fitted exponent").replace("−", "-"))
    assert -0.6 < exponent < -0.42
    spread = figures(at)[0]
    assert [t["name"] for t in spread["data"]][:2] == ["∝ 1/√B", "BatchNorm (train)"]


def test_the_spread_view_speaks_to_students_not_developers():
    """Issue 12: "The resampling took 0.68 s … Cached since…" was a developer
    note. The caption now says what the resamples mean for the curve."""
    for at in (run(), run(resamples="300", batch="1")):
        words = text(at)
        for developer in ("took", " s:", "Cached", "engine call", "instant"):
            assert developer not in words, developer
        resamples = at.slider(key="coupling.resamples").value
        assert f"measured on {resamples} redrawn batches" in words


@pytest.mark.parametrize("view", VIEWS)
def test_no_mode_is_named_for_a_family_whose_mode_does_not_matter(view):
    """Issue 12 ("After LayerNorm (train)"): only BatchNorm has two modes, so
    only BatchNorm's traces, titles and readouts may say train or eval."""
    for norm in ("layer", "rms", "group"):
        at = run(view=view, norm=norm)
        words = text(at) + " ".join(panel_metrics(at))
        words += json.dumps(
            [
                f["layout"] | {"names": [t.get("name") for t in f["data"]]}
                for f in figures(at)
            ],
            ensure_ascii=False,
            default=str,
        )
        for name in ("LayerNorm", "RMSNorm", "GroupNorm"):
            for mode in ("(train)", "(eval)", ", train mode", ", eval mode"):
                assert f"{name} {mode}" not in words and f"{name}{mode}" not in words


def test_a_batch_of_one_explains_that_the_curve_starts_at_two():
    at = run(batch="1")
    assert "curve starts at 2" in panel_words(at)


def test_switching_view_shows_that_view_and_keeps_the_scenario():
    """Issue 12: moving between the five panels is not leaving the scenario."""
    at = run()
    room = SCENARIOS[0]
    for view in (*VIEWS[1:], VIEWS[0]):
        group(at, "coupling.view").set_value(view).run()
        assert not at.exception
        # the switch reruns the body alone (AppTest's tree then holds only it)
        assert len(figures(at)) == CHARTS[view]
        at.run()
        assert group(at, "coupling.view").value == view
        assert len(figures(at)) == CHARTS[view]
        assert at.selectbox(key="coupling.scenario").value == room.key
        assert any(room.sentence in i.value for i in at.info)
        assert not any(LEFT in i.value for i in at.info)
    group(at, "coupling.view").set_value("probe").run()
    at.run()
    heat = figures(at)[0]
    assert heat["data"][0]["type"] == "heatmap"
    assert "which outputs move" in heat["layout"]["title"]["text"]
    # a control the scenario fixes still leaves it
    at.slider(key="coupling.batch").set_value(8).run()
    assert at.selectbox(key="coupling.scenario").value == "custom"
    assert any(LEFT in i.value for i in at.info)


def test_the_probe_shows_the_column_for_batchnorm_and_the_row_for_layernorm():
    at = run(scenario="nudge_batch")
    assert metric(at, "Examples moved") == "16/16"
    assert metric(at, "Outputs moved") == "16/256"
    group(at, "coupling.norm").set_value("layer").run()
    assert metric(at, "Examples moved") == "1/16"
    assert at.selectbox(key="coupling.scenario").value == "custom"


def test_batchnorm_in_eval_mode_moves_only_the_nudged_cell():
    at = run(scenario="nudge_eval")
    assert metric(at, "Outputs moved") == "1/256"
    assert metric(at, "Loudest other") == "none"
    assert "finite difference" in text(at)


def test_the_mode_control_only_applies_to_batchnorm_in_the_probe():
    """Switched off in the browser by the view's panel, not redrawn disabled."""
    mode = "st-key-coupling-mode"
    assert panel_off(run())[mode]
    assert not panel_off(run(view="probe"))[mode]
    assert panel_off(run(view="probe", norm="layer"))[mode]


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_switches_off_exactly_the_controls_it_does_not_use(view):
    off = panel_off(run(view=view))
    assert off == {
        "st-key-coupling-norm": view not in ("probe", "spread"),
        "st-key-coupling-mode": view != "probe",  # BatchNorm, the default
        "st-key-coupling-ghost": view not in ("ghost", "accum"),
        "st-key-coupling-devices": view not in ("devices", "accum"),
        "st-key-coupling-resamples": view == "probe",
    }


def test_a_link_sets_the_nudged_cell():
    at = run(view="probe", focus="3,5")
    assert "Nudge cell (example 3, feature 5)" in text(at)
    heat = figures(at)[0]
    assert heat["layout"]["title"]["text"].startswith("∂y / ∂x[3, 5]")


def test_the_nudged_cell_can_be_picked_by_keyboard_and_follows_the_link():
    """Issue 12: the probe's nudged cell was mouse-only (a chart click)."""
    at = run(view="probe", focus="3,5")
    body = "coupling.panel_body"
    assert picked(at, body) == (3, 5)
    assert picker_sizes(at, body) == (16, 16)  # the default batch and features
    pick(at, body, 7, 5)
    assert "Nudge cell (example 7, feature 5)" in text(at)
    assert figures(at)[0]["layout"]["title"]["text"].startswith("∂y / ∂x[7, 5]")
    pick(at, body, 7, 2)
    assert "Nudge cell (example 7, feature 2)" in text(at)
    assert metric(at, "Examples moved") == "16/16"
    pick(at, body, 99, -4)  # out of range, as a hand-edited page could send
    assert "Nudge cell (example 15, feature 0)" in text(at)
    pick(at, body, 7, 2)
    # a smaller batch clamps the cell and the input together
    at.slider(key="coupling.batch").set_value(4).run()
    assert picked(at, body) == (3, 2)
    assert "Nudge cell (example 3, feature 2)" in text(at)


def test_picking_a_scenario_sets_its_controls_and_keeps_the_seed():
    at = run(seed="9")
    at.selectbox(key="coupling.scenario").set_value("gpus").run()
    assert not at.exception
    assert group(at, "coupling.view").value == "devices"
    assert next(s for s in at.slider if s.key == "coupling.devices").value == 8
    assert next(s for s in at.slider if s.key == "coupling.batch").value == 32
    assert at.number_input(key="coupling.seed").value == 9


def test_the_devices_view_shows_syncbatchnorm_s_arithmetic():
    at = run(scenario="gpus")
    head, rows = panel_tables(at, "device")
    col = {h: k for k, h in enumerate(head)}

    def num(cell: str) -> float:
        return float(cell.replace("−", "-"))

    assert len(rows) == 9 and rows[-1][0].startswith("all-reduce")
    n = [int(r[col["n"]]) for r in rows]
    assert sum(n[:-1]) == n[-1] == 32
    sums = [num(r[col["Σx"]]) for r in rows]
    assert sum(sums[:-1]) == pytest.approx(sums[-1], rel=1e-4)
    assert (
        metric(at, "SyncBN vs whole batch") == "0 (exactly)"
        or float(metric(at, "SyncBN vs whole batch").split()[0]) < 1e-5
    )


def test_ghost_sizes_are_the_divisors_of_the_batch():
    at = run(scenario="ghost")
    ghost = at.select_slider(key="coupling.ghost")
    assert list(ghost.options) == ["1", "2", "4", "8", "16", "32", "64"]
    assert ghost.value == 8
    assert metric(at, "Ghost batches") == "8 × 8"
    assert metric(at, "(μ, σ) pairs") == "128"


def test_the_one_class_view_shows_the_class_signal_erased():
    at = run(scenario="one_class")
    assert metric(at, "BN, one class") == "0"
    assert float(metric(at, "BN, mixed")) > 0.3
    assert "LayerNorm 0 (exactly)" in text(at)


@pytest.mark.parametrize(
    "params",
    [
        {"batch": "abc"},
        {"view": "<script>alert(1)</script>"},
        {"norm": "instance"},
        {"focus": "-1,-1", "ghost": "5", "devices": "99"},
        {"gap": "nan", "resamples": "-3"},
        {"scenario": "../../etc/passwd"},
        {"<b>": "x"},
    ],
)
def test_hostile_links_render_with_a_note_and_no_traceback(params):
    at = run(**params)
    assert figures(at)
    notes = [w.value for w in at.warning]
    assert any("could not be used as written" in n for n in notes)
    assert all("<script" not in n and "<b>" not in n for n in notes)


def test_view_labels_are_the_ones_the_page_shows():
    at = run()
    assert group(at, "coupling.view").options == [VIEW_LABELS[v] for v in VIEWS]
