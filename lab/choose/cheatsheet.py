"""The one-page cheat sheet: the flow, the architectures, BatchNorm against
LayerNorm and the pitfalls, from the same data as the page's tables.

Two renderings of one content: Markdown to download (links as absolute paths
of the app, which a reader opens against the server the sheet came from), and
a panel the page shows and a print stylesheet keeps alone on paper
(assets/style.css, ``@media print``).
"""

from __future__ import annotations

from lab.choose.flow import STEPS
from lab.choose.links import DEMOS
from lab.choose.tables import (
    ARCHITECTURES,
    ASPECTS,
    FAMILIES,
    FLOW,
    PITFALLS,
    Cell,
    Table,
)
from lab.core.panel import Panel

TITLE = "Choosing a normalization layer"
SUBTITLE = "Normalization Lab cheat sheet: the first question answered yes decides."


def _plain(cell: Cell) -> str:
    return cell.text


def rows_of(table: Table) -> list[list[str]]:
    """A table's words, without its links (paper has none to follow)."""
    return [[_plain(c) for c in row] for row in table.rows]


def flow_lines() -> list[str]:
    return [
        f"{i}. {s.question} → **{_plain(FLOW.rows[i - 1][2])}**"
        for i, s in enumerate(STEPS, 1)
    ]


def pitfall_lines(bold: bool = False) -> list[str]:
    """One line per pitfall; ``bold`` titles in the Markdown download only (the
    panels' little Markdown cannot bold across a code span)."""
    mark = "**" if bold else ""
    return [
        f"- {mark}{p.title}{mark}: {p.what} ({DEMOS[p.demo].page})" for p in PITFALLS
    ]


def _md_table(head: list[str] | tuple[str, ...], rows: list[list[str]]) -> str:
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
        *("| " + " | ".join(r) + " |" for r in rows),
    ]
    return "\n".join(lines)


def markdown() -> str:
    """The sheet as Markdown, for the download."""
    parts = [
        f"# {TITLE}",
        SUBTITLE,
        "## The decision flow",
        "\n".join(flow_lines()),
        "## By architecture",
        _md_table(ARCHITECTURES.head, rows_of(ARCHITECTURES)),
        "## Five families",
        _md_table(FAMILIES.head, rows_of(FAMILIES)),
        "## BatchNorm vs LayerNorm",
        _md_table(ASPECTS.head, rows_of(ASPECTS)),
        "## Pitfalls",
        "\n".join(pitfall_lines(bold=True)),
        "## See it live",
        "\n".join(
            f"- {p.title}: {DEMOS[p.demo].page}, `{DEMOS[p.demo].url}`"
            for p in PITFALLS
        ),
    ]
    return "\n\n".join(parts) + "\n"


def panel() -> Panel:
    """The sheet as the page shows it (and prints it)."""
    p = Panel()
    p.heading(TITLE)
    p.caption(SUBTITLE)
    p.text("**Five families**")  # the print stylesheet spans these two
    p.table(list(FAMILIES.head), rows_of(FAMILIES))  # across both columns
    p.text("**The decision flow**\n\n" + "\n".join(flow_lines()))
    for title, table in (
        ("By architecture", ARCHITECTURES),
        ("BatchNorm vs LayerNorm", ASPECTS),
    ):
        p.text(f"**{title}**")
        p.table(list(table.head), rows_of(table))
    p.text("**Pitfalls**\n\n" + "\n".join(pitfall_lines()))
    return p
