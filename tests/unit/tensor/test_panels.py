"""What the canvas component draws (`lab.tensor.panels`, lab/tensor/tensor.js):
the engine's sets and values, the readouts, and sentences as text, never HTML."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings

from lab.core.helpers import fmt, noun, plural
from lab.core.norms import FAMILY_NAMES
from lab.tensor.model import (
    build_view,
)
from lab.tensor.panels import (
    count_caption,
    counts_blocks,
    cube_panels,
    one_metrics,
    parts,
    pickers_block,
    pitfall_blocks,
    pitfall_panels,
    unfolded_panels,
)
from lab.tensor.state import (
    TENSOR_FAMILIES,
    TensorState,
)
from tests.unit.tensor.common import states

# ---- what the canvas component draws (lab/tensor/tensor.js) ----


def decoded(b64_text: str, dtype) -> np.ndarray:
    import base64

    return np.frombuffer(base64.b64decode(b64_text), dtype=dtype)


def browser_set(pool: np.ndarray, index: int) -> np.ndarray:
    """The set the browser draws for a focus: cells with the focus's (μ, σ)."""
    return pool == pool[index]


@settings(max_examples=40, deadline=None)
@given(states())
def test_the_cubes_the_browser_draws_are_the_engines_sets_and_values(state):
    view = build_view(state)
    n, c, h, w = view.x.shape
    fn, fc, fh, fw = view.state.focus
    data = json.loads(json.dumps(cube_panels(view, TENSOR_FAMILIES)))
    assert data["shape"] == [n, c, h, w] and data["focus"] == list(view.state.focus)
    assert [p["title"] for p in data["panels"]] == [
        FAMILY_NAMES[f] for f in TENSOR_FAMILIES
    ]
    index = (fn * c + fc) * h * w + fh * w + fw  # (n, c, p) order, p = h·W + w
    for fam, panel in zip(TENSOR_FAMILIES, data["panels"], strict=True):
        pool = decoded(panel["pool"], np.int32)
        got = browser_set(pool, index).reshape(n, c, h * w)
        assert np.array_equal(got, view.readouts[fam].mask), fam
        assert np.array_equal(decoded(panel["z"], np.float32), view.x.reshape(-1))
        y = view.results[fam].output.numpy().reshape(-1)
        assert np.array_equal(decoded(panel["other"], np.float32), y)
        assert panel["caption"] == [list(p) for p in count_caption(view.readouts[fam])]
    assert not data["big"]
    one = cube_panels(view, (state.norm,))
    assert one["big"] and len(one["panels"]) == 1


@settings(max_examples=40, deadline=None)
@given(states())
def test_the_flat_maps_outline_the_engines_rectangle_for_any_clicked_cell(state):
    """The browser outlines the bounding box of the cells sharing the clicked
    cell's (μ, σ); it must be the rectangle the engine pooled (`unfolded_rect`)."""
    view = build_view(state)
    n, c, h, w = view.x.shape
    p = h * w
    raw, out = unfolded_panels(view, state.norm)["panels"]
    pool = decoded(raw["pool"], np.int32).reshape(n, c * p)
    assert np.array_equal(decoded(out["pool"], np.int32).reshape(n, c * p), pool)
    assert np.array_equal(decoded(raw["z"], np.float32), view.x.reshape(-1))
    y = view.results[state.norm].output.numpy().reshape(-1)
    assert np.array_equal(decoded(out["z"], np.float32), y)
    fn, fc, fh, fw = state.focus
    box = np.argwhere(pool == pool[fn, fc * p + fh * w + fw])
    r0, j0 = box.min(axis=0)
    r1, j1 = box.max(axis=0)
    assert (r0, r1, j0, j1) == view.readouts[state.norm].rect
    assert raw["rows"] == n and raw["cols"] == c * p and raw["block"] == p
    assert raw["xticks"][0] == [(p - 1) / 2, "0"]


@settings(max_examples=30, deadline=None)
@given(states())
def test_the_comparison_maps_and_readouts_are_the_pitfalls_numbers(state):
    view = build_view(state)
    pf = view.pitfall
    _, c, h, w = view.x.shape
    fn, fc, fh, fw = state.focus
    data = pitfall_panels(view)
    g1, ln, diff = data["panels"]
    for panel, z in ((g1, pf.group1), (ln, pf.token), (diff, pf.diff)):
        assert np.array_equal(decoded(panel["z"], np.float32), z.reshape(-1))
        assert panel["example"] == fn and panel["rows"] == c
    assert diff["pool"] is None
    g1_pool = decoded(g1["pool"], np.int32)
    assert browser_set(g1_pool, fc * h * w + fh * w + fw).all()  # the whole example
    ln_pool = decoded(ln["pool"], np.int32).reshape(c, h * w)
    column = ln_pool == ln_pool[fc, fh * w + fw]
    assert column[:, fh * w + fw].all() and column.sum() == c  # that position only
    readouts = {label: v for label, v, _ in pitfall_blocks(view)[0]["items"]}
    assert readouts["Largest |difference|"] == fmt(pf.max_abs_diff)
    assert readouts["Pairs, GroupNorm(1, C)"] == str(pf.group1_stats)
    assert readouts["Pairs, LayerNorm(C)"] == str(pf.token_stats)
    assert readouts["Difference at the cell"] == fmt(float(pf.diff[fc, fh * w + fw]))
    focus_text = "".join(t for t, _ in pitfall_blocks(view)[1]["parts"])
    assert f"Focused cell (example {fn}, channel {fc}, position ({fh}, {fw}))" in (
        focus_text
    )
    assert f"gives {fmt(float(pf.group1[fc, pf.position]))}" in focus_text


@settings(max_examples=30, deadline=None)
@given(states())
def test_the_counts_table_and_readouts_are_the_readouts_of_each_family(state):
    view = build_view(state)
    table, caption = counts_blocks(view)
    for fam, row in zip(TENSOR_FAMILIES, table["rows"], strict=True):
        ro = view.readouts[fam]
        assert row[0] == FAMILY_NAMES[fam]
        assert row[2] == f"{ro.count_formula} = {ro.num_stats}"
        assert row[3] == f"{ro.pool_formula} = {ro.pool_size}"
        assert row[4:] == [fmt(ro.mean), fmt(ro.std), fmt(ro.y)]
        assert ro.num_stats * ro.pool_size == view.x.size  # the sets tile the tensor
    text = "".join(t for t, _ in caption["parts"])
    assert f"N·C·H·W = {view.x.size}" in text
    assert f"raw value is {fmt(view.readouts['batch'].x)}" in text
    ro = view.readouts[state.norm]
    values = [v for _, v, _ in one_metrics(view, state.norm)["items"]]
    assert values == [
        str(ro.num_stats),
        str(ro.pool_size),
        fmt(ro.mean),
        fmt(ro.std),
        fmt(ro.x),
        fmt(ro.y),
    ]
    pick = pickers_block(view)
    assert [size for _, size, _ in pick["items"]] == list(view.x.shape)


def test_counts_take_the_singular_for_one():
    assert plural(1, "cell") == "1 cell" and plural(2, "cell") == "2 cells"
    assert noun(1, "(μ, σ) pair") == "(μ, σ) pair"
    assert noun(0, "(μ, σ) pair") == "(μ, σ) pairs"
    one = build_view(TensorState(batch=1, channels=1, height=1, width=1, groups=1))
    for fam in TENSOR_FAMILIES:  # one cell: one pair of one cell, every family
        assert "".join(t for t, _ in count_caption(one.readouts[fam])).startswith(
            "1 (μ, σ) pair ("
        )
        assert " 1 cell each (" in "".join(
            t for t, _ in count_caption(one.readouts[fam])
        )
    many = build_view(TensorState())
    text = "".join(t for t, _ in count_caption(many.readouts["batch"]))
    assert text == "6 (μ, σ) pairs (C), 36 cells each (N·H·W)"


def test_sentences_travel_as_text_pieces_never_html():
    assert parts("a **b** `c` <i>d</i>") == [
        ["a ", ""],
        ["b", "b"],
        [" ", ""],
        ["c", "code"],
        [" <i>d</i>", ""],
    ]
    assert parts("**") == [["**", ""]]
