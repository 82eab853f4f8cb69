"""The little Markdown the lab's copy uses, as HTML for its canvas panels.

The panels (lab/ui/panel.py) draw text in the browser without Streamlit's
Markdown renderer, whose parse costs several milliseconds per element on every
rerun (bench/latency.py). The copy is the lab's own (each topic's texts.py) with numbers
filled in, but everything is escaped first, so no input can become markup:
only ``**bold**``, ``*italic*``, ```code```, ``[text](https://…)`` or a link to
a path of the app (``[text](/coupling?scenario=gpus)``, ``/`` alone included),
lines starting with ``- `` (a list) or ``1. `` (a numbered list), and blank
lines between paragraphs are recognised.
"""

from __future__ import annotations

import html
import re

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+|/(?!/)[^)\s]*)\)")
_ITEM = re.compile(r"^(?:- |\d+\. )")


def inline(text: str) -> str:
    """One line of copy as HTML: escaped, then the inline marks."""
    parts = []
    # code spans first: their insides keep their asterisks
    for i, piece in enumerate(_CODE.split(text)):
        if i % 2:
            parts.append(f"<code>{html.escape(piece)}</code>")
            continue
        s = html.escape(piece, quote=False)
        s = _LINK.sub(
            lambda m: f'<a href="{html.escape(html.unescape(m[2]))}">{m[1]}</a>', s
        )
        s = _BOLD.sub(r"<strong>\1</strong>", s)
        s = _ITALIC.sub(r"<em>\1</em>", s)
        parts.append(s)
    return "".join(parts)


def to_html(md: str) -> str:
    """Paragraphs and lists of copy as HTML (see the module's docstring)."""
    out = []
    for block in re.split(r"\n\s*\n", md.strip()):
        lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        # runs of list items and of plain lines, in order
        run: list[str] = []
        for ln in [*lines, ""]:
            same = bool(run) and bool(_ITEM.match(ln)) == bool(_ITEM.match(run[0]))
            if run and (not ln or not same):
                if _ITEM.match(run[0]):
                    tag = "ol" if run[0][0].isdigit() else "ul"
                    items = "".join(f"<li>{inline(_ITEM.sub('', x))}</li>" for x in run)
                    out.append(f"<{tag}>{items}</{tag}>")
                else:
                    out.append(f"<p>{inline(' '.join(run))}</p>")
                run = []
            if ln:
                run.append(ln)
    return "".join(out)
