"""The Choose a norm page as a person uses it, through Streamlit's AppTest: the
flow's answers move the recommendation and the link, the calculator follows
its controls and presets, and the tables and the cheat sheet are the data's."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lab.choose import cheatsheet
from lab.choose.cost import PRESETS, approx, costs, count, size
from lab.choose.flow import NORMS, recommend
from lab.choose.state import PAGE, SCENARIOS
from lab.choose.tables import ARCHITECTURES, ASPECTS, FAMILIES, PITFALLS
from lab.choose.texts import TITLE
from lab.core.panel import plain_text
from lab.ui.components import data_of
from tests.app.figures import (
    figure_by_key,
    figure_elements,
    panel_tables,
    panel_words,
)
from tests.app.pages import open_page, visit

PATH = "pages/choose.py"


def run(**params: str) -> AppTest:
    """A new visitor on the page, through a link with ``params``."""
    return visit(open_page(PATH), **params)


def whole(at: AppTest) -> AppTest:
    """After a fragment-only run, the whole page (AppTest keeps only the last
    run's elements)."""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def segmented(at: AppTest, key: str):
    return next(w for w in at.button_group if w.key == key)


def picks(at: AppTest) -> str:
    """The recommendation's words as the flow panel shows them."""
    words = panel_words(at)
    start = words.index("Choose ")
    return words[start : words.index(".", start + 7) + 1]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_every_scenario_opens_with_its_recommendation(scenario):
    at = run(scenario=scenario.key)
    assert at.title[0].value == TITLE
    assert any(scenario.title in i.value for i in at.info)
    advice = recommend(PAGE.base(scenario.key).answers)
    assert picks(at) == f"Choose {advice.name}."
    assert f"Runner-up: {advice.runner_up_name}." in panel_words(at)


def test_answering_the_flow_changes_the_advice_and_the_link():
    at = run()
    assert picks(at) == "Choose LayerNorm."
    segmented(at, "choose.arch").set_value("cnn").run()
    whole(at)  # the sidebar's controls, drawn by a full run
    segmented(at, "choose.ragged").set_value("no").run()
    whole(at)
    at.number_input(key="choose.per_device").set_value(2).run()
    whole(at)
    assert picks(at) == "Choose GroupNorm."
    assert "Runner-up: BatchNorm with SyncBatchNorm." in panel_words(at)
    params = {k: at.query_params[k] for k in at.query_params}
    assert params["arch"] == "cnn" and params["ragged"] == "no"
    assert params["per_device"] == "2" and params["scenario"] == "custom"
    whole(at)
    at.number_input(key="choose.per_device").set_value(32).run()
    whole(at)
    assert picks(at) == "Choose BatchNorm."


def test_a_shared_link_opens_the_same_answers():
    at = run(arch="generator", ragged="no", per_device="4", devices="1")
    assert not at.warning
    assert picks(at) == "Choose InstanceNorm."
    assert segmented(at, "choose.arch").value == "generator"


def test_a_hostile_link_opens_a_defined_view_with_a_note():
    at = run(arch="<script>", per_device="nan", hidden="1e30", groups="7")
    assert at.warning  # the note on the link
    assert "<script>" not in " ".join(w.value for w in at.warning)
    assert picks(at).startswith("Choose ")


def tables(at: AppTest) -> list[tuple[list[str], list[list[str]]]]:
    """(head, rows) of every panel table, as plain text."""
    return [
        (
            [plain_text(h) for h in b["head"]],
            [[plain_text(c) for c in r] for r in b["rows"]],
        )
        for e in figure_elements(at)
        for b in data_of(e.proto).get("blocks", [])
        if b["t"] == "table"
    ]


def test_the_tables_are_the_data_s_cells():
    at = run()
    shown = tables(at)
    for table in (FAMILIES, ASPECTS, ARCHITECTURES):
        # on the page (its links) and on the cheat sheet (none): same words
        want = (list(table.head), [[c.text for c in row] for row in table.rows])
        assert shown.count(want) == 2, table.key
    words = panel_words(at)
    for p in PITFALLS:
        assert p.what in words


def test_the_calculator_shows_the_material_s_preset_by_default():
    at = run()
    words = panel_words(at)
    assert "16,777,216 elements (16.8 M)" in words
    assert "exactly 16 Mi" in words and "exactly 2 Ki" in words
    _, rows = panel_tables(at, "Family")
    assert [r[0] for r in rows] == ["BatchNorm1d", "LayerNorm", "RMSNorm"]
    assert rows[1][1] == "1,024 + 1,024" and rows[0][2] == "2,049"
    assert figure_by_key(at, "choose.cost_panel", "cost")["data"]


def test_the_calculator_follows_its_controls_and_its_presets():
    at = run()
    at.selectbox(key="choose.preset").set_value("resnet").run()
    whole(at)
    layer = PRESETS["resnet"][1]
    _, rows = panel_tables(at, "Family")
    assert [r[0] for r in rows] == [c.label for c in costs(layer)]
    assert [r[6] for r in rows] == [size(c.moved) for c in costs(layer)]
    assert "16 M elements reduced" not in panel_words(at)  # the example's check
    at.number_input(key="choose.hidden").set_value(512).run()
    whole(at)
    assert at.selectbox(key="choose.preset").value == "custom"
    elements = 32 * 512 * 56 * 56
    assert f"{count(elements)} elements ({approx(elements)})" in panel_words(at)
    assert at.query_params["hidden"] == "512"
    assert picks(at) == "Choose LayerNorm."  # the calculator never moves the flow
    assert at.query_params.get("scenario") in (None, "lm")


def test_the_cheat_sheet_is_offered_as_markdown_and_shown():
    at = run()
    words = panel_words(at)
    assert cheatsheet.TITLE in words
    for line in cheatsheet.flow_lines():  # an ordered list: its numbers drawn
        assert line.split(". ", 1)[1].replace("**", "") in words
    md = cheatsheet.markdown()
    assert md.startswith(f"# {cheatsheet.TITLE}")
    for name in NORMS.values():
        if name != "BatchNorm with a padding mask":
            assert name in md, name
