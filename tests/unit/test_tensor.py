"""The Tensor view's numbers, sets, state and figures, checked without a server.

Every statistic the page shows is checked against the torch.nn module a user
would write (BatchNorm2d, LayerNorm, InstanceNorm2d, GroupNorm, and LayerNorm(C)
on channels-last tokens); every set against Wu & He's (2018) definition.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import plotly.io as pio
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from lab.norms import FAMILY_NAMES
from lab.tensor import (
    MAX_C,
    MAX_N,
    MAX_SIDE,
    SCENARIOS,
    TENSOR_FAMILIES,
    TensorSpec,
    TensorState,
    build_view,
    clean,
    count_caption,
    counts_blocks,
    cube_figure,
    cube_panels,
    divisors,
    family_results,
    fmt,
    make_tensor,
    matches_scenario,
    noun,
    one_metrics,
    parse,
    parts,
    pickers_block,
    pitfall_blocks,
    pitfall_code,
    pitfall_figures,
    pitfall_panels,
    plural,
    same_sets,
    scenario_base,
    to_params,
    token_layer_norm,
    unfolded_figures,
    unfolded_panels,
    unfolded_rect,
)

SHAPES = [(4, 6, 3, 3), (1, 6, 4, 4), (8, 12, 4, 4), (2, 1, 1, 1), (3, 4, 1, 2)]


def spec_of(shape, **kw) -> TensorSpec:
    n, c, h, w = shape
    return TensorSpec(batch=n, channels=c, height=h, width=w, **kw)


@st.composite
def states(draw) -> TensorState:
    n = draw(st.integers(1, MAX_N))
    c = draw(st.integers(1, MAX_C))
    h = draw(st.integers(1, MAX_SIDE))
    w = draw(st.integers(1, MAX_SIDE))
    return TensorState(
        view=draw(st.sampled_from(("all", "one"))),
        norm=draw(st.sampled_from(TENSOR_FAMILIES)),
        batch=n,
        channels=c,
        height=h,
        width=w,
        groups=draw(st.sampled_from(divisors(c))),
        shift=draw(st.integers(0, 50)) / 10,
        spot=draw(st.integers(0, 50)) / 10,
        seed=draw(st.integers(0, 2**31 - 1)),
        focus=(
            draw(st.integers(0, n - 1)),
            draw(st.integers(0, c - 1)),
            draw(st.integers(0, h - 1)),
            draw(st.integers(0, w - 1)),
        ),
        scenario="custom",
    )


# ---- the tensor ----


def test_same_spec_same_numbers_other_seed_other_numbers():
    a = make_tensor(TensorSpec(seed=3))
    assert a.dtype == np.float32 and a.shape == (4, 6, 3, 3)
    assert np.array_equal(a, make_tensor(TensorSpec(seed=3)))
    assert not np.array_equal(a, make_tensor(TensorSpec(seed=4)))


def test_growing_n_and_c_keeps_the_cells_on_screen():
    small = make_tensor(spec_of((2, 3, 3, 3)))
    big = make_tensor(spec_of((MAX_N, MAX_C, 3, 3)))
    assert np.array_equal(small, big[:2, :3])


def test_shift_moves_each_channel_by_one_amount():
    base = spec_of((8, 12, 4, 4), spot=0.0, shift=0.0)
    moved = make_tensor(replace(base, shift=2.0)) - make_tensor(base)  # N,C,H,W
    per_channel = moved.reshape(8, 12, -1).transpose(1, 0, 2).reshape(12, -1)
    assert np.allclose(per_channel.std(axis=1), 0, atol=1e-5)
    assert per_channel[:, 0].std() > 0.5  # channels moved by different amounts


def test_the_bright_patch_lifts_every_channel_of_a_position_alike():
    base = spec_of((8, 12, 4, 4), spot=0.0)
    lift = make_tensor(replace(base, spot=3.0)) - make_tensor(base)  # N,C,H,W
    assert np.allclose(lift.std(axis=1), 0, atol=1e-5)  # same across channels
    assert lift.max() > 2.0 and lift.min() >= 0
    assert (lift[:, 0].reshape(8, -1).std(axis=1) > 0.1).all()  # varies in space


def test_a_spec_outside_the_bounds_is_refused():
    for bad in (
        {"batch": 0},
        {"channels": MAX_C + 1},
        {"height": 7},
        {"shift": np.nan},
    ):
        with pytest.raises(ValueError):
            TensorSpec(**bad)


# ---- the families against torch.nn ----


def torch_module(family: str, shape, groups: int) -> nn.Module:
    c = shape[1]
    return {
        "batch": lambda: nn.BatchNorm2d(c),
        "layer": lambda: nn.LayerNorm(shape[1:]),
        "instance": lambda: nn.InstanceNorm2d(c),
        "group": lambda: nn.GroupNorm(groups, c),
    }[family]().train()


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_every_family_on_the_page_matches_torch_nn(shape):
    spec = spec_of(shape)
    x = torch.from_numpy(make_tensor(spec))
    for g in divisors(shape[1]):
        results = dict(zip(TENSOR_FAMILIES, family_results(spec, g), strict=True))
        for fam, r in results.items():
            if fam == "instance" and shape[2] * shape[3] == 1:
                continue  # torch refuses; the engine's note says why (below)
            if fam == "batch" and shape[0] * shape[2] * shape[3] == 1:
                continue
            with torch.no_grad():
                expected = torch_module(fam, shape, g)(x)
            assert_close(r.output, expected, msg=f"{fam} G={g}")


def test_one_position_per_channel_gives_the_engines_note_not_a_crash():
    view = build_view(TensorState(height=1, width=1, groups=6))
    assert view.results["instance"].has_note("instance_of_one")
    assert view.results["group"].has_note("group_of_one")
    assert torch.all(view.results["instance"].output == 0)  # = β


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_pairs_and_pool_sizes_follow_wu_and_he(shape):
    n, c, h, w = shape
    for g in divisors(c):
        view = build_view(TensorState(batch=n, channels=c, height=h, width=w, groups=g))
        expected = {
            "batch": (c, n * h * w),
            "layer": (n, c * h * w),
            "instance": (n * c, h * w),
            "group": (n * g, c // g * h * w),
        }
        for fam, (pairs, cells) in expected.items():
            ro = view.readouts[fam]
            assert (ro.num_stats, ro.pool_size) == (pairs, cells), fam
            assert ro.num_stats * ro.pool_size == n * c * h * w


def wu_he_set(family: str, shape, groups: int, focus) -> np.ndarray:
    """S_i from Wu & He (2018), Section 3.1, by index arithmetic alone."""
    n, c, h, w = shape
    kn, kc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")  # N,C
    i_n, i_c = focus[0], focus[1]
    per = c // groups
    rule = {
        "batch": kc == i_c,
        "layer": kn == i_n,
        "instance": (kn == i_n) & (kc == i_c),
        "group": (kn == i_n) & (kc // per == i_c // per),
    }[family]
    return np.repeat(rule[:, :, None], h * w, axis=2)  # N,C,P


@settings(max_examples=60, deadline=None)
@given(states())
def test_the_focused_set_is_wu_and_hes_set_and_a_rectangle_when_unfolded(state):
    view = build_view(state)
    shape = view.x.shape
    for fam in TENSOR_FAMILIES:
        ro = view.readouts[fam]
        expected = wu_he_set(fam, shape, state.groups, state.focus)
        assert np.array_equal(ro.mask, expected), fam
        r0, r1, j0, j1 = ro.rect
        flat = np.zeros((shape[0], shape[1] * shape[2] * shape[3]), dtype=bool)
        flat[r0 : r1 + 1, j0 : j1 + 1] = True
        assert np.array_equal(flat, expected.reshape(shape[0], -1))


@settings(max_examples=30, deadline=None)
@given(states())
def test_readouts_are_the_statistics_of_the_outlined_cells(state):
    view = build_view(state)
    n, c, _h, w = view.x.shape
    x = view.x.reshape(n, c, -1).astype(np.float64)
    fn, fc, fh, fw = state.focus
    for fam in TENSOR_FAMILIES:
        ro = view.readouts[fam]
        cells = x[ro.mask]
        assert ro.x == pytest.approx(float(x[fn, fc, fh * w + fw]))
        assert ro.mean == pytest.approx(cells.mean(), rel=1e-4, abs=1e-5)
        assert ro.std == pytest.approx(np.sqrt(cells.var() + 1e-5), rel=1e-4)
        if cells.size > 1 and cells.var() > 1e-3:
            expected = (x[fn, fc, fh * w + fw] - cells.mean()) / ro.std
            assert ro.y == pytest.approx(expected, rel=1e-3, abs=1e-4)


def test_groupnorm_meets_layernorm_at_one_group_and_instancenorm_at_c():
    one = build_view(TensorState(groups=1))
    assert [(a, b) for a, b, _ in one.equivalences] == [("layer", "group")]
    assert one.equivalences[0][2] == 0.0
    many = build_view(TensorState(groups=6))
    assert [(a, b) for a, b, _ in many.equivalences] == [("instance", "group")]
    assert many.equivalences[0][2] == 0.0
    assert build_view(TensorState(groups=2)).equivalences == ()


def test_one_image_makes_batchnorm_pool_instancenorms_sets():
    view = build_view(TensorState(batch=1))
    pairs = [(a, b) for a, b, _ in view.equivalences]
    assert ("batch", "instance") in pairs
    assert_close(view.results["batch"].output, view.results["instance"].output)


def test_same_sets_tells_different_partitions_apart():
    spec = TensorSpec()
    bn, ln, inn, gn = family_results(spec, 2)
    assert same_sets(bn, bn) and same_sets(gn, gn)
    assert not same_sets(bn, ln) and not same_sets(inn, gn) and not same_sets(ln, gn)


def test_unfolded_rect_refuses_a_set_that_is_not_a_rectangle():
    mask = np.zeros((2, 3, 4), dtype=bool)
    mask[0, :, 1] = True  # one position across channels: strided when unfolded
    with pytest.raises(ValueError):
        unfolded_rect(mask)
    mask = np.zeros((2, 3, 4), dtype=bool)
    mask[1, 1:] = True
    assert unfolded_rect(mask) == (1, 1, 4, 11)


# ---- the pitfall: GroupNorm(1, C) vs a transformer's LayerNorm ----


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_token_layernorm_is_nn_layernorm_of_c_on_channels_last_tokens(shape):
    x = torch.from_numpy(make_tensor(spec_of(shape)))
    tok = token_layer_norm(x)
    with torch.no_grad():
        expected = nn.LayerNorm(shape[1])(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    assert_close(tok.output, expected)
    n, c, h, w = shape
    assert (tok.num_stats, tok.pool_size) == (n * h * w, c)
    mean = x.permute(0, 2, 3, 1).reshape(-1, c).mean(dim=1)  # N·H·W
    assert_close(tok.mean, mean)


@pytest.mark.parametrize("shape", SHAPES[:3], ids=str)
def test_the_pitfall_numbers_are_torchs_groupnorm_1_and_layernorm_c(shape):
    n, c, h, w = shape
    state = TensorState(batch=n, channels=c, height=h, width=w, focus=(n - 1, 1, 1, 0))
    view = build_view(state)
    pf = view.pitfall
    x = torch.from_numpy(view.x)
    with torch.no_grad():
        gn = nn.GroupNorm(1, c)(x)
        ln = nn.LayerNorm(c)(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        whole = nn.LayerNorm([c, h, w])(x)
    assert_close(gn, whole)  # what torch's docs mean by "equivalent with LayerNorm"
    assert_close(torch.from_numpy(pf.group1), gn[n - 1].reshape(c, -1))
    assert_close(torch.from_numpy(pf.token), ln[n - 1].reshape(c, -1))
    assert_close(torch.from_numpy(pf.diff), (gn - ln)[n - 1].reshape(c, -1))
    assert pf.max_abs_diff == pytest.approx(float((gn - ln).abs().max()), rel=1e-5)
    assert (pf.group1_stats, pf.token_stats) == (n, n * h * w)
    assert (pf.group1_pool, pf.token_pool) == (c * h * w, c)
    p = 1 * w + 0
    col = x[n - 1, :, 1, 0].double()
    assert pf.position == p
    assert pf.token_mu == pytest.approx(float(col.mean()), abs=1e-5)
    assert pf.token_sd == pytest.approx(
        float(torch.sqrt(col.var(correction=0) + 1e-5)), rel=1e-5
    )


def test_layernorm_of_c_erases_each_positions_mean_groupnorm_1_keeps_it():
    pf = build_view(TensorState(spot=3.0, groups=1)).pitfall
    assert pf.token_spread < 1e-6
    assert pf.group1_spread > 0.3
    assert pf.max_abs_diff > 0.5


def test_the_torch_code_shown_on_the_page_reproduces_its_numbers():
    view = build_view(TensorState(focus=(2, 1, 0, 2)))
    code = pitfall_code(view.x.shape, x_line="x = X")
    assert "torch.randn(4, 6, 3, 3)" in pitfall_code(view.x.shape)
    scope = {"X": torch.from_numpy(view.x), "print": lambda *_: None}
    with torch.no_grad():
        exec(code, scope)  # the page shows this code; it must run and agree
    assert_close(scope["gn"], view.results["layer"].output)
    assert_close(scope["same"], scope["gn"])
    assert_close(scope["ln"][2].reshape(6, -1), torch.from_numpy(view.pitfall.token))


# ---- state and URL ----


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_every_scenario_round_trips_and_matches_itself(scenario):
    state = clean(scenario_base(scenario.key))
    assert matches_scenario(state, scenario.key)
    assert parse(to_params(state)) == (state, None)
    view = build_view(state)  # and renders its numbers
    assert view.readouts["group"].num_stats == state.batch * state.groups


def test_the_default_view_has_an_empty_link():
    assert to_params(TensorState()) == {}
    assert parse({}) == (TensorState(), None)


@settings(max_examples=60, deadline=None)
@given(states())
def test_any_valid_state_survives_its_link(state):
    assert parse(to_params(state)) == (state, None)


def test_changing_a_fixed_setting_leaves_the_scenario_but_looking_around_does_not():
    s = scenario_base("layer")
    assert matches_scenario(
        replace(s, norm="batch", view="one", focus=(1, 1, 1, 1)), "layer"
    )
    assert not matches_scenario(replace(s, groups=2), "layer")
    state, _ = parse({"scenario": "layer", "groups": "3"})
    assert state.scenario == "custom" and state.groups == 3


@pytest.mark.parametrize(
    "params, problem",
    [
        ({"batch": "abc"}, "batch (not a number)"),
        ({"channels": "99"}, "channels (outside"),
        ({"groups": "4"}, "groups (must divide 6 channels)"),
        ({"focus": "9,9,9,9"}, "focus (outside the tensor)"),
        ({"focus": "1,2"}, "focus (expected n,c,h,w)"),
        ({"norm": "rms"}, "norm (not an option)"),
        ({"view": "<script>"}, "view (not an option)"),
        ({"<b>x</b>": "1"}, "unknown parameter unreadable names"),
        ({"height": "nan", "width": "1e999"}, "height (not a finite number)"),
    ],
)
def test_hostile_links_fall_back_with_one_note_naming_the_parameter(params, problem):
    state, note = parse(params)
    assert note is not None and problem in note
    assert "<" not in note
    assert clean(state) == state
    build_view(state)  # and the page's model accepts the result


def test_groups_snap_to_the_nearest_divisor_and_focus_is_clamped():
    state, _ = parse({"channels": "12", "groups": "5", "focus": "7,20,-3,2"})
    assert state.groups == 4
    assert state.focus == (3, 11, 0, 2)


# ---- figures ----


def test_the_cube_draws_the_set_as_cubes_and_the_rest_as_points():
    view = build_view(TensorState(focus=(1, 2, 0, 1)))
    for fam in TENSOR_FAMILIES:
        fig, config = cube_figure(view, fam)
        ro = view.readouts[fam]
        _grid, points, members, focus = fig["data"]
        assert members["type"] == focus["type"] == "mesh3d"
        assert len(members["x"]) == 8 * (ro.pool_size - 1)  # 8 corners per cube
        assert len(members["i"]) == 12 * (ro.pool_size - 1)  # 12 triangles
        assert len(focus["x"]) == 8
        assert len(points["x"]) == view.x.size - ro.pool_size
        # the focused cube sits on the focused cell: x = c, y = n, z = h·W + w
        centre = [float(np.mean(focus[a])) for a in "xyz"]
        assert centre == pytest.approx([2, 1, 1])
        # hover data are the page's numbers
        x = view.x.reshape(4, 6, -1)
        y = view.results[fam].output.numpy().reshape(4, 6, -1)
        for cd in points["customdata"][:5]:
            n, c, h, w = (int(v) for v in cd[:4])
            assert cd[4] == x[n, c, h * 3 + w] and cd[5] == y[n, c, h * 3 + w]
        assert all(
            a.dtype in (np.float32, np.uint16)
            for t in fig["data"]
            for a in t.values()
            if isinstance(a, np.ndarray)
        )
        assert config["toImageButtonOptions"]["filename"] == f"tensor-cube-{fam}"


def test_the_cube_grid_draws_every_cell_boundary_on_the_six_faces():
    fig, _ = cube_figure(build_view(TensorState()), "batch")
    grid = fig["data"][0]
    n, c, p = 4, 6, 9
    lines = 2 * ((c + 1) + (n + 1)) + 2 * ((c + 1) + (p + 1)) + 2 * ((n + 1) + (p + 1))
    assert len(grid["x"]) == 3 * lines
    assert np.isnan(grid["x"][2::3]).all()


def test_four_cubes_at_the_largest_tensor_stay_light():
    view = build_view(
        TensorState(batch=MAX_N, channels=MAX_C, height=MAX_SIDE, width=MAX_SIDE)
    )
    size = sum(
        len(pio.to_json(cube_figure(view, fam)[0], validate=False))
        for fam in TENSOR_FAMILIES
    )
    assert size < 800_000, size


def test_unfolded_maps_show_x_and_the_output_with_the_set_outlined():
    state = TensorState(norm="instance", focus=(2, 3, 1, 1))
    view = build_view(state)
    (raw, _), (out, _) = unfolded_figures(view, "instance")
    assert np.array_equal(raw["data"][0]["z"], view.x.reshape(4, -1))
    assert_close(
        torch.from_numpy(out["data"][0]["z"]),
        view.results["instance"].output.reshape(4, -1),
    )
    outline = next(s for s in raw["layout"]["shapes"] if s["type"] == "rect")
    # example 2, channel 3's nine positions: columns 27–35 of row 2
    assert (outline["x0"], outline["x1"], outline["y0"], outline["y1"]) == (
        26.5,
        35.5,
        1.5,
        2.5,
    )
    focus = raw["layout"]["shapes"][-1]
    assert (focus["x0"], focus["y0"]) == (3 * 9 + 4 - 0.5, 1.5)
    assert raw["layout"]["clickmode"] == "event+select"
    assert raw["data"][1]["hovertemplate"]  # the overlay carries clicks and hover


def test_pitfall_maps_outline_the_example_and_the_focused_position():
    view = build_view(TensorState(focus=(1, 2, 2, 1)))
    (gn, _), (ln, _), (diff, _) = pitfall_figures(view)
    assert np.array_equal(gn["data"][0]["z"], view.pitfall.group1)
    assert np.array_equal(diff["data"][0]["z"], view.pitfall.diff)
    gn_rect = gn["layout"]["shapes"][1]
    ln_rect = ln["layout"]["shapes"][1]
    assert (gn_rect["x0"], gn_rect["x1"]) == (-0.5, 8.5)  # every position
    assert (ln_rect["x0"], ln_rect["x1"]) == (6.5, 7.5)  # position (2, 1) only
    assert (ln_rect["y0"], ln_rect["y1"]) == (-0.5, 5.5)  # over all C channels
    zmax = gn["data"][0]["zmax"]
    assert zmax == ln["data"][0]["zmax"] == diff["data"][0]["zmax"]


def test_figures_serialize_for_every_shape_edge():
    for shape in [(1, 1, 1, 1), (MAX_N, 1, MAX_SIDE, 1), (1, MAX_C, 1, MAX_SIDE)]:
        n, c, h, w = shape
        view = build_view(TensorState(batch=n, channels=c, height=h, width=w))
        figs = [cube_figure(view, f)[0] for f in TENSOR_FAMILIES]
        figs += [f for f, _ in unfolded_figures(view, "group")]
        figs += [f for f, _ in pitfall_figures(view)]
        for fig in figs:
            json.loads(pio.to_json(fig, validate=False))


def test_numbers_print_with_a_true_minus_and_no_negative_zero():
    assert fmt(-0.0001) == "0"
    assert fmt(-1.23456) == "−1.235"
    assert fmt(2.0) == "2"
    assert fmt(float("nan")) == "NaN"
    assert fmt(12345.0) == "1.234e+04"


# ---- what the canvas component draws (assets/tensor.js) ----


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
