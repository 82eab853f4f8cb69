"""The Tensor view's Streamlit: its controls, two body fragments and the side panel.
Numbers come from `lab.tensor.model`, what the canvas draws from `lab.tensor.panels`.

The cubes and the flat maps are a canvas component (lab/tensor/tensor.js): four
3-D Plotly scenes took seconds to draw in a browser without a GPU on every
change (bench/latency.py --pages tensor). A click on a cube or a map cell
focuses it.

The body is two fragments drawn into containers the page made (`body`): what
follows the focused cell or the family (`cells_part`), and what follows only
the tensor (`shape_part`). A click or another family reruns the first alone;
a new tensor (N, C, H, W, G, data) both (`_reruns`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from lab.core.families import CHEAT_SHEETS
from lab.core.helpers import divisors, fmt, noun
from lab.core.norms import FAMILY_NAMES
from lab.tensor.model import TensorView, build_view, pitfall_code
from lab.tensor.panels import cube_panels, pitfall_panels, unfolded_panels
from lab.tensor.questions import QUIZ
from lab.tensor.state import PAGE, TENSOR_FAMILIES, VIEWS, TensorState
from lab.tensor.texts import (
    CLICK_NOTE,
    EQUIVALENT,
    HELP,
    PITFALL_CODE_CAPTION,
    PITFALL_INTRO,
    PITFALL_SETS,
    PITFALL_TITLE,
    POOLS_OVER,
    SET_DEFINITION,
    SET_LATEX,
    SIDE_COUNTS,
    SIDE_WHAT,
    SIDE_WHY,
    UNFOLDED_CAPTION,
)
from lab.ui.components import component
from lab.ui.controls import sections
from lab.ui.page import Page
from lab.ui.present import stage

CELLS = "tensor.cells"
SHAPE = "tensor.shape"
GROUPS = "tensor.groups-control"
LOOKING = frozenset({"view", "norm", "focus"})
"""Settings that change only what the cells fragment draws."""


def _reruns(state: TensorState) -> tuple[str, ...]:
    """The body fragments a control's move reruns: the cells fragment alone
    while the tensor is the one last drawn (another family, layout or cell),
    the shape fragment too once it is not. Compared with the state the last
    run wrote into the URL (`lab.ui.sync.UrlState.end`)."""
    drawn = page.committed()
    if isinstance(drawn, TensorState) and all(
        getattr(drawn, f) == getattr(state, f) for f in PAGE.names if f not in LOOKING
    ):
        return (CELLS,)
    return (SHAPE, CELLS)


page: Page[TensorState] = Page("tensor", PAGE, HELP, body=_reruns, quiz=QUIZ)


def controls() -> None:
    """The tensor's controls (drawn in a fragment: `Page.sidebar`)."""
    page.scenario_picker()
    page.choice("view", "Show", VIEWS, {"all": "All four", "one": "One family"})
    page.choice("norm", "Family", TENSOR_FAMILIES, FAMILY_NAMES)
    page.slider("batch", "N (examples)")
    page.slider("channels", "C (channels)")
    groups = st.container()  # drawn by groups_control
    page.slider("height", "H (rows)")
    page.slider("width", "W (columns)")
    with st.expander("Data", expanded=False):
        page.slider("shift", "Per-channel mean shift")
        page.slider("spot", "Bright patch")
        page.seed()
    groups_control(groups)


groups_control = page.divisor_control(
    GROUPS,
    "groups",
    "G (GroupNorm's groups)",
    lambda s: divisors(s.channels),
    "C = 1",
)
"""G's options follow C: drawn by a fragment of its own, so that a move of C
reruns it with the body instead of redrawing the whole sidebar."""


JS = tuple(
    Path(__file__).with_name(name)
    for name in ("tensor.js", "tensor_cube.js", "tensor_map.js", "tensor_blocks.js")
)
"""The canvas component's files, in load order (tensor.js says what each holds)."""


def _canvas(key: str, data: dict[str, Any]) -> None:
    """The canvas component: cubes or flat maps; a click sends (n, c, h, w)
    and the focus moves there, clamped into the tensor as a link's would be."""
    component("normlab_tensor", *JS)(
        key=key,
        data=data,
        default={"focus": list(data["focus"])},
        on_focus_change=lambda: page.focus_from(key, arity=4),
    )


def cubes(view: TensorView) -> None:
    """Wu & He's cube on canvas (lab/tensor/tensor.js) with the cell pickers above
    and the counts table below: four side by side (wrapping on a narrow
    screen), or the chosen family large with its readouts and its set."""
    s = view.state
    if s.view == "all":
        _canvas("tensor.cubes", cube_panels(view, TENSOR_FAMILIES))
        return
    fam = s.norm
    with st.container(key="tensor-wrap-one"):
        left, right = st.columns([3, 2], gap="large")
    with left:
        _canvas("tensor.cubes", cube_panels(view, (fam,)))
    with right:
        st.markdown(f"**{FAMILY_NAMES[fam]}** pools {POOLS_OVER[fam]}.")
        st.latex(SET_DEFINITION[fam])


def equivalences(view: TensorView) -> None:
    """Say when two families pool the same sets here (G = 1, G = C, N = 1, ...)."""
    lines = []
    for a, b, diff in view.equivalences:
        text = EQUIVALENT.get((a, b)) or EQUIVALENT.get((b, a))
        if text:
            lines.append(text.format(diff=fmt(diff)))
    if len(lines) == 1:
        st.success(lines[0], icon=":material/join:")
    elif lines:
        st.success("\n".join(f"- {t}" for t in lines), icon=":material/join:")
    seen: set[str] = set()
    for fam in TENSOR_FAMILIES:
        for note in view.results[fam].notes:
            if note.code in seen:
                continue
            seen.add(note.code)
            st.warning(f"**{FAMILY_NAMES[fam]}.** {note.message}")


def unfolded(view: TensorView) -> None:
    """The unfolded raw and normalized maps on canvas; a click focuses a cell."""
    _canvas("tensor.unfolded", unfolded_panels(view, view.state.norm))


def pitfall_head(view: TensorView) -> None:
    """The comparison's title and its sets: they follow the tensor, not the cell."""
    pf = view.pitfall
    st.subheader(PITFALL_TITLE, anchor=False)
    st.markdown(PITFALL_INTRO)
    st.markdown(
        PITFALL_SETS.format(
            g1_stats=pf.group1_stats,
            g1_pairs=noun(pf.group1_stats, "(μ, σ) pair"),
            g1_pool=pf.group1_pool,
            g1_cells=noun(pf.group1_pool, "cell"),
            tok_stats=pf.token_stats,
            tok_pairs=noun(pf.token_stats, "(μ, σ) pair"),
            tok_pool=pf.token_pool,
            tok_cells=noun(pf.token_pool, "cell"),
        )
    )


CODE_OPEN = "tensor.code_open"


def pitfall_code_panel(view: TensorView) -> None:
    """The comparison in torch.nn, for the tensor's shape (not its cell), drawn
    only while its expander is open (opening it reruns the shape fragment):
    Streamlit highlights ``st.code`` in the browser, collapsed or not, and
    loading and running its highlighter took 250–320 ms of the page's first
    view (a CPU profile of bench/latency.py's load)."""
    box = st.expander("The same in torch.nn", key=CODE_OPEN, on_change="rerun")
    with box:
        if box.open:
            st.code(pitfall_code(view.x.shape), language="python")
        st.caption(PITFALL_CODE_CAPTION)


def pitfall(view: TensorView) -> None:
    """GroupNorm(1, C) vs nn.LayerNorm(C) on channels-last tokens for the
    focused example, with its readouts and sentences
    (`lab.tensor.panels.pitfall_blocks`)."""
    _canvas("tensor.pitfall", pitfall_panels(view))


def side_panel() -> None:
    """The recipe, each family's set and cheat sheet, and how to pick a cell.

    Drawn once for every family, outside the body fragments: the canvas names
    the family shown on ``<body>`` (``data-tensor-norm``) and assets/style.css
    hides the other families' parts, so a family switch re-renders no formula
    or tab.
    """
    st.markdown(SIDE_WHAT)
    st.latex(SET_LATEX)
    for fam in TENSOR_FAMILIES:
        with st.container(key=f"tensor-side-{fam}"):
            st.latex(SET_DEFINITION[fam])
            st.caption(f"The set for {FAMILY_NAMES[fam]} (Wu & He 2018, Section 3.1).")
    parts = sections(["Why it matters", "Counting", "Cheat sheet"])
    parts[0].markdown(SIDE_WHY)
    parts[1].markdown(SIDE_COUNTS)
    with parts[2]:
        for fam in TENSOR_FAMILIES:
            sheet = CHEAT_SHEETS[fam]
            st.container(key=f"tensor-sheet-{fam}").markdown(
                f"**{FAMILY_NAMES[fam]}.**\n\n"
                f"**Why it exists.** {sheet.why}\n\n"
                f"**Where you'll see it.** {sheet.where}\n\n"
                f"**Choose it when.** {sheet.choose_when}\n\n"
                f"**Watch out for.** {sheet.watch_out}"
            )
    st.caption(CLICK_NOTE)


@page.fragment(SHAPE, outside=True)
def shape_part(top: Any, head: Any, code: Any) -> None:
    """What follows the tensor but not the cell or the family: the equivalences
    (under the cubes), the comparison's sets and its torch code. A click never
    reruns it.

    Streamlit 1.67 keeps a fragment's place in a container made outside it only
    if the last full run wrote there, so every run writes an invisible
    ``st.empty()`` into ``top``: without it, a tensor with no equivalence (G =
    2) reserved none, and the first move to G = 1 or N = 1 found no place and
    reran the whole page (`lab.ui.page.Page.fragment`). In ``top``, after the
    cubes, and not in a container of its own: an empty element there takes no
    room, while a container holding one adds a gap to the page."""
    tv = build_view(page.state())
    with top:
        st.empty()  # this fragment's place in top, kept by every full run
        equivalences(tv)
    with head:
        pitfall_head(tv)
    with code:
        pitfall_code_panel(tv)


@page.fragment(CELLS, outside=True)
def cells_part(top: Any, main: Any, live: Any) -> None:
    """Everything that follows the focused cell or the family: a click or a
    picker reruns only this."""
    tv = build_view(page.state())
    with top:
        cubes(tv)
    with main:
        unfolded(tv)
    with live:
        pitfall(tv)


def body(state: TensorState) -> None:
    """The containers in page order, filled by the two fragments, and the side
    panel beside the unfolded maps. The fragments read the state themselves:
    they rerun without this function. The cells fragment runs first so that
    its cubes come before the equivalences in ``top``."""
    top = st.container()
    with st.container(key="tensor-wrap-split"):  # wraps on narrow screens
        main, side = st.columns([7, 3], gap="large")
    with main:
        place = stage()  # a presenter's first screen (lab/ui/present.py)
        st.caption(UNFOLDED_CAPTION)
    with side:
        side_panel()  # every family's part; CSS shows the canvas's family
    head, live, code = st.container(), st.container(), st.container()
    cells_part(top, place, live)
    shape_part(top, head, code)
