"""The focused cell's pickers (`lab.core.panel.Panel.pickers`, `Page.pickers`):
plain inputs at the head of a panel, named as the settings' controls are."""

from __future__ import annotations

from lab.core.panel import Panel, Picker
from lab.train_eval.texts import HELP
from lab.train_eval.view import page
from lab.ui.present import locked_css


def test_a_panel_carries_its_pickers_and_says_their_values():
    p = Panel()
    p.pickers([Picker("Example", 5, 8, "the row", "st-key-x"), Picker("F<", 2, 6, "")])
    assert p.blocks == [
        {
            "t": "pickers",
            "items": [["Example", 5, 8, "the row", "st-key-x"], ["F<", 2, 6, "", ""]],
        }
    ]
    assert p.words() == "Example: 5 F<: 2"


def test_the_page_puts_them_first_with_its_help_and_its_classes():
    body = Panel()
    body.text("The body.")
    headed = page.pickers(body, (5, 2), (8, 6), ("Example", "Feature"))
    assert body.blocks == [{"t": "text", "html": "<p>The body.</p>"}]  # unchanged
    assert headed.blocks[1:] == body.blocks
    assert headed.blocks[0]["items"] == [
        ["Example", 5, 8, HELP["pick_n"], "st-key-traineval-pick_n"],
        ["Feature", 2, 6, HELP["pick_f"], "st-key-traineval-pick_f"],
    ]
    # a locked view that leaves the focus out hides both boxes by those classes
    hidden = locked_css(page.controls, show=["momentum"]).splitlines()
    assert {".st-key-traineval-pick_n,", ".st-key-traineval-pick_f,"} <= set(hidden)
    shown = locked_css(page.controls, show=["focus"]).splitlines()
    assert ".st-key-traineval-pick_n," not in shown
