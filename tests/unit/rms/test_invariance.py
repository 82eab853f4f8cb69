"""The invariance table (lab.rms.invariance): every cell against torch.nn in
float32 and float64, the paper's marks reproduced in the ε → 0 limit, and the
hostile values (c = 0, NaN, δ = 1e30, ε = 0) answered, never raised."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from lab.rms.invariance import (
    FAMILIES,
    GROUPS,
    TRANSFORMS,
    C,
    apply,
    expected,
    inputs,
    invariance_table,
)

CASES = [
    {},
    {"c": -1.0},
    {"c": 1e-3},
    {"c": 10.0, "delta": -10.0},
    {"c": 0.5, "delta": 100.0, "eps": 1e-3},
    {"c": 1e6, "delta": 0.1, "eps": 1e-12},
]


def torch_norm(family: str, eps: float | None, dtype: torch.dtype):
    """The torch.nn module (or functional) for a family, γ = 1, β = 0."""
    e = 1e-5 if eps is None else eps
    if family == "batch":
        return lambda x: nn.functional.batch_norm(x, None, None, training=True, eps=e)
    if family == "layer":
        return nn.LayerNorm(C, eps=e, dtype=dtype)
    if family == "rms":
        return nn.RMSNorm(C, eps=eps, dtype=dtype)
    return nn.GroupNorm(GROUPS, C, eps=e, dtype=dtype)


def torch_change(key, family, c, delta, eps, dtype, seed=0) -> float:
    h, w = inputs(seed, dtype)
    norm = torch_norm(family, eps, dtype)
    with torch.no_grad():
        y, y2 = norm(h @ w.T), norm(apply(key, h, w, c, delta))
    return float((y2 - y).abs().max())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_every_cell_is_torch_nn_s_change(case, dtype):
    table = invariance_table(dtype=dtype, **case)
    dt = getattr(torch, dtype)
    checked = 0
    for t in TRANSFORMS:
        for f in FAMILIES:
            cell = table.cell(t.key, f)
            ref = torch_change(
                t.key, f, table.c, table.delta, table.eps, dt, table.seed
            )
            checked += 1
            if "precision" in cell.reasons:
                # the dtype lost the data: both moved, each by its own rounding
                assert cell.change > cell.tol and ref > cell.tol, (t.key, f)
                continue
            assert abs(cell.change - ref) <= 2 * cell.tol + 1e-5 * ref, (t.key, f)
    assert checked == len(TRANSFORMS) * len(FAMILIES)


@pytest.mark.parametrize("c", [2.0, 0.5, 10.0])
def test_with_eps_to_zero_the_live_table_is_the_paper_s(c):
    """Zhang & Sennrich's (2019) Table 1 is exact arithmetic: in float64 with
    ε → 0 every cell the paper has reads its mark (✓: rounding at most)."""
    table = invariance_table(c=c, delta=1.0, eps=0.0, dtype="float64")
    compared = 0
    for t in TRANSFORMS:
        if t.paper is None:
            continue
        for f, mark in t.paper.items():
            cell = table.cell(t.key, f)
            invariant = cell.limit <= cell.tol  # BatchNorm: ε = smallest normal
            assert invariant == mark, (t.key, f, cell)
            compared += 1
    assert compared == 18  # six rows of the paper × BN, LN, RMS


def test_groupnorm_and_the_extra_row_follow_exact_arithmetic():
    table = invariance_table(c=2.0, delta=1.0, eps=0.0, dtype="float64")
    for t in TRANSFORMS:
        for f in ("layer", "rms", "group"):
            cell = table.cell(t.key, f)
            assert (cell.verdict == "✓") == t.theory(f, 2.0) == expected(t, f)


def test_default_eps_shows_as_approximately_in_float64():
    table = invariance_table(dtype="float64")
    cell = table.cell("example_scale", "layer")
    assert cell.verdict == "≈" and cell.reasons == ("eps",)
    assert 1e-7 < cell.change < 1e-3 and cell.limit <= cell.tol
    assert table.cell("example_scale", "rms").verdict == "✓"  # ε = 2.2e-16


def test_a_tiny_scale_lets_eps_decide():
    table = invariance_table(c=1e-3)
    for f in ("layer", "rms", "group"):
        cell = table.cell("example_scale", f)
        assert cell.verdict == "✗" and cell.reasons == ("eps",), f
    exact = invariance_table(c=1e-3, eps=0.0, dtype="float64")
    assert exact.cell("example_scale", "layer").verdict == "✓"


def test_a_negative_scale_flips_signs():
    table = invariance_table(c=-1.0)
    h, w = inputs(0, torch.float32)
    x = h @ w.T
    y = nn.LayerNorm(C)(x)
    y2 = nn.LayerNorm(C)(apply("example_scale", h, w, -1.0, 0.0))
    assert torch.allclose(y2[0], -y[0], atol=1e-5)
    for f in ("layer", "rms", "group"):
        cell = table.cell("example_scale", f)
        assert cell.verdict == "✗" and cell.flipped and "sign" in cell.reasons
    assert "sign" in table.cell("feature_scale", "batch").reasons
    assert "sign" not in table.cell("feature_scale", "layer").reasons


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_c_zero_is_answered_and_explained(dtype):
    table = invariance_table(c=0.0, dtype=dtype)
    for t in TRANSFORMS:
        for f in FAMILIES:
            cell = table.cell(t.key, f)
            if t.uses == "c":
                assert cell.reasons == ("zero",) and cell.verdict == "✗"
                assert math.isfinite(cell.change)


def test_c_zero_with_eps_zero_is_nan_and_said():
    table = invariance_table(c=0.0, eps=0.0, dtype="float64")
    cell = table.cell("example_scale", "layer")
    assert math.isnan(cell.change) and cell.reasons == ("zero",)
    assert table.cell("example_scale", "batch").verdict == "refused"
    shifted = invariance_table(delta=1e30, eps=0.0)  # x₀ + δ: all equal, 0/0
    assert shifted.cell("example_shift", "layer").reasons == ("nan_out",)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_c_and_delta_give_nan_cells_not_errors(bad):
    for kw in ({"c": bad}, {"delta": bad}):
        table = invariance_table(**kw)
        uses = "c" if "c" in kw else "delta"
        for t in TRANSFORMS:
            cell = table.cell(t.key, "layer")
            if t.uses == uses:
                assert cell.verdict == "✗" and cell.reasons == ("nan",)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_shift_beyond_the_dtype_is_precision_not_the_norm(dtype):
    table = invariance_table(delta=1e30, dtype=dtype)
    for key, f in (("example_shift", "layer"), ("batch_shift", "batch")):
        cell = table.cell(key, f)
        assert cell.verdict == "✗" and cell.reasons == ("precision",), (key, f)
    small = invariance_table(delta=1e8, dtype="float64")
    assert small.cell("example_shift", "layer").reasons == ("precision",)
    assert invariance_table(delta=1e8, dtype="float32").cell(
        "example_shift", "layer"
    ).reasons == ("precision",)


def test_eps_zero_refuses_batchnorm_as_torch_does():
    with pytest.raises(ValueError, match="eps must be positive"):
        nn.functional.batch_norm(torch.randn(4, 3), None, None, training=True, eps=0.0)
    table = invariance_table(eps=0.0)
    for t in TRANSFORMS:
        assert table.cell(t.key, "batch").verdict == "refused"


def test_the_identity_changes_nothing():
    table = invariance_table(c=1.0, delta=0.0)
    for cell in table.cells.values():
        assert cell.change == 0 and cell.verdict == "✓"
        assert cell.reasons == ("identity",)
