"""The Choose a norm page's sections as panels (`lab.core.panel.Panel`), pure:
the recommendation, the four tables, the pitfalls and the cost calculator.

Each is one element on the page, so a move redraws one element; a test or a
notebook builds them without a server. Every link in them is a
`lab.choose.links.Demo`, so the page links only where its link table says.
"""

from __future__ import annotations

from lab.choose import texts as T
from lab.choose.cost import (
    BYTES,
    Layer,
    approx,
    binary,
    costs,
    count,
    family_cost,
    log2,
    material_check,
    size,
    sync,
)
from lab.choose.figures import cost_figure
from lab.choose.flow import MATERIAL, STEPS, Advice, recommend
from lab.choose.links import DEMOS
from lab.choose.state import ChooseState
from lab.choose.tables import PITFALLS, TABLES, Table
from lab.core.helpers import plural
from lab.core.panel import Chart, Panel


def see(demo: str) -> str:
    """ "Page: what it shows", linked to the view."""
    d = DEMOS[demo]
    return d.md(f"{d.page}: {d.shows}")


def flow_rows(advice: Advice) -> list[list[str]]:
    """Every question of the flow, whether it holds for these answers, and
    where it leads (a link to its demonstration)."""
    rows = []
    for i, s in enumerate(STEPS, 1):
        mark = (
            "**decides**"
            if s.key == advice.decided_by
            else ("holds" if s.key in advice.held else "—")
        )
        rows.append([f"{i}.", s.question, mark, see(s.demo)])
    return rows


def flow_panel(state: ChooseState) -> Panel:
    """The recommendation for the state's answers, its reasons and the flow."""
    advice = recommend(state.answers)
    n = next(i for i, s in enumerate(STEPS, 1) if s.key == advice.decided_by)
    p = Panel()
    p.heading(T.FLOW_TITLE)
    p.callout(
        "success", T.PICK.format(pick=advice.name, runner_up=advice.runner_up_name)
    )
    p.caption(T.DECIDED.format(n=n, question=STEPS[n - 1].question))
    p.text(
        T.REASONS
        + "\n\n"
        + "\n".join(f"- {r.text} {see(r.demo)}" for r in advice.reasons)
    )
    p.table(["", "Question", "Here", "See it"], flow_rows(advice), "llll")
    p.caption(T.FLOW_NOTE)
    p.table([T.MATERIAL_HEAD, "Then"], [list(m) for m in MATERIAL], "ll")
    return p


def table_rows(table: Table) -> list[list[str]]:
    return [[c.md() for c in row] for row in table.rows]


def tables_panel() -> Panel:
    """The four comparison tables, every value cell a link."""
    p = Panel()
    p.heading(T.TABLES_TITLE)
    p.caption(T.TABLES_INTRO)
    for t in TABLES:
        p.text(f"**{t.title}**")
        p.table(list(t.head), table_rows(t))
    return p


def pitfalls_panel() -> Panel:
    p = Panel()
    p.heading(T.PITFALLS_TITLE)
    p.caption(T.PITFALLS_INTRO)
    p.table(
        ["Pitfall", "What goes wrong", "Measured on"],
        [[x.title, x.what, see(x.demo)] for x in PITFALLS],
    )
    return p


def shape_of(layer: Layer) -> str:
    """The layer's shape as the page writes it: (N, T, C) = (32, 512, 1,024)."""
    n, c = count(layer.batch), count(layer.hidden)
    if layer.kind == "tokens":
        return f"(N, T, C) = ({n}, {count(layer.seq)}, {c})"
    return f"(N, C, H, W) = ({n}, {c}, {count(layer.height)}, {count(layer.width)})"


COST_HEAD = [
    "Family",
    "γ, β",
    "Buffers",
    "Statistics",
    "Elements each",
    "Kept for backward",
    "Bytes moved",
]


def cost_rows(layer: Layer) -> list[list[str]]:
    return [
        [
            c.label,
            f"{count(c.gamma)} + {count(c.beta)}",
            count(c.buffers),
            count(c.statistics),
            count(c.pool),
            count(c.kept),
            size(c.moved),
        ]
        for c in costs(layer)
    ]


def superscript(k: int | None) -> str:
    """An exponent as superscript digits: 24 → ²⁴."""
    return str(k).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))


def check_lines(layer: Layer) -> list[str]:
    """The material's two figures against the computed ones (its example only)."""
    check = material_check(layer)
    if check is None:
        return []
    k = log2(check.elements)
    exact = "not 16 Mi"
    if check.elements_binary:
        exact = f"exactly 16 Mi (2{superscript(k)})"
    block = 2 * check.params
    return [
        T.CHECK_ELEMENTS.format(
            n=count(layer.batch),
            t=count(layer.seq),
            c=count(layer.hidden),
            elements=count(check.elements),
            exact=exact,
            approx=approx(check.elements),
            off=f"{abs(check.elements_off):.1%}",
        ),
        T.CHECK_PARAMS.format(
            c=count(layer.hidden),
            params=count(check.params),
            exact="exactly 2 Ki" if check.params_binary else binary(check.params),
            off=f"{check.params_off:.1%}",
            block=count(block),
        ),
    ]


def cost_panel(state: ChooseState) -> Panel:
    """The calculator's numbers for the state's layer."""
    layer = state.layer
    s = sync(layer)
    p = Panel()
    kind = "Tokens" if layer.kind == "tokens" else "A feature map"
    p.text(
        T.COST_SHAPE.format(
            kind=kind,
            shape=shape_of(layer),
            elements=count(layer.elements),
            approx=approx(layer.elements),
        )
    )
    p.table(COST_HEAD, cost_rows(layer), "lrrrrrr")
    for line in check_lines(layer):
        p.callout("info", line)
    if layer.kind == "conv":
        p.caption(
            T.COST_LAYER_CONV.format(
                params=count(family_cost(layer, "layer").params),
                group=count(family_cost(layer, "group").params),
            )
        )
    if layer.devices < 2:
        p.text(T.COST_SYNC_ONE)
    else:
        p.text(
            T.COST_SYNC.format(
                devices=plural(layer.devices, "device"),
                forward=count(s.forward),
                gathered=count(s.gathered),
                backward=count(s.backward),
                payload=size(s.payload_bytes),
                sent=size(s.sent_bytes),
                activations=size(2 * layer.elements * BYTES),
            )
        )
    p.figures([Chart("cost", cost_figure(costs(layer), s), "norm-cost")])
    p.caption(T.COST_NOTE)
    return p
