"""The Lab page as a person uses it, through Streamlit's AppTest (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lab.board.state import BOARD_FAMILIES, PAGE, SCENARIOS
from lab.core.families import SCENARIO_LEFT
from lab.core.norms import FAMILY_NAMES
from lab.ui.components import data_of

TIMEOUT = 60
APP = str(Path(__file__).resolve().parents[2] / "app.py")


def run(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    """A readout under the heatmaps, as shown (the component draws them)."""
    return next(v for name, v, _ in panel(at)["readouts"]["metrics"] if name == label)


def panel(at: AppTest) -> dict:
    """What the page hands its canvas component."""
    panels = [e for e in at.main if getattr(e, "key", "") == "lab.heatmaps"]
    assert len(panels) == 1
    return data_of(panels[0].proto)


def charts(at: AppTest) -> list[dict]:
    """The two heatmaps the page hands its canvas component."""
    return panel(at)["charts"]


def segmented(at: AppTest, key: str):
    return next(w for w in at.button_group if w.key == key)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
@pytest.mark.parametrize("family", BOARD_FAMILIES)
def test_every_family_and_scenario_renders_without_exception(family, scenario):
    at = run(scenario=scenario.key, norm=family)
    assert at.title[0].value == "Normalization Lab"
    assert len(charts(at)) == 2
    assert any(scenario.title in i.value for i in at.info)


def test_family_options_read_exactly_the_four_names():
    at = run()
    assert segmented(at, "lab.norm").options == [
        "BatchNorm",
        "LayerNorm",
        "RMSNorm",
        "GroupNorm",
    ]
    assert next(s for s in at.slider if s.label == "Batch size").max == 64


def test_switching_family_changes_the_output_and_the_readouts():
    at = run()
    before = charts(at)[1]["z"]
    pairs_before = metric(at, "(μ, σ) pairs")
    segmented(at, "lab.norm").set_value("layer").run()
    assert not at.exception
    after = charts(at)[1]["z"]
    assert after != before
    assert (pairs_before, metric(at, "(μ, σ) pairs")) == ("16", "32")
    assert charts(at)[1]["title"] == "After LayerNorm"  # the mode does not matter


def only_the_board_reran(at: AppTest) -> bool:
    """AppTest's tree holds only the last run's elements: after a rerun of the
    board fragment alone, the title and the sidebar's own controls are not in
    it (the controls the fragment draws into the sidebar are)."""
    return (
        not at.title
        and not any(w.key == "lab.scenario" for w in at.selectbox)
        and len(charts(at)) == 2
    )


def switched_off(at: AppTest) -> dict[str, bool]:
    """The family-bound controls the component switches off in the browser."""
    return panel(at)["off"]


def groups(at: AppTest):
    return at.select_slider(key="lab.groups")


@pytest.mark.parametrize(
    ("query", "move", "shown", "groups_redrawn"),
    [
        # a family switch inside a scenario keeps it (the family is free)
        ({}, ("button_group", "lab.norm", "layer"), ("norm", "layer"), False),
        (
            {"norm": "layer"},
            ("button_group", "lab.norm", "batch"),
            ("norm", "batch"),
            False,
        ),
        ({"scenario": "custom"}, ("slider", "lab.batch", 20), ("rows", 20), False),
        (
            {"scenario": "custom"},
            ("number_input", "lab.seed", 7),
            ("norm", "batch"),
            False,
        ),
        # β and groups are switched off and on in the browser: no redraw
        (
            {"scenario": "custom"},
            ("button_group", "lab.norm", "rms"),
            ("norm", "rms"),
            False,
        ),
        (
            {"norm": "rms"},
            ("button_group", "lab.norm", "layer"),
            ("norm", "layer"),
            False,
        ),
        ({}, ("button_group", "lab.norm", "group"), ("norm", "group"), False),
        (
            {"norm": "group"},
            ("button_group", "lab.norm", "rms"),
            ("norm", "rms"),
            False,
        ),
        # the groups' options are the divisors of the feature count
        ({"scenario": "custom"}, ("slider", "lab.features", 12), ("cols", 12), True),
        (
            {"norm": "group", "scenario": "custom"},
            ("select_slider", "lab.groups", 8),
            ("norm", "group"),
            False,
        ),
    ],
)
def test_a_move_that_changes_only_the_board_reruns_only_the_board(
    query, move, shown, groups_redrawn
):
    at = run(**query)
    kind, key, value = move
    next(w for w in getattr(at, kind) if w.key == key).set_value(value).run()
    assert not at.exception
    assert only_the_board_reran(at)
    name, expected = shown
    assert panel(at)[name] == expected
    assert any(s.key == "lab.groups" for s in at.select_slider) == groups_redrawn
    norm, cols = panel(at)["norm"], panel(at)["cols"]
    assert switched_off(at) == {
        "st-key-lab-beta": norm == "rms",
        "st-key-lab-groups": norm != "group",
        "st-key-lab-stale": True,  # every query here is in train mode
    }
    at.run()  # the whole page again, as the browser shows it
    assert (
        at.title and next(w for w in getattr(at, kind) if w.key == key).value == value
    )
    options = [str(g) for g in range(1, cols + 1) if cols % g == 0]
    assert list(groups(at).options) == options


@pytest.mark.parametrize(
    ("query", "move"),
    [
        ({}, ("slider", "lab.batch", 20)),
        ({"norm": "group"}, ("select_slider", "lab.groups", 8)),
    ],
)
def test_leaving_a_scenario_reruns_the_board_and_the_scenario_box_alone(query, move):
    """The scenario becomes Custom: its box in the sidebar and its line under
    the title are fragments, rerun with the board; the sidebar's other
    controls are not redrawn (lab.ui.page.Page.changed)."""
    at = run(**query)
    kind, key, value = move
    next(w for w in getattr(at, kind) if w.key == key).set_value(value).run()
    assert not at.exception
    assert not at.title and len(charts(at)) == 2
    assert at.selectbox(key="lab.scenario").value == "custom"
    assert not any(s.key == "lab.features" for s in at.slider)  # not redrawn
    assert any("changed" in i.value for i in at.info)  # the line says so
    at.run()  # the whole page again, as the browser shows it
    assert at.selectbox(key="lab.scenario").value == "custom"
    assert next(w for w in getattr(at, kind) if w.key == key).value == value


def test_a_move_that_changes_the_sidebar_beyond_the_scenario_reruns_the_page():
    """Eval enables "shift since training" and changes the formula."""
    at = run(scenario="custom")
    next(w for w in at.button_group if w.key == "lab.mode").set_value("eval").run()
    assert not at.exception
    assert at.title and at.sidebar.children
    assert not only_the_board_reran(at)


def test_batch_of_one_says_the_output_collapses_to_beta():
    at = run()
    next(s for s in at.slider if s.label == "Batch size").set_value(1).run()
    assert any("collapses to β" in e.value for e in at.error)


def test_picking_a_scenario_sets_its_controls():
    at = run()
    at.selectbox(key="lab.scenario").set_value("stale").run()
    assert not at.exception
    assert segmented(at, "lab.mode").value == "eval"
    assert next(s for s in at.slider if s.key == "lab.stale").value == 2.0
    assert any("stale running statistics" in w.value for w in at.warning)


def test_moving_a_control_away_from_the_scenario_makes_it_custom():
    at = run(scenario="tiny")
    title = PAGE.by_key["tiny"].title
    assert any(i.value.startswith(f"**{title}.**") for i in at.info)
    next(s for s in at.slider if s.label == "Batch size").set_value(20).run()
    assert at.selectbox(key="lab.scenario").value == "custom"
    # its box stays, saying so: the board under it does not jump up
    assert [i.value for i in at.info if title in i.value] == [
        SCENARIO_LEFT.format(title=title)
    ]
    # picking Custom on purpose leaves no box
    at.selectbox(key="lab.scenario").set_value("stable").run()
    at.selectbox(key="lab.scenario").set_value("custom").run()
    assert not any(title in i.value or "changed" in i.value for i in at.info)


def test_beta_is_off_for_rmsnorm_and_stale_shift_off_outside_eval():
    at = run(norm="rms")
    assert switched_off(at)["st-key-lab-beta"]  # in the browser: e2e
    assert switched_off(at)["st-key-lab-stale"]
    at = run(mode="eval")
    assert not switched_off(at)["st-key-lab-stale"]


def test_a_link_sets_every_control():
    at = run(norm="group", batch="8", features="12", groups="3", seed="5", focus="2,4")
    assert segmented(at, "lab.norm").value == "group"
    assert next(s for s in at.slider if s.key == "lab.batch").value == 8
    assert at.select_slider(key="lab.groups").value == 3
    assert at.number_input(key="lab.seed").value == 5
    sentence = "".join(text for text, _ in panel(at)["readouts"]["sentence"])
    assert sentence.startswith("Focused cell: example 2, feature 4.")


@pytest.mark.parametrize(
    "params",
    [
        {"batch": "abc"},
        {"batch": "nan", "features": "1e999"},
        {"norm": "<script>alert(1)</script>"},
        {"focus": "-1,-1", "groups": "7"},
        {"eps": "-1", "gamma": "inf"},
        {"scenario": "../../etc/passwd"},
        {"<b>": "x"},
    ],
)
def test_hostile_links_render_with_a_note_and_no_traceback(params):
    at = run(**params)
    assert len(charts(at)) == 2
    notes = [w.value for w in at.warning]
    assert any("could not be used as written" in n for n in notes)
    assert all("<script" not in n and "<b>" not in n for n in notes)


def test_features_of_one_has_no_group_slider_and_still_renders():
    at = run(features="1", norm="group")
    assert not any(w.key == "lab.groups" for w in at.select_slider)
    assert any("One feature per group" in e.value for e in at.error)


def test_family_formula_and_cheat_sheet_follow_the_family():
    for family in BOARD_FAMILIES:
        at = run(norm=family)
        assert at.latex, family
        text = " ".join(m.value for m in at.markdown)
        assert "Why it exists." in text and "Watch out for." in text
        assert f"**{FAMILY_NAMES[family]}**" in text


def test_share_export_and_code_panels_are_offered():
    at = run(norm="rms", mode="eval")
    assert not any("import torch" in c.value for c in at.code)  # drawn on request
    at.toggle(key="lab.show_code").set_value(True).run()
    code = next(c.value for c in at.code if "import torch" in c.value)
    assert "nn.RMSNorm(F" in code
    # the downloads are drawn when the Export popover opens, for the view then
    assert not at.get("download_button")
    at.session_state["lab.export_open"] = True
    at.run()
    labels = {b.label for b in at.get("download_button")}
    assert {"Raw matrix (CSV)", "Statistics (CSV)", "PyTorch code (.py)"} <= labels
    # the share link is read from the address bar in the browser
    assert any(getattr(e, "key", "") == "lab.share" for e in at.main)


def test_the_opening_sentence_says_rmsnorm_drops_the_mean():
    at = run(norm="rms")
    text = " ".join(m.value for m in at.markdown)
    assert "RMSNorm pools LayerNorm's row but drops the mean and β" in text
    assert "RMSNorm and GroupNorm follow one recipe" not in text
