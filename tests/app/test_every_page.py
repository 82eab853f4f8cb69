"""What every page owes its users, checked the same way on each (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.pages import open_page

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "pages/lab.py",
    *sorted(
        f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py") if p.name != "lab.py"
    ),
]
KINDS = (
    "slider",
    "select_slider",
    "selectbox",
    "number_input",
    "toggle",
    "radio",
    "button_group",
    "checkbox",
    "text_input",
)


@pytest.mark.parametrize("path", PAGES)
def test_every_control_on_the_page_says_what_it_does(path):
    at = open_page(path)
    seen = 0
    for kind in KINDS:
        for widget in getattr(at, kind):
            seen += 1
            assert (widget.help or "").strip(), f"{path}: {kind} {widget.label!r}"
    assert seen >= 5, path


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_with_a_title_an_intro_and_its_scenarios(path):
    at = open_page(path)
    assert len(at.title) == 1 and at.title[0].value.strip()
    assert at.markdown and at.markdown[0].value.strip()  # the intro
    scenario = [s for s in at.sidebar.selectbox if s.label == "Scenario"]
    assert len(scenario) == 1
    assert scenario[0].value != "custom"  # a bare link opens a scenario
