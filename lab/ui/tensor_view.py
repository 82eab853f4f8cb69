"""The Tensor view's Streamlit widgets and drawing. Numbers come from `lab.tensor`.

The cubes and the flat maps are a canvas component (assets/tensor.js): four 3-D
Plotly scenes took seconds to draw in a browser without a GPU on every change
(bench/latency.py --pages tensor). A click on a cube or a map cell focuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache, partial
from pathlib import Path
from typing import Any

import streamlit as st

from lab.norms import FAMILY_NAMES
from lab.tensor import (
    KEEP_ON_PICK,
    MAX_SEED,
    NAMES,
    NUMERIC,
    SCENARIO_BY_KEY,
    TENSOR_FAMILIES,
    TensorState,
    TensorView,
    build_view,
    clean,
    cube_panels,
    divisors,
    fmt,
    noun,
    parse,
    pitfall_code,
    pitfall_panels,
    scenario_base,
    settle,
    to_params,
    unfolded_panels,
)
from lab.texts.families import CHEAT_SHEETS
from lab.texts.tensor import (
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
from lab.ui.controls import divisor_slider, range_slider
from lab.ui.fragments import draws_outside
from lab.ui.sync import UrlState, forget_scenario, link_note_and_scenario

SYNC: UrlState[TensorState] = UrlState("tensor", TensorState, parse, to_params)

K = SYNC.key


def _apply_scenario() -> None:
    """Scenario picked: set every control it fixes, keep the seed and the cell."""
    key = st.session_state[K("scenario")]
    if key == "custom":
        forget_scenario(SYNC)
        return
    current = SYNC.read()
    keep = {n: getattr(current, n) for n in KEEP_ON_PICK}
    SYNC.write(clean(replace(scenario_base(key), **keep)))


def _focus_from_canvas(key: str) -> None:
    """A cube or a map cell was clicked (assets/tensor.js): focus it.

    The component sends (n, c, h, w) and a nonce; the cell is clamped into the
    tensor as a link's would be."""
    value = st.session_state.get(key) or {}
    focus = value.get("focus") if hasattr(value, "get") else None
    if not isinstance(focus, list | tuple) or len(focus) < 4:
        return
    try:
        cell = tuple(int(v) for v in focus[:4])
    except (TypeError, ValueError):
        return
    state = clean(replace(SYNC.read(), focus=cell))
    st.session_state[K("focus")] = state.focus


ASSET = Path(__file__).resolve().parents[2] / "assets" / "tensor.js"


@cache
def _component() -> Callable:
    return st.components.v2.component(
        "normlab_tensor", js=ASSET.read_text(encoding="utf-8"), isolate_styles=False
    )


def _canvas(key: str, data: dict[str, Any]) -> None:
    """The canvas component: cubes or flat maps; a click focuses the cell."""
    _component()(
        key=key,
        data=data,
        default={"focus": list(data["focus"])},
        on_focus_change=partial(_focus_from_canvas, key),
    )


CELLS = "tensor.cells"
SHAPE = "tensor.shape"
_SIDEBAR_DRAWN = K("_sidebar_drawn")
LOOKING = frozenset({"view", "norm", "focus"})
"""Settings that change only what the cells fragment draws."""


def _sidebar_view(state: TensorState) -> tuple:
    """What the sidebar and the scenario line show beyond the controls' own
    values: while it is unchanged, a control's move need not redraw them."""
    return (state.scenario, tuple(divisors(state.channels)))


def _changed() -> None:
    """A sidebar control moved: rerun only what it changes.

    A full rerun redraws every sidebar control in the browser, and every
    Streamlit element a rerun sends is drawn again there (bench/latency.py
    --pages tensor). So the whole page reruns only when the sidebar itself must
    change (the scenario turning Custom, G's options following C, a link's note
    to clear); another family or layout reruns the cells fragment (`cells`);
    a new tensor (N, C, H, W, G, data) also the shape fragment (`shape`).
    """
    state = settle(SYNC.read())
    if st.session_state.get(_SIDEBAR_DRAWN) != (_sidebar_view(state), None):
        st.rerun()
    drawn = st.session_state.get(K("_state"))
    if isinstance(drawn, TensorState) and all(
        getattr(drawn, f) == getattr(state, f) for f in NAMES if f not in LOOKING
    ):
        st.rerun(CELLS)
    st.rerun([SHAPE, CELLS])


def _slider(name: str, label: str, **kw: Any) -> None:
    range_slider(label, NUMERIC[name], K(name), HELP[name], _changed, **kw)


def sidebar() -> tuple[TensorState, str | None]:
    """Draw the controls; return the state they describe and any note on the URL."""
    note = SYNC.begin()
    state = settle(SYNC.read())
    SYNC.write(state)  # before any widget exists: groups, focus, scenario fixed up

    with st.sidebar:
        st.selectbox(
            "Scenario",
            ("custom", *SCENARIO_BY_KEY),
            format_func=lambda k: (
                "Custom" if k == "custom" else SCENARIO_BY_KEY[k].title
            ),
            key=K("scenario"),
            on_change=_apply_scenario,
            help=HELP["scenario"],
        )
        st.segmented_control(
            "Show",
            ("all", "one"),
            format_func={"all": "All four", "one": "One family"}.get,
            key=K("view"),
            required=True,
            on_change=_changed,
            help=HELP["view"],
        )
        st.segmented_control(
            "Family",
            TENSOR_FAMILIES,
            format_func=FAMILY_NAMES.get,
            key=K("norm"),
            required=True,
            on_change=_changed,
            help=HELP["norm"],
        )
        _slider("batch", "N (examples)")
        _slider("channels", "C (channels)")
        divisor_slider(
            "G (GroupNorm's groups)",
            divisors(state.channels),
            K("groups"),
            HELP["groups"],
            of="C = 1",
            on_change=_changed,
        )
        _slider("height", "H (rows)")
        _slider("width", "W (columns)")
        with st.expander("Data", expanded=False):
            _slider("shift", "Per-channel mean shift")
            _slider("spot", "Bright patch")
            st.number_input(
                "Seed",
                0,
                MAX_SEED,
                step=1,
                key=K("seed"),
                help=HELP["seed"],
                on_change=_changed,
            )
    state = settle(SYNC.read())
    st.session_state[_SIDEBAR_DRAWN] = (_sidebar_view(state), note)
    return state, note


def scenario_line(state: TensorState, note: str | None) -> None:
    link_note_and_scenario(note, SCENARIO_BY_KEY.get(state.scenario), SYNC)


def cubes(view: TensorView) -> None:
    """Wu & He's cube on canvas (assets/tensor.js) with the cell pickers above
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


def split() -> tuple[Any, Any]:
    """The main and side columns, wrapping on narrow screens (assets/style.css)."""
    with st.container(key="tensor-wrap-split"):
        return tuple(st.columns([7, 3], gap="large"))


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


def pitfall_code_panel(view: TensorView) -> None:
    with st.expander("The same in torch.nn"):
        st.code(pitfall_code(view.x.shape), language="python")
        st.caption(PITFALL_CODE_CAPTION)


def pitfall(view: TensorView) -> None:
    """GroupNorm(1, C) vs nn.LayerNorm(C) on channels-last tokens for the
    focused example, with its readouts and sentences (`lab.tensor.pitfall_blocks`)."""
    _canvas("tensor.pitfall", pitfall_panels(view))


def side_panel() -> None:
    """The recipe, each family's set and cheat sheet, and how to pick a cell.

    Drawn once for every family, outside the body fragment: the canvas names
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
    tabs = st.tabs(["Why it matters", "Counting", "Cheat sheet"])
    tabs[0].markdown(SIDE_WHY)
    tabs[1].markdown(SIDE_COUNTS)
    with tabs[2]:
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


def unfolded_caption() -> None:
    st.caption(UNFOLDED_CAPTION)


@st.fragment(key=SHAPE)
@draws_outside
def shape_part(notes: Any, head: Any, code: Any) -> None:
    """What follows the tensor but not the cell or the family: the equivalences,
    the comparison's sets and its torch code. A fragment drawn into the page's
    containers; a click never reruns it."""
    tv = build_view(settle(SYNC.read()))
    with notes:
        equivalences(tv)
    with head:
        pitfall_head(tv)
    with code:
        pitfall_code_panel(tv)


@st.fragment(key=CELLS)
@draws_outside
def cells_part(top: Any, main: Any, live: Any) -> None:
    """Everything that follows the focused cell or the family, as one fragment
    drawn into the page's containers: a click or a picker reruns only this. The
    URL is written here because a fragment rerun never reaches the page's end.
    """
    state = settle(SYNC.read())
    SYNC.end(state)
    tv = build_view(state)
    with top:
        cubes(tv)
    with main:
        unfolded(tv)
    with live:
        pitfall(tv)
