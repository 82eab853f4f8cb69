"""The little Markdown of the canvas panels (lab/ui/markup.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.core.markup import inline, to_html
from lab.core.panel import Panel


def test_the_marks_the_copy_uses():
    assert inline("**bold** and *it* and `x*y*z`") == (
        "<strong>bold</strong> and <em>it</em> and <code>x*y*z</code>"
    )
    assert inline("[Ioffe](https://arxiv.org/abs/1502.03167)") == (
        '<a href="https://arxiv.org/abs/1502.03167">Ioffe</a>'
    )
    assert inline("2 * 3 * 4 and x*y") == "2 * 3 * 4 and x*y"  # no italics


def test_links_to_the_app_s_own_pages():
    """A path of the app, the home page ``/`` included; never another host
    (``//host``) or a script."""
    assert inline("[Lab](/)") == '<a href="/">Lab</a>'
    assert inline("[split](/coupling?scenario=gpus&norm=layer)") == (
        '<a href="/coupling?scenario=gpus&amp;norm=layer">split</a>'
    )
    assert inline("[x](//evil.example)") == "[x](//evil.example)"
    assert inline("[x](javascript:alert(1))") == "[x](javascript:alert(1))"


def test_paragraphs_and_lists():
    html = to_html("One\nline.\n\n- **a**: 1\n- b\nafter\n\n1. first\n2. second")
    assert html == (
        "<p>One line.</p><ul><li><strong>a</strong>: 1</li><li>b</li></ul>"
        "<p>after</p><ol><li>first</li><li>second</li></ol>"
    )


@given(st.text())
def test_no_input_becomes_markup(s):
    """Whatever a link or a value carries, the tags in the output are ours."""
    out = to_html(s)
    stripped = (
        out.replace("<p>", "")
        .replace("</p>", "")
        .replace("<ul>", "")
        .replace("</ul>", "")
        .replace("<ol>", "")
        .replace("</ol>", "")
        .replace("<li>", "")
        .replace("</li>", "")
        .replace("<strong>", "")
        .replace("</strong>", "")
        .replace("<em>", "")
        .replace("</em>", "")
        .replace("<code>", "")
        .replace("</code>", "")
    )
    stripped = re.sub(r'<a href="[^"<>]*">|</a>', "", stripped)
    assert "<" not in stripped and ">" not in stripped


def test_a_panel_says_its_words_in_order():
    p = Panel()
    p.heading("Title")
    p.text("Some **bold** text.")
    p.metrics([("Label", "1.5", "help")])
    p.table(["A", "B"], [["1", "**2**"]], align="lr")
    assert p.words() == "Title Some bold text. Label: 1.5 A | B 1 | 2"


def test_a_readout_s_delta_is_said_after_its_value_and_checked():
    p = Panel()
    p.metrics(
        [("Up", "3.2", None), ("Plain", "0.32", None), ("Same", "0.32", None)],
        [("10× no norm", "up"), None, ("same as no norm", "off")],
    )
    assert p.words() == "Up: 3.2 (10× no norm) Plain: 0.32 Same: 0.32 (same as no norm)"
    with pytest.raises(ValueError, match="one delta"):
        Panel().metrics([("A", "1", None)], [])
    with pytest.raises(ValueError, match="tone"):
        Panel().metrics([("A", "1", None)], [("2×", "green")])
