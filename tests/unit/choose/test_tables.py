"""The tables, the pitfalls and the cheat sheet come from one source of data:
each cell short, the sheet the tables' own words, the pitfalls the issue's."""

from __future__ import annotations

import pytest

from lab.choose import cheatsheet
from lab.choose.flow import STEPS, Answers, recommend
from lab.choose.panels import flow_rows, table_rows
from lab.choose.tables import ARCHITECTURES, ASPECTS, FAMILIES, PITFALLS, TABLES

LONGEST = 48
"""A cell is a few words (the flow's longest question is 45 characters): the
reasons and the pitfalls carry the sentences."""


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.key)
def test_every_cell_is_short_and_every_row_fills_the_head(table):
    for row in table.rows:
        assert len(row) == len(table.head), row
        for cell in row:
            assert 0 < len(cell.text) <= LONGEST, cell.text


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.key)
def test_every_value_cell_links_and_no_header_cell_does(table):
    for row in table.rows:
        # the flow's number and question are headers; its answer is the value
        heads = 2 if table.key == "flow" else 1
        assert all(c.demo is None for c in row[:heads])
        assert all(c.demo for c in row[heads:])


def test_the_page_and_the_cheat_sheet_show_the_same_words():
    for table in (FAMILIES, ASPECTS, ARCHITECTURES):
        page = [[c.split("](")[0].lstrip("[") for c in r] for r in table_rows(table)]
        assert page == cheatsheet.rows_of(table)
    md = cheatsheet.markdown()
    for p in PITFALLS:
        assert p.title in md and p.what in md


def test_the_aspects_are_the_issue_s():
    assert [row[0].text for row in ASPECTS.rows] == [
        "Normalization axis",
        "Mean/var pairs",
        "Depends on batch composition",
        "Works at batch size 1",
        "Train vs eval",
        "Implicit regularization",
        "Memory for running stats",
        "Distributed training",
        "Sequence models",
        "CNNs",
        "Transformers",
        "Inference latency",
    ]


def test_the_pitfalls_are_the_issue_s_eight_each_on_its_page():
    pages = {p.key: p.demo.split("_")[0] for p in PITFALLS}
    assert pages == {
        "eval": "te",
        "padding": "seq",
        "frozen": "te",
        "group1": "tensor",
        "lr": "why",
        "prenorm": "why",
        "accum": "coupling",
        "dropout": "te",
    }


def test_the_flow_table_marks_the_deciding_question_and_those_that_hold():
    advice = recommend(Answers(arch="cnn", serve_one=True, per_device=2, devices=8))
    marks = [row[2] for row in flow_rows(advice)]
    keys = [s.key for s in STEPS]
    assert marks[keys.index("serve_one")] == "**decides**"
    assert marks[keys.index("cnn_tiny")] == "holds"
    assert marks[keys.index("ragged")] == "—"
