"""The Tensor view's pictures as Plotly figures for notebooks
(`lab.tensor.figures`): the set, the focus and the numbers the page shows."""

from __future__ import annotations

import json

import numpy as np
import plotly.io as pio
import pytest
import torch
from torch.testing import assert_close

from lab.core.helpers import fmt
from lab.tensor.data import MAX_C, MAX_N, MAX_SIDE
from lab.tensor.figures import cube_figure, pitfall_figures, unfolded_figures
from lab.tensor.model import (
    build_view,
)
from lab.tensor.state import (
    TENSOR_FAMILIES,
    TensorState,
)

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
