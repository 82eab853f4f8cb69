"""The Batch coupling page's numbers, checked against torch.nn and exact arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from torch import nn
from torch.testing import assert_close

from lab.core.norms import normalize
from lab.coupling.batch_figures import probe_heatmap, probe_range
from lab.coupling.batches import (
    class_scores,
    combine_moments,
    composition,
    per_shard_norm,
    shard_of,
    shard_sizes,
    split,
    split_batch,
    split_spread,
    sync_batch_norm,
    sync_statistics,
)
from lab.coupling.figures import spread_figure
from lab.coupling.model import (
    BATCH_GRID,
    CLASS_A,
    CLASS_B,
    FAMILIES,
    TRACES,
    Population,
    batch_labels,
    curve_sizes,
    draw_mates,
    finite_difference,
    fit_slope,
    jacobian_of_example,
    make_batch,
    normalize_many,
    probe,
    spread,
    spread_at,
    spread_curve,
)
from lab.coupling.state import PAGE, SCENARIOS, CouplingState, clean
from tests.strategies import page_states

# Loading torch's forward-mode decompositions (the probe's jacfwd) warns that
# torch.jit.script is deprecated: torch's own code, nothing this page can change.
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)
POP = Population(features=12, gap=2.0, seed=3)
PER_EXAMPLE = ("batch_eval", "layer", "rms", "group")


def torch_module(trace: str, features: int, groups: int, stats=None):
    """The torch.nn layer a trace stands for, without affine parameters."""
    if trace == "batch":
        return nn.BatchNorm1d(features, affine=False).train()
    if trace == "batch_eval":
        bn = nn.BatchNorm1d(features, affine=False).eval()
        bn.running_mean.copy_(stats[0])
        bn.running_var.copy_(stats[1])
        return bn
    if trace == "layer":
        return nn.LayerNorm(features, elementwise_affine=False)
    if trace == "rms":
        return nn.RMSNorm(features, elementwise_affine=False)
    return nn.GroupNorm(groups, features, affine=False)


# --- the population ----------------------------------------------------------


def test_population_statistics_are_the_mixture_s_exact_mean_and_variance():
    # Four equally likely points, z = ±1 and class A/B, have exactly the
    # mixture's first two moments: E z = 0, E z² = 1, classes balanced.
    z = np.array([[1.0], [-1.0], [1.0], [-1.0]]) * np.ones((4, POP.features))
    labels = np.array([CLASS_A, CLASS_A, CLASS_B, CLASS_B])
    x = torch.from_numpy(POP.compose(z, labels)).double()
    mean, var = POP.stats()
    assert_close(x.mean(0), mean.double(), rtol=1e-6, atol=1e-6)
    assert_close(x.var(0, correction=0), var.double(), rtol=1e-6, atol=1e-6)


def test_growing_the_batch_adds_examples_below_the_ones_on_screen():
    small, large = make_batch(POP, 5), make_batch(POP, 40)
    assert torch.equal(small, large[:5])
    assert list(batch_labels(4)) == [CLASS_A, CLASS_B, CLASS_A, CLASS_B]


def test_a_one_class_batch_differs_from_the_mixed_one_only_in_class():
    mixed = make_batch(POP, 6)
    one = make_batch(POP, 6, CLASS_A)
    _, scale, sign = POP.feature_params()
    assert torch.equal(mixed[0::2], one[0::2])  # class A examples untouched
    shift = torch.from_numpy((POP.gap * scale * sign).astype(np.float32))
    assert_close(one[1::2] - mixed[1::2], shift.expand(3, -1), rtol=1e-5, atol=1e-5)


def test_mates_are_cut_from_the_largest_draw():
    a = draw_mates(POP, 100, 3)
    b = draw_mates(POP, 200, 10)
    assert a.shape == (100, 3, POP.features)
    assert torch.equal(a, b[:100, :3])


@pytest.mark.parametrize(
    "kwargs",
    [{"features": 0}, {"features": 65}, {"gap": -1.0}, {"gap": float("nan")}],
)
def test_population_rejects_what_no_page_can_ask_for(kwargs):
    with pytest.raises(ValueError):
        Population(**kwargs)


# --- the resampling experiment -----------------------------------------------


@pytest.mark.parametrize("trace", TRACES)
def test_normalizing_many_batches_at_once_is_torch_nn_on_each(trace):
    torch.manual_seed(0)
    x = torch.randn(7, 5, 8) * 3 + 1  # R,B,F
    stats = (torch.randn(8), torch.rand(8) + 0.5)
    got = normalize_many(x, trace, groups=4, stats=stats)
    layer = torch_module(trace, 8, 4, stats)
    want = torch.stack([layer(xb) for xb in x])
    assert_close(got, want)


def test_normalize_many_rejects_an_unknown_trace_and_eval_without_statistics():
    x = torch.randn(2, 3, 4)
    with pytest.raises(ValueError):
        normalize_many(x, "instance")
    with pytest.raises(ValueError):
        normalize_many(x, "batch_eval")


def test_spread_is_the_root_mean_variance_across_resamples():
    y = torch.tensor([[0.0, 1.0], [2.0, 1.0], [4.0, 1.0]])  # R=3, F=2
    # var over r: feature 0 → 8/3, feature 1 → 0; mean 4/3
    assert spread(y) == pytest.approx(math.sqrt(4 / 3))
    assert spread(torch.ones(5, 3)) == 0.0


def test_per_example_families_do_not_move_at_all_whatever_the_batch():
    for b in (2, 5, 16, 64):
        point = spread_at(POP, 1, 2, b, 200, 3)
        for trace in PER_EXAMPLE:
            assert point.spread[trace] == 0.0, (b, trace)
            assert np.all(point.feature[trace] == point.feature[trace][0])
        assert point.spread["batch"] > 0.05


def test_the_spread_experiment_is_a_loop_over_batches_with_torch_nn():
    pop, example, b, r = Population(6, 1.0, 7), 2, 5, 40
    point = spread_at(pop, example, 0, b, r, 2)
    fixed = make_batch(pop, example + 1)[example]
    mates = draw_mates(pop, r, b - 1)
    bn = nn.BatchNorm1d(6, affine=False).train()
    outs = torch.stack([bn(torch.cat([fixed[None], m]))[0] for m in mates])  # R,F
    want = float(outs.double().var(0, correction=0).mean().sqrt())
    assert point.spread["batch"] == pytest.approx(want, rel=1e-5)
    assert_close(torch.from_numpy(point.feature["batch"]), outs[:, 0])


def test_batchnorm_spread_shrinks_like_one_over_root_b():
    curve = spread_curve(Population(16, 2.0, 0), 0, 0, 500, 4, 16)
    bn = curve.spreads["batch"]
    assert np.all(np.diff(bn) < 0)
    assert -0.6 < curve.slope.exponent < -0.42
    # the reference goes through BatchNorm's point at the largest batch
    assert curve.reference / math.sqrt(64) == pytest.approx(bn[-1])
    for trace in PER_EXAMPLE:
        assert np.all(curve.spreads[trace] == 0.0)
    assert curve.at is not None and curve.at.batch == 16


def test_the_curve_covers_the_grid_and_the_page_s_batch():
    assert curve_sizes(16) == BATCH_GRID
    assert curve_sizes(5) == tuple(sorted({*BATCH_GRID, 5}))
    assert curve_sizes(1) == BATCH_GRID  # no batch-mates, no point
    assert spread_curve(POP, 0, 0, 100, 3, 1).at is None


def test_the_slope_fit_recovers_an_exact_power_law():
    b = np.array(BATCH_GRID, dtype=float)
    fit = fit_slope(b, 1.7 * b**-0.5)
    assert fit.exponent == pytest.approx(-0.5)
    assert fit.constant == pytest.approx(1.7)
    assert math.isnan(fit_slope(b[:1], b[:1]).exponent)


def test_progress_is_reported_for_every_batch_size():
    steps = []
    spread_curve(POP, 0, 0, 100, 3, 7, on_step=lambda d, t: steps.append((d, t)))
    n = len(curve_sizes(7))
    assert steps == [(k, n) for k in range(1, n + 1)]


# --- the coupling probe --------------------------------------------------------


def _torch_output(family: str, training: bool, groups: int, stats):
    trace = "batch_eval" if family == "batch" and not training else family
    return torch_module(trace, POP.features, groups, stats)


@pytest.mark.parametrize(
    ("family", "training"),
    [(f, True) for f in FAMILIES] + [("batch", False)],
)
def test_the_jacobian_is_torch_nn_autograd(family, training):
    x = make_batch(POP, 6)
    stats = POP.stats()
    got = jacobian_of_example(
        x, 2, family, groups=3, training=training, stats=stats
    )  # B,F,F
    layer = _torch_output(family, training, 3, stats)

    def through_torch(row):
        return layer(torch.cat([x[:2], row[None], x[3:]]))

    want = torch.autograd.functional.jacobian(through_torch, x[2])
    assert_close(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("family", FAMILIES)
def test_the_jacobian_matches_the_closed_form_inside_the_pooled_set(family):
    # ∂ŷ_n/∂x_i = (δ_ni − 1/M − ŷ_n ŷ_i / M)/σ within one set of M cells
    # (RMSNorm: no 1/M term); exactly 0 outside it.
    x = make_batch(POP, 5).double()
    i, j, groups = 1, 4, 3
    jac = jacobian_of_example(x, i, family, groups=groups)[:, :, j]  # B,F
    r = normalize(x, family, groups=groups)
    pool = r.pooled_with((i, j))
    k = r.stat_index((i, j))
    m = int(pool.sum())
    yhat, s = r.normalized, r.std[k]
    want = torch.zeros_like(x)
    centre = 0.0 if family == "rms" else 1.0 / m
    want[pool] = (-centre - yhat[pool] * yhat[i, j] / m) / s
    want[i, j] += 1 / s
    assert_close(jac, want, rtol=1e-9, atol=1e-12)
    assert torch.equal(jac != 0, pool)


def test_finite_differences_agree_with_the_jacobian():
    x = make_batch(POP, 8)
    for family in FAMILIES:
        jac = jacobian_of_example(x, 3, family, groups=4)[:, :, 5]
        fd = finite_difference(x, (3, 5), family, groups=4)
        assert_close(fd, jac.double(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    ("family", "training", "outputs", "examples"),
    [
        ("batch", True, 10, 10),  # the column: every example, one feature
        ("batch", False, 1, 1),  # eval: the cell alone
        ("layer", True, 12, 1),  # the row
        ("rms", True, 12, 1),
        ("group", True, 4, 1),  # the group: 12 features / 3 groups
    ],
)
def test_what_moves_is_the_nudged_cell_s_normalized_set(
    family, training, outputs, examples
):
    p = probe(POP, 10, family, 3, training, (4, 5))
    assert p.moved_outputs == outputs
    assert p.moved_examples == examples
    assert p.fd_error < 1e-5
    assert p.self_effect > 0
    if examples == 1:
        assert p.other is None
    else:
        assert p.other is not None and p.other[0] != 4


def test_the_probe_outlines_the_pooled_set():
    assert probe(POP, 10, "batch", 3, True, (4, 5)).outline == (0, 9, 5, 5)
    assert probe(POP, 10, "layer", 3, True, (4, 5)).outline == (4, 4, 0, 11)
    assert probe(POP, 10, "group", 3, True, (4, 5)).outline == (4, 4, 4, 7)
    assert probe(POP, 10, "batch", 3, False, (4, 5)).outline is None


def test_a_batch_of_one_probe_moves_nothing_and_says_why():
    p = probe(POP, 1, "batch", 3, True, (0, 0))
    assert p.moved_outputs == 0 and p.self_effect == 0.0
    assert any("Expected more than 1 value" in n for n in p.notes)


def test_the_probe_colour_range_ignores_the_nudged_cell():
    col = np.array([[5.0, 0.1], [-0.2, 0.0]], dtype=np.float32)
    assert probe_range(col, (0, 0)) == pytest.approx(0.2)
    assert probe_range(np.array([[3.0]]), (0, 0)) == 3.0
    fig = probe_heatmap(col, focus=(0, 0), outline=(0, 1, 0, 0))
    assert fig["data"][0]["zmax"] == pytest.approx(0.2)
    assert fig["data"][0]["z"].dtype == np.float32
    assert len(fig["layout"]["shapes"]) == 4


# --- batch composition ------------------------------------------------------


def test_a_one_class_batch_erases_the_class_signal_under_batchnorm_only():
    comp = composition(POP, 16, 0, 3)
    a = comp.labels["one"] == comp.focus_class
    assert abs(comp.scores["batch", "one"][a].mean()) < 1e-6
    assert comp.scores["batch", "mixed"][comp.labels["mixed"] == CLASS_A].mean() > 0.3
    assert comp.focus_change["batch"] > 0.1
    for trace in PER_EXAMPLE:
        assert comp.focus_change[trace] == 0.0
        assert comp.scores[trace, "one"][0] == comp.scores[trace, "mixed"][0]


def test_class_scores_are_the_signed_feature_mean():
    y = torch.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]])
    sign = np.array([1.0, -1.0, 1.0])
    np.testing.assert_allclose(class_scores(y, sign), [2 / 3, 2 / 3], rtol=1e-12)


@pytest.mark.parametrize(("batch", "parts"), [(10, 3), (16, 4), (7, 7), (5, 1)])
def test_shards_are_cut_as_tensor_split_cuts_them(batch, parts):
    sizes = shard_sizes(batch, parts)
    want = [len(t) for t in torch.tensor_split(torch.arange(batch), parts)]
    assert list(sizes) == want
    assert [shard_of(n, sizes) for n in range(batch)] == [
        k for k, s in enumerate(sizes) for _ in range(s)
    ]
    with pytest.raises(ValueError):
        shard_sizes(batch, batch + 1)


def test_ghost_batch_norm_is_torch_batchnorm_on_each_chunk():
    x = make_batch(POP, 12)
    bn = nn.BatchNorm1d(POP.features, affine=False).train()
    want = torch.cat([bn(chunk) for chunk in x.split(4)])
    assert_close(per_shard_norm(x, 3), want)
    assert_close(per_shard_norm(x, 1), bn(x))


def test_sync_statistics_are_the_whole_batch_s_in_both_formulas():
    torch.manual_seed(1)
    x = torch.randn(11, 5) * 2 + 100  # a large mean: Σx² − Nμ² in float64
    shards = split(x, 4)
    var, mean = torch.var_mean(x.double(), dim=0, correction=0)
    s_mean, s_var = sync_statistics(shards)
    assert_close(s_mean, mean, rtol=1e-12, atol=1e-12)
    assert_close(s_var, var, rtol=1e-9, atol=1e-9)
    moments = [torch.var_mean(s.double(), dim=0, correction=0) for s in shards]
    g_mean, g_var = combine_moments(
        torch.tensor([len(s) for s in shards]),
        torch.stack([m for _, m in moments]),
        torch.stack([v for v, _ in moments]),
    )
    assert_close(g_mean, mean, rtol=1e-12, atol=1e-12)
    assert_close(g_var, var, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("devices", [1, 2, 3, 8])
def test_sync_batch_norm_is_batchnorm_on_the_concatenated_batch(devices):
    x = make_batch(POP, 10)
    want = nn.BatchNorm1d(POP.features, affine=False).train()(x)
    assert_close(sync_batch_norm(x, devices), want)
    s = split_batch(POP, 10, devices)
    assert s.sync_error < 1e-5
    assert_close(torch.from_numpy(s.synced), want)
    assert (s.shard_error > 0.05) == (devices > 1)
    assert s.counts.tolist() == list(shard_sizes(10, devices))
    assert_close(
        torch.from_numpy(s.sums.sum(0)), x.double().sum(0), rtol=1e-12, atol=1e-9
    )


def test_per_device_spread_is_the_spread_of_the_shard_s_batch_size():
    pop = Population(8, 2.0, 1)
    result = split_spread(pop, 0, 32, 200, (1, 2, 4, 8))
    for k, own in zip(result.parts, result.per_shard, strict=True):
        # same fixed example, same mates: the first shard *is* a batch of 32/k
        plain = spread_at(pop, 0, 0, 32 // k, 200, 2).spread["batch"]
        assert own == pytest.approx(plain, rel=1e-6)
    assert result.synced == pytest.approx([result.per_shard[0]] * 4, rel=1e-5)
    assert result.shard_batch == (32, 16, 8, 4)


# --- figures -----------------------------------------------------------------


def test_the_spread_figure_draws_every_trace_and_the_reference():
    curve = spread_curve(POP, 0, 0, 100, 3, 8)
    fig = spread_figure(
        curve.sizes, curve.spreads, batch=8, highlight="layer", reference=1.0
    )
    names = [t["name"] for t in fig["data"]]
    assert names[0] == "∝ 1/√B" and len(names) == 1 + len(TRACES)
    widths = {t["name"]: t["line"]["width"] for t in fig["data"][1:]}
    assert widths["LayerNorm"] > widths["RMSNorm"]
    assert all(t["y"].dtype == np.float32 for t in fig["data"])


# --- state and links -----------------------------------------------------------


def test_an_empty_link_is_the_default_view():
    state, note = PAGE.parse({})
    assert state == CouplingState() and note is None
    assert PAGE.to_params(CouplingState()) == {}


@given(page_states(PAGE))
@settings(max_examples=200, deadline=None)
def test_clean_states_satisfy_every_constraint(state):
    assert state.features % state.groups == 0
    assert state.batch % state.ghost == 0
    assert 1 <= state.devices <= state.batch
    assert 0 <= state.focus[0] < state.batch and 0 <= state.focus[1] < state.features


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_every_scenario_is_clean_matches_itself_and_has_a_short_link(scenario):
    base = PAGE.base(scenario.key)
    assert clean(base) == base
    assert PAGE.matches(base, scenario.key)
    params = PAGE.to_params(base)
    assert set(params) <= {"scenario"}
    assert PAGE.parse(params) == (base, None)


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"batch": "abc"}, "batch (not a number)"),
        ({"norm": "instance"}, "InstanceNorm needs positions"),
        ({"ghost": "5", "batch": "16"}, "ghost (must divide"),
        ({"devices": "9", "batch": "4"}, "devices (at most one per example"),
        ({"focus": "99,99"}, "focus (outside the batch)"),
        ({"view": "<script>"}, "view (not an option)"),
        ({"gap": "inf"}, "gap (not a finite number)"),
        ({"resamples": "1e9"}, "resamples (outside"),
        ({"zzz": "1"}, "unknown parameter zzz"),
    ],
)
def test_hostile_links_fall_back_with_one_note_naming_the_parameter(params, problem):
    state, note = PAGE.parse(params)
    assert note is not None and problem in note
    assert "<script>" not in note
    assert clean(state) == state


def test_changing_a_scenario_s_control_makes_it_custom_but_views_and_free_do_not():
    state, _ = PAGE.parse({"scenario": "ghost", "seed": "4", "resamples": "300"})
    assert state.scenario == "ghost"
    state, _ = PAGE.parse({"scenario": "ghost", "batch": "32"})
    assert state.scenario == "custom"
    # which panel is shown is not a scenario control (issue 12): an old link
    # with the view still opens that view, and now keeps its scenario
    state, _ = PAGE.parse({"scenario": "ghost", "view": "probe"})
    assert (state.scenario, state.view, state.batch) == ("ghost", "probe", 64)
    assert PAGE.to_params(state) == {"scenario": "ghost", "view": "probe"}
    state, _ = PAGE.parse({"scenario": "nudge_batch", "norm": "layer"})
    assert state.scenario == "custom"  # the scenario is about BatchNorm
    state, _ = PAGE.parse({"scenario": "room", "norm": "layer"})
    assert state.scenario == "room"  # the spread view only highlights a family
