"""The Tensor view as a person uses it, through Streamlit's AppTest (no browser)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget

from lab.core.helpers import divisors
from lab.tensor.data import MAX_C, MAX_N, MAX_SIDE
from lab.tensor.state import SCENARIOS
from lab.tensor.texts import CLICK_NOTE
from lab.tensor.view import CODE_OPEN
from lab.ui.components import data_of
from tests.app.pages import open_page, visit

TIMEOUT = 60
APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(scope="module")
def at() -> AppTest:
    """One app session on the Tensor view; each test sets its own URL first."""
    return open_page("pages/tensor.py", TIMEOUT)


def component(at: AppTest, key: str) -> dict:
    """What the page hands one of its canvas components (lab/tensor/tensor.js)."""
    found = [e for e in at.main if getattr(e, "key", "") == key]
    assert len(found) == 1, key
    return data_of(found[0].proto)


def cubes(at: AppTest) -> list[dict]:
    return component(at, "tensor.cubes")["panels"]


def blocks(at: AppTest, key: str, kind: str) -> list[dict]:
    data = component(at, key)
    return [
        b for b in data.get("before", []) + data.get("after", []) if b["type"] == kind
    ]


def component_text(at: AppTest) -> str:
    """Every sentence, caption, readout and table cell the components show."""
    out = []
    for key in ("tensor.cubes", "tensor.unfolded", "tensor.pitfall"):
        data = component(at, key)
        for p in data["panels"]:
            out.append(p["title"])
            out += [t for t, _ in p.get("caption") or []]
        for b in data.get("before", []) + data.get("after", []):
            if b["type"] in ("text", "caption"):
                out.append("".join(t for t, _ in b["parts"]))
            elif b["type"] == "pickers":
                out.append("".join(t for t, _ in b["line"]))
            elif b["type"] == "metrics":
                out += [f"{label}: {value}" for label, value, _ in b["items"]]
            elif b["type"] == "table":
                out += [" | ".join(row) for row in [b["head"], *b["rows"]]]
    return " ".join(out)


def page_text(at: AppTest) -> str:
    """All the words on the page: Streamlit's elements and the components'."""
    parts = [text(at), component_text(at)]
    for kind in ("caption", "info", "success", "warning", "subheader", "title"):
        parts += [e.value for e in getattr(at, kind)]
    return " ".join(parts)


def metrics(at: AppTest, key: str) -> dict[str, str]:
    return {label: v for b in blocks(at, key, "metrics") for label, v, _ in b["items"]}


def click(at: AppTest, key: str, focus: tuple[int, int, int, int]) -> AppTest:
    """Send what the component sends when a cube or map cell is clicked."""
    found = next(e for e in at.main if getattr(e, "key", "") == key)
    ws = WidgetState()
    ws.id = found.proto.id
    ws.json_value = json.dumps({"focus": [*focus, 12345]})
    found.__class__ = type(
        "Clicked", (type(found), Widget), {"_widget_state": property(lambda s: ws)}
    )
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def focus_line(at: AppTest) -> str:
    """The focus sentence, filled as the browser fills it."""
    data = component(at, "tensor.cubes")
    n, c, h, w = data["focus"]
    line = "".join(t for t, _ in data["before"][0]["line"])
    return line.format(n=n, c=c, h=h, w=w)


def segmented(at: AppTest, key: str):
    return next(w for w in at.button_group if w.key == key)


def text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_the_page_is_in_the_app_and_shows_the_four_cubes(at):
    visit(at)
    assert at.title[0].value == "Tensor view"
    titles = [c["title"] for c in cubes(at)]
    assert titles == ["BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm"]
    assert len(component(at, "tensor.unfolded")["panels"]) == 2
    assert len(component(at, "tensor.pitfall")["panels"]) == 3
    assert not [e for e in at.main if getattr(e, "type", "") == "plotly_chart"]


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
    at.run()  # the first move left the scenario: a fragment rerun (Page.changed)
    at.select_slider(key="tensor.groups").set_value(6).run()
    assert any("G = C pools exactly InstanceNorm" in s.value for s in at.success)
    assert "GroupNorm | C/G, H·W (one n, g) | N·G = 24" in component_text(at)


def test_the_counts_table_follows_the_shape(at):
    visit(at, batch="3", channels="8", height="2", width="4", groups="4")
    table = component_text(at)
    assert "BatchNorm | N, H·W (one c) | C = 8 | N·H·W = 24 |" in table
    assert "LayerNorm | C, H·W (one n) | N = 3 | C·H·W = 64 |" in table
    assert "InstanceNorm | H·W (one n, c) | N·C = 24 | H·W = 8 |" in table
    assert "GroupNorm | C/G, H·W (one n, g) | N·G = 12 | (C/G)·H·W = 16 |" in table
    assert "N·C·H·W = 192" in table


def test_clicking_a_cube_moves_the_focus_everywhere(at):
    """A click on a cube (or a map cell) sends (n, c, h, w): every picture, the
    pickers' sentence, the comparison's readouts and the link follow."""
    visit(at)
    click(at, "tensor.cubes", (2, 4, 0, 1))
    assert at.session_state["tensor.focus"] == (2, 4, 0, 1)
    for key in ("tensor.cubes", "tensor.unfolded", "tensor.pitfall"):
        assert component(at, key)["focus"] == [2, 4, 0, 1]
    assert "example 2, channel 4, position (0, 1)" in focus_line(at)
    assert "Focused cell (example 2, channel 4, position (0, 1))" in component_text(at)
    assert at.query_params["focus"] == "2,4,0,1"
    pit = component(at, "tensor.pitfall")["panels"]
    assert pit[0]["title"] == "GroupNorm(1, C), example 2"
    click(at, "tensor.unfolded", (1, 0, 2, 2))
    assert component(at, "tensor.cubes")["focus"] == [1, 0, 2, 2]
    click(at, "tensor.pitfall", (9, 9, 9, 9))  # outside: clamped, as a link's
    assert at.session_state["tensor.focus"] == (3, 5, 2, 2)


def test_shrinking_the_tensor_keeps_the_focus_inside(at):
    visit(at, focus="3,5,2,2")
    next(s for s in at.slider if s.key == "tensor.batch").set_value(2).run()
    at.run()  # the whole page: the first move reran the body and scenario only
    next(s for s in at.slider if s.key == "tensor.height").set_value(1).run()
    assert not at.exception
    assert component(at, "tensor.cubes")["focus"] == [1, 5, 0, 2]
    assert "example 1, channel 5, position (0, 2)" in focus_line(at)
    assert "Focused cell (example 1, channel 5, position (0, 2))" in component_text(at)


def test_one_family_view_shows_its_set_and_numbers(at):
    visit(at, view="one", norm="instance")
    assert len(cubes(at)) == 1
    readouts = metrics(at, "tensor.cubes")
    assert readouts["(μ, σ) pairs = N·C"] == "24"
    assert readouts["Cells per pair = H·W"] == "9"
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
    assert "example 4, channel 8, position (1, 2)" in focus_line(at)
    assert cubes(at)[0]["title"] == "LayerNorm"


def test_the_pitfall_shows_both_computations_and_their_difference(at):
    visit(at, scenario="pitfall")
    titles = [p["title"] for p in component(at, "tensor.pitfall")["panels"]]
    assert titles == [
        "GroupNorm(1, C), example 0",
        "nn.LayerNorm(C) on tokens, example 0",
        "Difference, example 0",
    ]
    readouts = metrics(at, "tensor.pitfall")
    assert readouts["Pairs, GroupNorm(1, C)"] == "4"
    assert readouts["Pairs, LayerNorm(C)"] == "36"
    assert float(readouts["Largest |difference|"].replace("−", "-")) > 0.5
    assert not at.code  # highlighted only once asked for (lab/tensor/view.py)
    at.session_state[CODE_OPEN] = True  # the expander opened
    at.run()
    code = " ".join(c.value for c in at.code)
    assert "nn.LayerNorm(C, elementwise_affine=False)" in code


def test_the_share_link_holds_the_view(at):
    """The link is the address bar's (lab/ui/share.js): the page writes its
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


def test_a_batch_of_one_runs_and_the_page_says_so_not_trains(at):
    """With N = 1 BatchNorm pools each channel's H·W positions: its statistics
    are defined and it runs in training mode. Whether it trains well is not
    what the page shows, so it must not say so."""
    visit(at, scenario="one_image")
    words = page_text(at)
    assert "a batch of one still runs in training mode" in words
    assert "mean and variance pool its H·W positions, so they are defined" in words
    assert "trains" not in words


def _wrong_counts(words: str) -> list[str]:
    """Counts whose noun disagrees with the number: "1 cells", "6 cell"."""
    import re

    words = words.replace("*", "")  # markdown bold: "**1** (μ, σ) pair"
    bad = re.findall(r"(?<![\d.,])1 (?:cells|\(μ, σ\) pairs)\b", words)
    bad += re.findall(r"(?<![\d.,])(?!1 )\d+ (?:cell|\(μ, σ\) pair)(?![s\w])", words)
    return bad


def test_every_count_on_the_page_has_its_noun_in_the_right_number(at):
    """No "1 cells" or "1 (μ, σ) pairs" in any reachable state: shapes of 1 and
    2 on every axis, every G, both layouts, every family shown."""
    assert _wrong_counts("1 cells, 2 cell, 1 (μ, σ) pairs, 3 (μ, σ) pair") == [
        "1 cells",
        "1 (μ, σ) pairs",
        "2 cell",
        "3 (μ, σ) pair",
    ]
    assert _wrong_counts("1 cell each, 36 cells, 1 (μ, σ) pair, 2 (μ, σ) pairs") == []
    for n, c, h, w in itertools.product((1, 2), (1, 2), (1, 2), (1, 2)):
        for g in divisors(c):
            for view, norm in (("all", "group"), ("one", "instance")):
                visit(
                    at,
                    batch=str(n),
                    channels=str(c),
                    height=str(h),
                    width=str(w),
                    groups=str(g),
                    view=view,
                    norm=norm,
                )
                words = page_text(at)
                assert _wrong_counts(words) == [], (n, c, h, w, g, view)


def test_the_page_tells_students_how_to_pick_a_cell_not_how_plotly_works(at):
    visit(at)
    words = page_text(at)
    assert "Plotly" not in words and "3-D scenes" not in words
    assert CLICK_NOTE in words
    assert "Click any cube or any cell of the flat maps" in focus_line(at)
