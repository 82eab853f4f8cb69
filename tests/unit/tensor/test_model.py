"""The Tensor view's numbers (`lab.tensor.model`), checked without a server.

Every statistic the page shows is checked against the torch.nn module a user
would write (BatchNorm2d, LayerNorm, InstanceNorm2d, GroupNorm, and LayerNorm(C)
on channels-last tokens); every set against Wu & He's (2018) definition.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from torch import nn
from torch.testing import assert_close

from lab.core.helpers import divisors
from lab.tensor.data import TensorSpec, make_tensor
from lab.tensor.model import (
    build_view,
    family_results,
    pitfall_code,
    same_sets,
    token_layer_norm,
    unfolded_rect,
)
from lab.tensor.state import (
    TENSOR_FAMILIES,
    TensorState,
)
from tests.unit.tensor.common import SHAPES, spec_of, states

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
