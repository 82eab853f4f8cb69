"""The Tensor view as a person uses it, through Streamlit's AppTest (no browser)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lab.tensor import MAX_C, MAX_N, MAX_SIDE, SCENARIOS, divisors

TIMEOUT = 60
APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(scope="module")
def at() -> AppTest:
    """One app session on the Tensor view; each test sets its own URL first."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.run()
    app.switch_page("pages/tensor.py").run()
    assert not app.exception
    return app


def visit(at: AppTest, **params: str) -> AppTest:
    """Arrive on the page through a link with ``params`` (like a shared URL)."""
    at.query_params.clear()
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figures(at: AppTest) -> list[dict]:
    charts = [e for e in at.main if getattr(e, "type", "") == "plotly_chart"]
    return [json.loads(c.proto.spec) for c in charts]


def cubes(at: AppTest) -> list[dict]:
    return [f for f in figures(at) if any(t["type"] == "mesh3d" for t in f["data"])]


def segmented(at: AppTest, key: str):
    return next(w for w in at.button_group if w.key == key)


def text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_the_page_is_in_the_app_and_shows_the_four_cubes(at):
    visit(at)
    assert at.title[0].value == "Tensor view"
    assert len(cubes(at)) == 4
    assert len(figures(at)) == 4 + 2 + 3  # cubes, unfolded maps, pitfall maps
    titles = [c["layout"]["title"]["text"] for c in cubes(at)]
    assert titles == ["BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
@pytest.mark.parametrize("view", ["all", "one"])
def test_every_scenario_renders_in_both_layouts(at, scenario, view):
    visit(at, scenario=scenario.key, view=view)
    assert len(cubes(at)) == (4 if view == "all" else 1)
    assert any(scenario.title in i.value for i in at.info)


def test_every_control_combination_at_the_edges_renders(at):
    """N, C, H, W at 1, a middle value and the maximum, with every G: no traceback."""
    sizes = itertools.product((1, MAX_N), (1, 7, MAX_C), (1, MAX_SIDE), (1, 3))
    for n, c, h, w in sizes:
        for g in divisors(c):
            focus = f"{n - 1},{c - 1},{h - 1},{w - 1}"
            for view in ("all", "one"):
                visit(
                    at,
                    batch=str(n),
                    channels=str(c),
                    height=str(h),
                    width=str(w),
                    groups=str(g),
                    focus=focus,
                    view=view,
                    norm="group",
                )
                assert not at.warning or all(
                    "could not be used" not in x.value for x in at.warning
                )


def test_groups_offers_only_the_divisors_of_c(at):
    visit(at, channels="12")
    assert at.select_slider(key="tensor.groups").options == [
        "1",
        "2",
        "3",
        "4",
        "6",
        "12",
    ]
    visit(at, channels="7")
    assert at.select_slider(key="tensor.groups").options == ["1", "7"]
    visit(at, channels="1")
    assert not any(w.key == "tensor.groups" for w in at.select_slider)


def test_sliding_g_to_one_and_to_c_says_which_family_groupnorm_meets(at):
    visit(at)
    at.select_slider(key="tensor.groups").set_value(1).run()
    assert any("G = 1 pools exactly LayerNorm's sets" in s.value for s in at.success)
    at.select_slider(key="tensor.groups").set_value(6).run()
    assert any("G = C pools exactly InstanceNorm" in s.value for s in at.success)
    assert "GroupNorm | C/G, H·W (one n, g) | N·G = 24" in text(at)


def test_the_counts_table_follows_the_shape(at):
    visit(at, batch="3", channels="8", height="2", width="4", groups="4")
    table = text(at)
    assert "| BatchNorm | N, H·W (one c) | C = 8 | N·H·W = 24 |" in table
    assert "| LayerNorm | C, H·W (one n) | N = 3 | C·H·W = 64 |" in table
    assert "| InstanceNorm | H·W (one n, c) | N·C = 24 | H·W = 8 |" in table
    assert "| GroupNorm | C/G, H·W (one n, g) | N·G = 12 | (C/G)·H·W = 16 |" in table
    assert "N·C·H·W = 192" in " ".join(c.value for c in at.caption)


def test_picking_a_cell_moves_the_focus_everywhere(at):
    visit(at)
    at.number_input(key="tensor.pick_n").set_value(2).run()
    at.number_input(key="tensor.pick_c").set_value(4).run()
    at.number_input(key="tensor.pick_w").set_value(1).run()
    assert not at.exception
    assert "example 2, channel 4, position (0, 1)" in text(at)
    focus = next(t for t in cubes(at)[0]["data"] if t.get("name") == "focused cell")
    assert focus["type"] == "mesh3d"  # the orange cube moved with the pickers
    assert at.session_state["tensor.focus"] == (2, 4, 0, 1)


def test_shrinking_the_tensor_keeps_the_focus_inside(at):
    visit(at, focus="3,5,2,2")
    next(s for s in at.slider if s.key == "tensor.batch").set_value(2).run()
    next(s for s in at.slider if s.key == "tensor.height").set_value(1).run()
    assert not at.exception
    assert at.number_input(key="tensor.pick_n").value == 1
    assert at.number_input(key="tensor.pick_h").value == 0
    assert "example 1, channel 5, position (0, 2)" in text(at)


def test_one_family_view_shows_its_set_and_numbers(at):
    visit(at, view="one", norm="instance")
    assert len(cubes(at)) == 1
    labels = [m.label for m in at.metric]
    assert "(μ, σ) pairs = N·C" in labels and "Cells per pair = H·W" in labels
    pairs = next(m.value for m in at.metric if m.label == "(μ, σ) pairs = N·C")
    assert pairs == "24"
    assert any("k_C = i_C" in x.value for x in at.latex)


def test_picking_a_scenario_sets_its_controls_and_leaving_it_makes_it_custom(at):
    visit(at)
    at.selectbox(key="tensor.scenario").set_value("one_image").run()
    assert next(s for s in at.slider if s.key == "tensor.batch").value == 1
    assert any("pools exactly InstanceNorm's sets" in s.value for s in at.success)
    next(s for s in at.slider if s.key == "tensor.batch").set_value(3).run()
    assert at.selectbox(key="tensor.scenario").value == "custom"


def test_a_link_sets_every_control(at):
    visit(
        at,
        view="one",
        norm="layer",
        batch="5",
        channels="9",
        height="2",
        width="3",
        groups="3",
        spot="1.5",
        seed="7",
        focus="4,8,1,2",
    )
    assert segmented(at, "tensor.view").value == "one"
    assert segmented(at, "tensor.norm").value == "layer"
    assert next(s for s in at.slider if s.key == "tensor.channels").value == 9
    assert at.select_slider(key="tensor.groups").value == 3
    assert at.number_input(key="tensor.seed").value == 7
    assert "example 4, channel 8, position (1, 2)" in text(at)
    assert cubes(at)[0]["layout"]["title"]["text"] == "LayerNorm"


def test_the_pitfall_shows_both_computations_and_their_difference(at):
    visit(at, scenario="pitfall")
    titles = [f["layout"]["title"]["text"] for f in figures(at)[-3:]]
    assert titles == [
        "GroupNorm(1, C), example 0",
        "nn.LayerNorm(C) on tokens, example 0",
        "Difference, example 0",
    ]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Pairs, GroupNorm(1, C)"] == "4"
    assert metrics["Pairs, LayerNorm(C)"] == "36"
    assert float(metrics["Largest |difference|"].replace("−", "-")) > 0.5
    code = " ".join(c.value for c in at.code)
    assert "nn.LayerNorm(C, elementwise_affine=False)" in code


def test_the_share_link_holds_the_view(at):
    """The link is the address bar's (assets/share.js): the page writes its
    whole state there on every run; here, a move's change shows up in it."""
    visit(at, view="one", norm="instance", focus="1,2,0,1")
    assert any(getattr(e, "key", "") == "tensor.share" for e in at.main)
    next(w for w in at.button_group if w.key == "tensor.norm").set_value("layer").run()
    assert at.query_params["norm"] == "layer"
    assert at.query_params["focus"] == "1,2,0,1"


@pytest.mark.parametrize(
    "params",
    [
        {"batch": "abc"},
        {"channels": "nan", "height": "1e999"},
        {"norm": "<script>alert(1)</script>"},
        {"focus": "-1,-1,-1,-1", "groups": "5"},
        {"focus": "1,2,3"},
        {"scenario": "../../etc/passwd"},
        {"<b>": "x"},
    ],
)
def test_hostile_links_render_with_a_note_and_no_traceback(at, params):
    visit(at, **params)
    assert len(cubes(at)) >= 1
    notes = [w.value for w in at.warning]
    assert any("could not be used as written" in n for n in notes)
    assert all("<script" not in n and "<b>" not in n for n in notes)
