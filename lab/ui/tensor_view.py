"""The Tensor view's Streamlit widgets and drawing. Numbers come from `lab.tensor`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from lab.norms import FAMILY_NAMES
from lab.tensor import (
    KEEP_ON_PICK,
    MAX_SEED,
    NUMERIC,
    SCENARIO_BY_KEY,
    TENSOR_FAMILIES,
    TensorState,
    TensorView,
    clean,
    cube_figure,
    divisors,
    fmt,
    parse,
    pitfall_code,
    pitfall_figures,
    scenario_base,
    settle,
    to_params,
    unfolded_figures,
)
from lab.texts.families import CHEAT_SHEETS
from lab.texts.tensor import (
    CLICK_NOTE,
    EQUIVALENT,
    FOCUS_LINE,
    HELP,
    PITFALL_CODE_CAPTION,
    PITFALL_FOCUS,
    PITFALL_INTRO,
    PITFALL_MEANS,
    PITFALL_SETS,
    PITFALL_TITLE,
    POOLED_AXES,
    POOLS_OVER,
    SET_DEFINITION,
    SET_LATEX,
    SIDE_COUNTS,
    SIDE_WHAT,
    SIDE_WHY,
    UNFOLDED_CAPTION,
)
from lab.ui.controls import divisor_slider
from lab.ui.sync import UrlState, forget_scenario, link_note_and_scenario

SYNC: UrlState[TensorState] = UrlState("tensor", TensorState, parse, to_params)

SPLIT_CSS = """<style>
[class*="st-key-tensor-wrap"] > div > [data-testid="stHorizontalBlock"] {
  flex-wrap: wrap;
}
[class*="st-key-tensor-wrap"] > div > [data-testid="stHorizontalBlock"]
  > [data-testid="stColumn"] {
  min-width: min(100%, 16rem);
}
.st-key-tensor-counts { overflow-x: auto; }
</style>"""
"""Let the page's main/side split wrap on a narrow screen instead of squeezing the
side panel to a sliver (Streamlit stacks columns only below 640 px), and let the
counts table scroll sideways rather than spill over. A constant stylesheet."""
K = SYNC.key
PICKS = ("n", "c", "h", "w")
PICK_LABELS = {
    "n": "Example n",
    "c": "Channel c",
    "h": "Row h",
    "w": "Column w",
}


def _drawn() -> TensorState:
    """The state the figures on screen were drawn from (for decoding a click)."""
    saved = st.session_state.get(K("_state"))
    return saved if isinstance(saved, TensorState) else SYNC.read()


def _apply_scenario() -> None:
    """Scenario picked: set every control it fixes, keep the seed and the cell."""
    key = st.session_state[K("scenario")]
    if key == "custom":
        forget_scenario(SYNC)
        return
    current = SYNC.read()
    keep = {n: getattr(current, n) for n in KEEP_ON_PICK}
    SYNC.write(clean(replace(scenario_base(key), **keep)))


def _focus_from_pickers() -> None:
    ss = st.session_state
    ss[K("focus")] = tuple(int(ss[K(f"pick_{p}")]) for p in PICKS)


def _points(chart_key: str) -> list[dict[str, Any]]:
    event = st.session_state.get(chart_key)
    return (event or {}).get("selection", {}).get("points", [])


def _focus_from_unfolded(chart_key: str) -> None:
    """A cell of the unfolded (N, C·H·W) map was clicked: focus it."""
    points = _points(chart_key)
    if not points:
        return
    s = _drawn()
    p = s.height * s.width
    n, j = int(points[0]["y"]), int(points[0]["x"])
    c, q = divmod(j, p)
    h, w = divmod(q, s.width)
    st.session_state[K("focus")] = (n, c, h, w)


def _focus_from_pitfall(chart_key: str) -> None:
    """A cell of one example's C × (H·W) map was clicked: focus it."""
    points = _points(chart_key)
    if not points:
        return
    s = _drawn()
    c, q = int(points[0]["y"]), int(points[0]["x"])
    h, w = divmod(q, s.width)
    st.session_state[K("focus")] = (s.focus[0], c, h, w)


def _slider(name: str, label: str, **kw: Any) -> None:
    spec = NUMERIC[name]
    lo, hi, step = spec.lo, spec.hi, spec.step
    if spec.integer:
        lo, hi, step = int(lo), int(hi), int(step)
    st.slider(label, lo, hi, step=step, key=K(name), help=HELP[name], **kw)


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
            help=HELP["view"],
        )
        st.segmented_control(
            "Family",
            TENSOR_FAMILIES,
            format_func=FAMILY_NAMES.get,
            key=K("norm"),
            required=True,
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
        )
        _slider("height", "H (rows)")
        _slider("width", "W (columns)")
        with st.expander("Data", expanded=False):
            _slider("shift", "Per-channel mean shift")
            _slider("spot", "Bright patch")
            st.number_input(
                "Seed", 0, MAX_SEED, step=1, key=K("seed"), help=HELP["seed"]
            )
    return settle(SYNC.read()), note


def scenario_line(state: TensorState, note: str | None) -> None:
    link_note_and_scenario(note, SCENARIO_BY_KEY.get(state.scenario), SYNC)


def pickers(state: TensorState) -> None:
    """The focused cell, picked with four numbers (3-D clicks are unreliable)."""
    ss = st.session_state
    limits = (state.batch, state.channels, state.height, state.width)
    for p, value in zip(PICKS, state.focus, strict=True):
        ss[K(f"pick_{p}")] = value  # before the widgets: follows clicks and links
    n, c, h, w = state.focus
    with st.container(horizontal=True, vertical_alignment="bottom"):
        for p, hi in zip(PICKS, limits, strict=True):
            st.number_input(
                PICK_LABELS[p],
                min_value=0,
                max_value=hi - 1,
                step=1,
                key=K(f"pick_{p}"),
                on_change=_focus_from_pickers,
                help=HELP[f"pick_{p}"],
                width=128,
            )
        st.markdown(FOCUS_LINE.format(n=n, c=c, h=h, w=w), width=330)


def _count_caption(view: TensorView, family: str) -> str:
    ro = view.readouts[family]
    return (
        f"**{ro.num_stats}** (μ, σ) pairs ({ro.count_formula}), "
        f"**{ro.pool_size}** cells each ({ro.pool_formula})"
    )


def cubes(view: TensorView) -> None:
    """Wu & He's cube: four side by side, or the chosen family large."""
    s = view.state
    if s.view == "all":
        # A wrapping row: four across on a wide screen, fewer on a narrow one.
        with st.container(horizontal=True, gap="small"):
            for fam in TENSOR_FAMILIES:
                with st.container(width="stretch", key=f"tensor.cell_{fam}"):
                    fig, config = cube_figure(view, fam, height=330)
                    st.plotly_chart(fig, key=f"tensor.cube_{fam}", config=config)
                    st.caption(_count_caption(view, fam))
        return
    fam = s.norm
    ro = view.readouts[fam]
    with st.container(key="tensor-wrap-one"):
        left, right = st.columns([3, 2], gap="large")
    with left:
        fig, config = cube_figure(view, fam, height=500)
        st.plotly_chart(fig, key=f"tensor.cube_{fam}", config=config)
    with right:
        st.markdown(f"**{FAMILY_NAMES[fam]}** pools {POOLS_OVER[fam]}.")
        st.latex(SET_DEFINITION[fam])
        metrics = (
            (
                f"(μ, σ) pairs = {ro.count_formula}",
                str(ro.num_stats),
                "How many statistics the layer computes for this tensor.",
            ),
            (
                f"Cells per pair = {ro.pool_formula}",
                str(ro.pool_size),
                "How many cells each mean and variance is pooled over.",
            ),
            ("μ of the set", fmt(ro.mean), "The mean that normalized the cell."),
            ("√(σ² + ε)", fmt(ro.std), "The divisor that normalized the cell."),
            ("Raw x", fmt(ro.x), "The focused cell before normalizing."),
            ("Normalized", fmt(ro.y), "(x − μ) / √(σ² + ε), with γ = 1, β = 0."),
        )
        for i, (label, value, help_text) in enumerate(metrics):
            if i % 2 == 0:
                cols = st.columns(2)
            cols[i % 2].metric(label, value, help=help_text)


def split() -> tuple[Any, Any]:
    """The main and side columns, wrapping on narrow screens (see SPLIT_CSS)."""
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


def counts(view: TensorView) -> None:
    """How many (μ, σ) pairs each family keeps and how many cells each pools."""
    st.html(SPLIT_CSS)
    n, c, h, w = view.x.shape
    lines = [
        "| Family | Pools over | (μ, σ) pairs | Cells each "
        "| μ | √(σ² + ε) | Cell after |",
        "| --- | --- | --- | --- | ---: | ---: | ---: |",
    ]
    for fam in TENSOR_FAMILIES:
        ro = view.readouts[fam]
        lines.append(
            f"| {FAMILY_NAMES[fam]} | {POOLED_AXES[fam]} "
            f"| {ro.count_formula} = {ro.num_stats} "
            f"| {ro.pool_formula} = {ro.pool_size} "
            f"| {fmt(ro.mean)} | {fmt(ro.std)} | {fmt(ro.y)} |"
        )
    with st.container(key="tensor-counts"):
        st.markdown("\n".join(lines))
    st.caption(
        f"N = {n}, C = {c}, H = {h}, W = {w}, G = {view.state.groups}. Pairs × "
        f"cells = N·C·H·W = {n * c * h * w} for every family: the sets tile the "
        f"tensor. μ and √(σ² + ε) are those of the focused cell's set; the "
        f"focused cell's raw value is {fmt(view.readouts['batch'].x)}."
    )


def unfolded(view: TensorView) -> None:
    """The unfolded raw and normalized maps, clickable."""
    fam = view.state.norm
    figs = unfolded_figures(view, fam)
    for key, (fig, config) in zip(
        ("tensor.unf_raw", "tensor.unf_out"), figs, strict=True
    ):
        st.plotly_chart(
            fig,
            key=key,
            on_select=lambda k=key: _focus_from_unfolded(k),
            selection_mode=("points",),
            config=config,
        )
    st.caption(UNFOLDED_CAPTION)


def pitfall(view: TensorView) -> None:
    """GroupNorm(1, C) vs nn.LayerNorm(C) on channels-last tokens, with numbers."""
    pf = view.pitfall
    s = view.state
    n, c, h, w = s.focus
    st.subheader(PITFALL_TITLE)
    st.markdown(PITFALL_INTRO)
    st.markdown(
        PITFALL_SETS.format(
            g1_stats=pf.group1_stats,
            g1_pool=pf.group1_pool,
            tok_stats=pf.token_stats,
            tok_pool=pf.token_pool,
        )
    )
    keys = ("tensor.pit_gn", "tensor.pit_ln", "tensor.pit_diff")
    for col, key, (fig, config) in zip(
        st.columns(3), keys, pitfall_figures(view), strict=True
    ):
        with col:
            st.plotly_chart(
                fig,
                key=key,
                on_select=lambda k=key: _focus_from_pitfall(k),
                selection_mode=("points",),
                config=config,
            )
    m = st.columns(4)
    m[0].metric(
        "Largest |difference|",
        fmt(pf.max_abs_diff),
        help="Over the whole tensor: max |GroupNorm(1, C) − nn.LayerNorm(C)|.",
    )
    m[1].metric(
        "Pairs, GroupNorm(1, C)", pf.group1_stats, help="N: one (μ, σ) per example."
    )
    m[2].metric("Pairs, LayerNorm(C)", pf.token_stats, help="N·H·W: one per position.")
    m[3].metric(
        "Difference at the cell",
        fmt(float(pf.diff[c, h * s.width + w])),
        help="The difference at the focused cell.",
    )
    ro = view.readouts["batch"]
    st.markdown(
        PITFALL_FOCUS.format(
            n=n,
            c=c,
            h=h,
            w=w,
            x=fmt(ro.x),
            g1_mu=fmt(pf.group1_mu),
            g1_sd=fmt(pf.group1_sd),
            g1_y=fmt(float(pf.group1[c, pf.position])),
            tok_mu=fmt(pf.token_mu),
            tok_sd=fmt(pf.token_sd),
            tok_y=fmt(float(pf.token[c, pf.position])),
        )
    )
    st.markdown(
        PITFALL_MEANS.format(
            n=n, g1_spread=fmt(pf.group1_spread), tok_spread=fmt(pf.token_spread)
        )
    )
    with st.expander("The same in torch.nn"):
        st.code(pitfall_code(view.x.shape), language="python")
        st.caption(PITFALL_CODE_CAPTION)


def side_panel(view: TensorView) -> None:
    fam = view.state.norm
    st.markdown(SIDE_WHAT)
    st.latex(SET_LATEX)
    st.latex(SET_DEFINITION[fam])
    st.caption(f"The set for {FAMILY_NAMES[fam]} (Wu & He 2018, Section 3.1).")
    tabs = st.tabs(["Why it matters", "Counting", f"{FAMILY_NAMES[fam]} sheet"])
    tabs[0].markdown(SIDE_WHY)
    tabs[1].markdown(SIDE_COUNTS)
    sheet = CHEAT_SHEETS[fam]
    tabs[2].markdown(
        f"**Why it exists.** {sheet.why}\n\n"
        f"**Where you'll see it.** {sheet.where}\n\n"
        f"**Choose it when.** {sheet.choose_when}\n\n"
        f"**Watch out for.** {sheet.watch_out}"
    )
    st.caption(CLICK_NOTE)
