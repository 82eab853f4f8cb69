"""The "Why normalize" page's runs, measurements, words and links, without a server.

Runs here are tiny (a few layers, a few steps); the full default sweep belongs in
bench/why_sweep.py. The batched sweep is checked against training each network
alone with torch.optim.SGD, the landscape probes against plain autograd, the
BatchNorm layer against the lab's engine, and the shipped default results
against a fresh recomputation.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import replace
from types import MappingProxyType

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.func import functional_call
from torch.testing import assert_close

from lab.norms import normalize
from lab.texts import why as T
from lab.ui.figure import encode
from lab.why import (
    BATCHES,
    DEFAULT_SCENARIO,
    MAX_WORK,
    MEASURES,
    NUMERIC,
    SEEDS,
    WIDTHS,
    WhyState,
    both_train,
    classify,
    compare,
    compare_at,
    default_state,
    effective_beta,
    gradient_change,
    highest_spread,
    landscape,
    landscape_series,
    landscape_verdict,
    loss_variation,
    lr_label,
    lr_verdict,
    matches_scenario,
    noise_verdict,
    parse,
    rates_hint,
    scenario_base,
    seed_row,
    seed_sentence,
    seed_table_for,
    settle,
    summary_rows,
    sweep_work,
    to_params,
    xiong_verdict,
)
from lab.why_cache import (
    SHIPPED,
    RunStore,
    preload,
    seed_table,
    sweep_key,
    xiong_key,
)
from lab.why_figures import (
    curves_figure,
    landscape_figure,
    lr_figure,
    running_mean,
    unit_figure,
    xiong_depth_figure,
    xiong_layers_figure,
)
from lab.why_models import (
    CLASSES,
    INPUTS,
    VARIANTS,
    NoisyShift,
    build_mlp,
    build_stack,
    draw_noise,
    make_task,
    noise_layers,
    probe_index,
    stack_batch,
)
from lab.why_runs import (
    LR_GRID,
    PROBE_EVERY,
    PROBE_SIZES,
    QUANTILES,
    XIONG_DEPTHS,
    Sweep,
    SweepConfig,
    VariantRun,
    XiongResult,
    last_layer_factors,
    layer_grad_norms,
    load_extra,
    load_results,
    probe_along_gradient,
    run_sweep,
    save_results,
    xiong_sweep,
)
from tests.app.figures import unpack

TINY = SweepConfig(depth=3, width=8, steps=12, batch=16, noise=1.0, seed=5)
LRS = (0.05, 0.5)


@pytest.fixture(autouse=True)
def one_thread():
    """Reference computations run on one thread, as the sweep does."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# ---- models and data ----


def test_each_variant_is_linear_norm_relu_blocks_of_torch_nn_modules():
    expected = {
        "none": [],
        "batch": [nn.BatchNorm1d],
        "layer": [nn.LayerNorm],
        "rms": [nn.RMSNorm],
        "noisy": [nn.BatchNorm1d, NoisyShift],
    }
    for variant, norms in expected.items():
        model = build_mlp(3, 8, variant, "he", 0)
        kinds = [type(m) for m in model]
        block = [nn.Linear, *norms, nn.ReLU]
        assert kinds == block * 3 + [nn.Linear], variant
        assert model[0].in_features == INPUTS and model[-1].out_features == CLASSES


def test_every_variant_starts_from_the_same_linear_weights():
    def linears(v):
        return [
            m.weight for m in build_mlp(4, 16, v, "he", 3) if isinstance(m, nn.Linear)
        ]

    base = linears("none")
    for v in VARIANTS:
        for a, b in zip(base, linears(v), strict=True):
            assert torch.equal(a, b)
    other_seed = build_mlp(4, 16, "none", "he", 4)[0].weight
    assert not torch.equal(base[0], other_seed)


def test_he_init_has_the_relu_preserving_variance_and_torch_init_a_third_of_it():
    he = build_mlp(2, 512, "none", "he", 0)[2].weight.detach()  # 512×512
    default = build_mlp(2, 512, "none", "torch", 0)[2].weight.detach()
    assert float(he.var()) == pytest.approx(2 / 512, rel=0.02)
    assert float(default.var()) == pytest.approx(1 / (3 * 512), rel=0.02)


def test_building_a_model_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build_mlp(3, 8, "batch", "torch", 0)
    build_stack(2, True, 0)
    assert torch.equal(torch.rand(3), expected)


def test_the_task_is_seeded_and_its_baseline_is_the_label_entropy():
    a, b, c = make_task(1), make_task(1), make_task(2)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, c.x)
    p = torch.bincount(a.y, minlength=CLASSES).double() / len(a.y)
    assert a.baseline == pytest.approx(float(-(p * p.log()).sum()))
    assert 0 < a.baseline <= math.log(CLASSES)
    assert (p > 0.1).all()  # every class is well represented


def test_the_mlp_batchnorm_layer_computes_what_the_lab_engine_computes():
    model = build_mlp(2, 8, "batch", "he", 0).train()
    x = make_task(0).x[:32]
    h = model[0](x)  # B,W  pre-norm activations
    out = model[1](h)
    assert_close(out, normalize(h, "batch").output)


def test_noisy_shift_is_a_per_feature_affine_in_training_and_identity_in_eval():
    layer = NoisyShift(4)
    g = torch.Generator().manual_seed(0)
    scale, shift = draw_noise(4, 1.0, g)
    layer.scale.copy_(scale)
    layer.shift.copy_(shift)
    x = torch.randn(5, 4)
    assert_close(layer.train()(x), x * scale + shift)
    assert torch.equal(layer.eval()(x), x)


def test_noise_bounds_follow_the_level():
    g = torch.Generator().manual_seed(0)
    scale, shift = draw_noise(10_000, 2.0, g)
    assert float(shift.abs().max()) <= 2.0 and float(shift.abs().max()) > 1.9
    assert float(scale.min()) >= math.exp(-1) and float(scale.max()) <= math.exp(1)
    zero_scale, zero_shift = draw_noise(10, 0.0, g)
    assert torch.equal(zero_scale, torch.ones(10))
    assert torch.equal(zero_shift, torch.zeros(10))


def test_the_probe_slice_ends_after_the_middle_blocks_norm():
    model = build_mlp(4, 8, "noisy", "he", 0)
    cut = probe_index(model)
    assert isinstance(model[cut], nn.ReLU)
    assert isinstance(model[cut - 1], NoisyShift)
    assert noise_layers(model) == ["2", "6", "10", "14"]
    assert noise_layers(build_mlp(4, 8, "batch", "he", 0)) == []


# ---- the sweep against plain torch training ----


def reference_losses(config: SweepConfig, variant: str, lr: float) -> list[float]:
    """Train one network the textbook way: nn.Module, torch.optim.SGD."""
    task = make_task(config.seed)
    model = build_mlp(config.depth, config.width, variant, config.init, config.seed)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    batches = torch.Generator().manual_seed(config.seed + 2)
    noise = torch.Generator().manual_seed(config.seed + 3)
    layers = [m for m in model if isinstance(m, NoisyShift)]
    losses = []
    for _ in range(config.steps):
        idx = torch.randint(0, len(task.y), (config.batch,), generator=batches)
        for layer in layers:
            scale, shift = draw_noise(config.width, config.noise, noise)
            layer.scale.copy_(scale)
            layer.shift.copy_(shift)
        loss = nn.functional.cross_entropy(model(task.x[idx]), task.y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_batched_sweep_equals_training_each_network_alone(variant):
    sweep = run_sweep(TINY, variants=(variant,), lrs=LRS)
    for i, lr in enumerate(LRS):
        expected = torch.tensor(reference_losses(TINY, variant, lr))
        got = torch.from_numpy(sweep.runs[variant].losses[:, i])
        assert_close(got, expected, rtol=2e-5, atol=2e-6)


def test_landscape_probes_are_the_loss_and_gradient_after_moving_along_the_gradient():
    config = replace(TINY, steps=1)
    lr = 0.3
    sweep = run_sweep(config, variants=("batch",), lrs=(lr,))
    run = sweep.runs["batch"]
    task = make_task(config.seed)
    idx = torch.randint(
        0,
        len(task.y),
        (config.batch,),
        generator=torch.Generator().manual_seed(config.seed + 2),
    )
    x, y = task.x[idx], task.y[idx]
    model = build_mlp(config.depth, config.width, "batch", "he", config.seed).train()
    params = dict(model.named_parameters())
    buffers = {k: v.clone() for k, v in model.named_buffers()}

    def loss_grad(p):
        p = {k: v.detach().requires_grad_() for k, v in p.items()}
        out = functional_call(model, (p, {k: v.clone() for k, v in buffers.items()}), x)
        loss = nn.functional.cross_entropy(out, y)
        return loss, torch.autograd.grad(loss, list(p.values()))

    loss0, g0 = loss_grad(params)
    assert float(run.losses[0, 0]) == pytest.approx(loss0.item(), rel=1e-5)
    gnorm = math.sqrt(sum(float(g.pow(2).sum()) for g in g0))
    assert float(run.grad_norm[0, 0]) == pytest.approx(gnorm, rel=1e-5)
    for c_i, c in enumerate(PROBE_SIZES):
        moved = {
            k: v - c * lr * g for (k, v), g in zip(params.items(), g0, strict=True)
        }
        loss_c, g_c = loss_grad(moved)
        diff = math.sqrt(
            sum(float((a - b).pow(2).sum()) for a, b in zip(g_c, g0, strict=True))
        )
        assert float(run.probe_loss[0, 0, c_i]) == pytest.approx(
            loss_c.item(), rel=1e-5
        )
        assert float(run.probe_gdiff[0, 0, c_i]) == pytest.approx(diff, rel=1e-4)
    acts = model[: probe_index(model)](x)[:, 0]  # B  unit 0 of the middle block
    expected_q = torch.quantile(acts.detach(), torch.tensor(QUANTILES))
    assert_close(torch.from_numpy(run.unit[0, 0]), expected_q, rtol=1e-5, atol=1e-6)


def test_the_same_arguments_give_the_same_numbers_and_a_new_seed_new_ones():
    a = run_sweep(TINY, variants=("noisy",), lrs=LRS)
    b = run_sweep(TINY, variants=("noisy",), lrs=LRS)
    c = run_sweep(replace(TINY, seed=6), variants=("noisy",), lrs=LRS)
    assert np.array_equal(a.runs["noisy"].losses, b.runs["noisy"].losses)
    assert np.array_equal(a.runs["noisy"].probe_gdiff, b.runs["noisy"].probe_gdiff)
    assert not np.array_equal(a.runs["noisy"].losses, c.runs["noisy"].losses)


def test_a_runs_first_steps_do_not_depend_on_how_many_follow():
    full = run_sweep(TINY, variants=("layer",), lrs=LRS).runs["layer"]
    head = run_sweep(TINY, variants=("layer",), lrs=LRS, until=5).runs["layer"]
    assert head.losses.shape == (5, len(LRS))
    assert np.array_equal(head.losses, full.losses[:5])
    assert np.array_equal(head.probe_loss, full.probe_loss[: len(head.probe_steps)])


def test_a_diverging_run_is_stopped_recorded_and_never_counts_as_training():
    sweep = run_sweep(replace(TINY, steps=20), variants=("none",), lrs=(0.05, 1e4))
    run = sweep.runs["none"]
    assert run.diverged_at[0] == -1
    d = int(run.diverged_at[1])
    assert 0 <= d < 20
    assert np.isnan(run.losses[d + 1 :, 1]).all()
    assert not np.isfinite(run.losses[d, 1]) or run.losses[d, 1] > 100
    assert np.isnan(sweep.final_loss("none")[1])
    assert not sweep.trains("none")[1]
    assert sweep.highest_lr("none") in (None, 0.05)


def test_trains_means_never_diverged_and_half_the_baseline():
    sweep = fake_sweep({"none": [1.3, 0.5, 0.7, None]})
    assert sweep.threshold == pytest.approx(0.5 * sweep.baseline)
    assert sweep.trains("none").tolist() == [False, True, False, False]
    assert sweep.highest_lr("none") == LR_GRID[1]
    assert sweep.best("none") == (LR_GRID[1], pytest.approx(0.5))


def test_a_progress_callback_that_raises_abandons_the_sweep():
    calls = []

    def stop(fraction: float, message: str) -> None:
        calls.append(fraction)
        if len(calls) == 3:
            raise KeyboardInterrupt("a control changed")

    with pytest.raises(KeyboardInterrupt):
        run_sweep(TINY, progress=stop)
    assert calls == sorted(calls) and calls[-1] < 1
    assert torch.get_num_threads() == 1  # restored to the fixture's count


def test_progress_reaches_one_at_the_end():
    seen = []
    run_sweep(
        TINY, variants=("none", "batch"), lrs=LRS, progress=lambda f, m: seen.append(f)
    )
    assert seen[-1] == pytest.approx(1.0)
    assert len(seen) == 2 * TINY.steps


def test_the_sweep_refuses_unknown_variants_and_bad_configs():
    with pytest.raises(ValueError):
        run_sweep(TINY, variants=("group",))
    for bad in ({"init": "xavier"}, {"noise": float("nan")}, {"depth": 0}):
        with pytest.raises(ValueError):
            replace(TINY, **bad)


# ---- the shipped default results ----


def test_the_shipped_results_are_what_the_code_produces_for_the_default_view():
    shipped, xiong = load_results(SHIPPED)
    assert shipped.config == default_state().config
    assert shipped.lrs == LR_GRID
    assert tuple(shipped.runs) == VARIANTS
    k = 20
    fresh = run_sweep(shipped.config, variants=("none", "batch", "noisy"), until=k)
    for v, run in fresh.runs.items():
        old = shipped.runs[v]
        p = len(run.probe_steps)
        assert_close(run.losses, old.losses[:k], rtol=1e-5, atol=1e-6, equal_nan=True)
        assert np.array_equal(
            run.diverged_at >= 0, (old.diverged_at >= 0) & (old.diverged_at < k)
        )
        for name in ("probe_loss", "probe_gdiff", "grad_norm", "unit"):
            assert_close(
                getattr(run, name),
                getattr(old, name)[:p],
                rtol=1e-4,
                atol=1e-6,
                equal_nan=True,
            )
    assert fresh.baseline == pytest.approx(shipped.baseline, rel=1e-12)
    small = xiong_sweep(xiong.seed, depths=(2, 4))
    for depth in (2, 4):
        for form in ("post", "pre"):
            assert_close(
                small.layers(depth, form),
                xiong.layers(depth, form),
                rtol=1e-5,
                atol=1e-7,
            )


def test_results_survive_a_round_trip_through_npz(tmp_path):
    sweep = run_sweep(TINY, variants=("none", "rms"), lrs=LRS)
    xiong = xiong_sweep(0, depths=(2, 4), repeats=1)
    path = tmp_path / "r.npz"
    save_results(path, sweep, xiong)
    back, xback = load_results(path)
    assert back.config == sweep.config and back.lrs == sweep.lrs
    for v in sweep.runs:
        for name in ("losses", "diverged_at", "probe_loss", "probe_gdiff", "unit"):
            assert np.array_equal(
                getattr(back.runs[v], name),
                getattr(sweep.runs[v], name),
                equal_nan=True,
            )
    assert np.array_equal(xback.post, xiong.post, equal_nan=True)
    with np.load(path, allow_pickle=False) as data:  # plain arrays, no pickle
        assert all(data[k].dtype != object for k in data.files)


# ---- Xiong et al.: the transformer stacks ----


def _encoder_layer_by_hand(layer: nn.TransformerEncoderLayer, x, norm_first: bool):
    """One encoder layer with its LayerNorms computed by the lab's engine."""
    d = x.shape[-1]

    def ln(norm, h):
        out = normalize(h.reshape(-1, d), "layer", gamma=norm.weight, beta=norm.bias)
        return out.output.reshape(h.shape)

    def sa(h):
        return layer.self_attn(h, h, h, need_weights=False)[0]

    def ff(h):
        return layer.linear2(torch.relu(layer.linear1(h)))

    if norm_first:
        x = x + sa(ln(layer.norm1, x))
        return x + ff(ln(layer.norm2, x))
    x = ln(layer.norm1, x + sa(x))
    return ln(layer.norm2, x + ff(x))


@pytest.mark.parametrize("norm_first", [False, True], ids=["post", "pre"])
def test_the_stacks_put_layernorm_where_post_and_pre_norm_put_it(norm_first):
    stack = build_stack(3, norm_first, seed=1)
    x, _ = stack_batch(1)
    h = x
    for layer in stack[0].layers:
        h = _encoder_layer_by_hand(layer, h, norm_first)
    if norm_first:  # pre-norm ends with a final LayerNorm
        final = stack[0].norm
        h = normalize(
            h.reshape(-1, h.shape[-1]), "layer", gamma=final.weight, beta=final.bias
        ).output.reshape(h.shape)
    assert_close(stack(x), stack[1](h), rtol=1e-4, atol=1e-5)


def test_stack_layers_are_drawn_independently_and_both_forms_share_them():
    post, pre = build_stack(4, False, 2), build_stack(4, True, 2)
    w = [layer.linear2.weight for layer in post[0].layers]
    assert not torch.equal(w[0], w[1])  # not nn.TransformerEncoder's deep copies
    pairs = [(post[0].layers, pre[0].layers), (post[1], pre[1])]
    for a_mod, b_mod in pairs:
        for a, b in zip(a_mod.parameters(), b_mod.parameters(), strict=True):
            assert torch.equal(a, b)
    fan_in, fan_out = w[0].shape[1], w[0].shape[0]
    std = torch.cat([x.flatten() for x in w]).std()
    assert std.item() == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.05)


def test_layer_grad_norms_are_the_ffn_output_weight_gradients():
    stack = build_stack(3, True, 4)
    x, y = stack_batch(4)
    loss = nn.functional.cross_entropy(stack(x).flatten(0, 1), y.flatten())
    loss.backward()
    expected = [float(layer.linear2.weight.grad.norm()) for layer in stack[0].layers]
    assert_close(torch.from_numpy(layer_grad_norms(3, True, 4)), torch.tensor(expected))


def test_xiong_sweep_averages_repeats_and_pads_shallow_stacks_with_nan():
    res = xiong_sweep(0, depths=(2, 4), repeats=2)
    assert res.post.shape == (2, 4)
    assert np.isnan(res.post[0, 2:]).all() and np.isfinite(res.post[1]).all()
    by_hand = np.mean([layer_grad_norms(4, True, r) for r in (0, 1)], axis=0)
    assert_close(torch.from_numpy(res.layers(4, "pre")), torch.from_numpy(by_hand))
    assert res.last("post").tolist() == [res.post[0, 1], res.post[1, 3]]


# ---- the run store ----


def test_the_store_keeps_finished_results_and_nothing_abandoned():
    store = RunStore(max_entries=2)
    calls = []

    def compute(progress):
        calls.append(1)
        progress(0.5, "half")
        return "result"

    assert store.fetch("a", compute, lambda f, m: None) == "result"
    assert store.fetch("a", compute, lambda f, m: None) == "result"
    assert len(calls) == 1

    def interrupted(f, m):
        if f == 0.5:
            raise RuntimeError("rerun")

    with pytest.raises(RuntimeError):
        store.fetch("b", compute, interrupted)
    assert store.get("b") is None
    assert store.fetch("b", compute, lambda f, m: None) == "result"  # lock released
    store.put("c", "x")
    assert store.get("a") is None and len(store) == 2  # bounded, oldest out


def test_sessions_asking_for_the_same_run_share_one_computation():
    store = RunStore(poll=0.01)
    started, release = threading.Event(), threading.Event()
    computed, mirrored = [], []

    def compute(progress):
        computed.append(1)
        progress(0.25, "quarter")
        started.set()
        release.wait(5)
        return "shared"

    out = {}
    first = threading.Thread(
        target=lambda: out.setdefault(
            "first", store.fetch("k", compute, lambda f, m: None)
        )
    )
    first.start()
    started.wait(5)

    def waiting_report(f, m):
        mirrored.append((f, m))
        if len(mirrored) >= 3:
            release.set()

    out["second"] = store.fetch("k", compute, waiting_report)
    first.join(5)
    assert out == {"first": "shared", "second": "shared"}
    assert computed == [1]
    assert (0.25, "quarter") in mirrored


def test_a_waiting_session_can_be_interrupted_and_other_keys_wait_their_turn():
    store = RunStore(poll=0.01)
    started, release = threading.Event(), threading.Event()

    def slow(progress):
        started.set()
        release.wait(5)
        return 1

    t = threading.Thread(target=store.fetch, args=("a", slow, lambda f, m: None))
    t.start()
    started.wait(5)
    seen = []

    def report(f, m):
        seen.append(m)
        raise RuntimeError("user moved on")

    with pytest.raises(RuntimeError):
        store.fetch("b", lambda p: 2, report)
    assert seen == ["Waiting for a run another visitor started…"]
    release.set()
    t.join(5)
    assert store.get("a") == 1 and store.get("b") is None


def test_preload_puts_the_shipped_results_under_their_keys():
    store = RunStore()
    sweep, xiong = preload(store)
    assert store.get(sweep_key(default_state().config)) is sweep
    for scenario in T.SCENARIOS:  # every scenario's seed-0 view ships ready
        assert store.get(sweep_key(scenario_base(scenario.key).config)) is not None
    assert store.get(xiong_key(0)) is xiong


def test_shipped_results_are_never_evicted_however_many_runs_follow():
    store = RunStore(max_entries=3)
    sweep, xiong = preload(store)
    shipped = [sweep_key(scenario_base(s.key).config) for s in T.SCENARIOS]
    for k in range(50):  # a class trying fifty settings
        store.put(("sweep", k), k)
    assert store.get(sweep_key(default_state().config)) is sweep
    assert all(store.get(key) is not None for key in shipped)
    assert store.get(xiong_key(0)) is xiong
    assert store.get(("sweep", 0)) is None and store.get(("sweep", 49)) == 49
    store.put(sweep_key(sweep), "again")  # a pinned key stays pinned
    for k in range(50, 60):
        store.put(("sweep", k), k)
    assert store.get(sweep_key(sweep)) == "again"


# ---- state and links ----


def test_an_empty_link_is_the_default_view():
    # Changed on purpose (issue 12): the default view is the 6-layer scenario,
    # where the effect shows in every seed; "deep" (WhyState's field defaults)
    # now has a link of its own.
    state, note = parse({})
    assert state == default_state() and note is None
    assert state.scenario == DEFAULT_SCENARIO and state.depth == 6
    assert to_params(default_state()) == {}
    assert to_params(WhyState()) == {"scenario": "deep"}
    assert parse({"scenario": "deep"})[0] == WhyState()
    assert state.lr in LR_GRID and state.blocks in XIONG_DEPTHS


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"lr": "1"}, {"depth": 10, "lr": 1.0, "scenario": "deep"}),
        ({"blocks": "24"}, {"depth": 10, "blocks": 24}),
        ({"seed": "3", "steps": "200"}, {"depth": 10, "seed": 3, "steps": 200}),
        ({"depth": "6"}, {"depth": 6, "scenario": "custom", "width": 64}),
        ({"scenario": "deeper", "lr": "0.1"}, {"depth": 20, "lr": LR_GRID[2]}),
    ],
)
def test_links_written_before_the_default_changed_open_the_same_view(params, expected):
    """Before issue 12 an empty scenario meant "deep" (10 layers); links then
    left it out. A link with parameters still means "deep" plus them."""
    state, note = parse(params)
    assert note is None
    for name, value in expected.items():
        assert getattr(state, name) == value
    assert parse(to_params(state))[0] == state


@st.composite
def states(draw):
    values = {}
    for name, spec in NUMERIC.items():
        hi = min(spec.hi, spec.lo + 500 * spec.step)
        k = draw(st.integers(0, round((hi - spec.lo) / spec.step)))
        values[name] = spec.snap(spec.lo + k * spec.step)
    values["width"] = draw(st.sampled_from(WIDTHS))
    values["batch"] = draw(st.sampled_from(BATCHES))
    values["lr"] = draw(st.sampled_from(LR_GRID))
    values["init"] = draw(st.sampled_from(["he", "torch"]))
    values["scenario"] = draw(st.sampled_from(["custom", *T.SCENARIO_BY_KEY]))
    return settle(WhyState(**values))


@settings(max_examples=200, deadline=None)
@given(states())
def test_every_valid_state_round_trips_through_its_link(state):
    params = to_params(state)
    back, note = parse(params)
    assert note is None
    assert back == state


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=50), max_size=6))
def test_any_link_parses_to_a_valid_state(params):
    state, _ = parse(params)
    assert isinstance(state.config, SweepConfig)  # a valid config, or this raises
    assert state.lr in LR_GRID and state.blocks in XIONG_DEPTHS
    assert state.width in WIDTHS and state.batch in BATCHES


@pytest.mark.parametrize("key", list(T.SCENARIO_BY_KEY))
def test_each_scenario_link_is_one_parameter_and_changing_the_seed_keeps_it(key):
    base = scenario_base(key)
    assert matches_scenario(base, key)
    expected = {} if key == DEFAULT_SCENARIO else {"scenario": key}
    assert to_params(base) == expected
    assert settle(replace(base, seed=9, lr=LR_GRID[0])).scenario == key
    assert (
        settle(
            replace(base, depth=base.depth % 20 + 1 if base.depth < 20 else 4)
        ).scenario
        == "custom"
    )


@pytest.mark.parametrize(
    ("params", "expected", "problem"),
    [
        ({"lr": "0.32"}, {"lr": LR_GRID[3]}, None),
        ({"lr": "0.5"}, {"lr": LR_GRID[3]}, "lr (snapped to 0.32)"),
        ({"lr": "-1"}, {}, "lr (must be a positive number)"),
        ({"width": "100"}, {"width": 128}, "width (snapped to 128)"),
        ({"depth": "99"}, {"depth": 20}, "depth (outside 4–20, clamped)"),
        ({"blocks": "7"}, {"blocks": 6}, "blocks (rounded to 6)"),
        ({"steps": "nan"}, {}, "steps (not a finite number)"),
        ({"init": "<b>x</b>"}, {}, "init (not an option)"),
        (
            {"scenario": "deeper", "depth": "5"},
            {"depth": 5, "scenario": "custom"},
            None,
        ),
    ],
)
def test_hostile_or_sloppy_links_fall_back_with_one_note(params, expected, problem):
    state, note = parse(params)
    for name, value in expected.items():
        assert getattr(state, name) == value
    if problem is None:
        assert note is None
    else:
        assert problem in note and "<b>" not in note


def test_sweep_work_is_relative_to_the_default_and_grows_with_every_setting():
    assert sweep_work(SweepConfig()) == 1.0
    for change in ({"steps": 300}, {"depth": 20}, {"width": 128}, {"batch": 256}):
        assert sweep_work(replace(SweepConfig(), **change)) > 1.0
    for key in T.SCENARIO_BY_KEY:
        assert sweep_work(scenario_base(key).config) <= MAX_WORK
    heavy = SweepConfig(depth=20, width=128, batch=256, steps=400)
    assert sweep_work(heavy) > MAX_WORK


# ---- what the page says ----


def fake_sweep(finals: dict, baseline: float = 1.38) -> Sweep:
    """A sweep whose runs end at the given losses (None: diverged at step 3)."""
    runs = {}
    for v, values in finals.items():
        g = len(values)
        losses = np.array(
            [[np.nan if x is None else x for x in values]] * 10, dtype=np.float32
        )
        diverged = np.array([3 if x is None else -1 for x in values])
        p = np.full((1, g, len(PROBE_SIZES)), 0.5, dtype=np.float32)
        runs[v] = VariantRun(
            variant=v,
            losses=losses,
            diverged_at=diverged,
            probe_steps=np.zeros(1, dtype=np.int64),
            probe_loss=p,
            probe_gdiff=p,
            grad_norm=np.ones((1, g), dtype=np.float32),
            unit=np.zeros((1, g, 3), dtype=np.float32),
        )
    return Sweep(
        config=SweepConfig(),
        lrs=LR_GRID[: len(next(iter(finals.values())))],
        baseline=baseline,
        runs=MappingProxyType(runs),
    )


def test_the_verdict_says_when_a_norm_raises_the_ceiling_and_when_it_does_not():
    sweep = fake_sweep(
        {
            "none": [0.4, 0.4, None, None],
            "batch": [0.4, 0.4, 0.4, 0.4],
            "layer": [0.4, 0.4, None, None],
            "rms": [0.4, None, None, None],
        }
    )
    level, text = lr_verdict(sweep)
    assert level == "success"
    assert f"highest rate that trains is {lr_label(LR_GRID[1])}" in text
    assert f"BatchNorm trains up to {lr_label(LR_GRID[3])}: 10× no norm's" in text
    assert "LayerNorm does not raise the ceiling here" in text
    assert "RMSNorm does worse here" in text


def test_the_verdict_is_a_warning_when_no_norm_wins():
    sweep = fake_sweep({"none": [0.4, 0.4], "batch": [0.4, 1.3], "layer": [1.3, 1.3]})
    level, text = lr_verdict(sweep)
    assert level == "warning"
    assert "LayerNorm trains at no rate here" in text
    assert "BatchNorm does worse here" in text


def test_the_verdict_when_nothing_trains_without_normalization():
    sweep = fake_sweep({"none": [1.3, None], "batch": [0.4, 1.3]})
    level, text = lr_verdict(sweep)
    assert level == "success"
    assert "no learning rate trains in 150 steps" in text
    assert "BatchNorm trains up to 0.01." in text


def test_summary_rows_name_the_highest_rate_the_best_loss_and_divergence():
    rows = summary_rows(
        fake_sweep({"none": [0.6, 0.3, None], "noisy": [None, None, None]})
    )
    assert rows[0].highest == lr_label(LR_GRID[1]) and rows[0].diverged == lr_label(
        LR_GRID[2]
    )
    assert rows[0].best == f"0.300 at lr {lr_label(LR_GRID[1])}"
    assert rows[1].highest == "none" and rows[1].best == "all diverged"


def test_landscape_numbers_are_medians_of_the_probe_ranges():
    # Changed on purpose (issue 12): the loss is measured as its variation
    # (max − min) along the gradient, not its level.
    sweep = run_sweep(replace(TINY, steps=31), variants=("none", "batch"), lrs=LRS)
    s = landscape_series(sweep, "none", LRS[1])
    run = sweep.runs["none"]
    probe = run.probe_loss[:, 1].astype(np.float64)
    assert np.array_equal(s["loss_var"], probe.max(axis=1) - probe.min(axis=1))
    moved = np.asarray(PROBE_SIZES)[None] * LRS[1] * run.grad_norm[:, 1, None]
    assert_close(
        s["beta"], (run.probe_gdiff[:, 1] / moved).max(axis=1), check_dtype=False
    )
    ls = landscape(sweep, "none", LRS[1])
    assert ls.points == len(range(0, 31, PROBE_EVERY))
    assert ls.loss_var == pytest.approx(float(np.median(s["loss_var"])))
    level, _ = landscape_verdict(sweep, LRS[1])
    assert level in {"success", "warning", "info"}


def test_the_landscape_verdict_says_when_a_run_diverged_before_most_measurements():
    sweep = run_sweep(replace(TINY, steps=25), variants=("none", "batch"), lrs=(1e3,))
    d = int(sweep.runs["none"].diverged_at[0])
    assert 0 <= d < 10  # diverged before the second measurement
    _, text = landscape_verdict(sweep, 1e3)
    # Changed on purpose (issue 12): a run that diverged is not compared at all.
    assert f"No norm diverged at step {d}." in text
    assert "compared only where both networks train" in text


def test_factors_are_written_as_people_write_them():
    assert compare(0.5, 1.0) == "2× less"
    assert compare(1.0, 0.0019) == "526× more"
    assert compare(0.0001, 1.25) == "12,500× less"
    assert compare(1.1, 1.0) == "about as much"


def test_noise_verdict_speaks_of_the_runs_noise_level():
    sweep = run_sweep(
        replace(TINY, noise=2.0), variants=("none", "batch", "noisy"), lrs=LRS
    )
    _, text = noise_verdict(sweep, LRS[0])
    assert "up to ±2" in text and "0.37× to 2.72×" in text
    quiet = run_sweep(
        replace(TINY, noise=0.0), variants=("none", "batch", "noisy"), lrs=LRS
    )
    assert noise_verdict(quiet, LRS[0]) == ("info", T.NOISE_OFF)
    assert np.array_equal(quiet.runs["noisy"].losses, quiet.runs["batch"].losses)


def test_xiong_verdict_reads_the_measured_ratios():
    post = np.array([[1.0, 2.0, np.nan, np.nan], [1.0, 1.5, 2.0, 4.0]], np.float32)
    pre = np.array([[1.0, 0.9, np.nan, np.nan], [1.0, 0.9, 0.8, 0.5]], np.float32)
    res = XiongResult(seed=0, depths=(2, 4), post=post, pre=pre)
    text = xiong_verdict(res, 4)
    assert (
        "post-norm's gradient grows toward the output (last layer 4× the first)" in text
    )
    assert "its last layer gets 8× pre-norm's" in text
    assert "pre-norm's gradient shrinks toward the output (0.5×)" in text
    assert "from 2 to 4 in post-norm and from 0.9 to 0.5 in pre-norm" in text
    assert "1/√L would give ×0.71" in text


# ---- figures ----


def test_figures_are_plain_dicts_with_float32_arrays_and_mark_diverged_runs():
    sweep = run_sweep(
        replace(TINY, steps=20), variants=("none", "batch"), lrs=(0.05, 1e4)
    )
    lr = 0.05
    fig = lr_figure(sweep, lr)
    lines = [t for t in fig["data"] if t["mode"] == "lines+markers"]
    assert [t["name"] for t in lines] == ["No norm", "BatchNorm"]
    crosses = [t for t in fig["data"] if t.get("marker", {}).get("symbol") == "x-thin"]
    assert sum(len(t["x"]) for t in crosses) == int(
        sum((r.diverged_at >= 0).sum() for r in sweep.runs.values())
    )
    for f in (
        fig,
        curves_figure(sweep, lr),
        landscape_figure(sweep, lr, "loss"),
        landscape_figure(sweep, lr, "grad"),
        unit_figure(sweep, lr),
    ):
        assert isinstance(f, dict)
        for t in f["data"]:
            if isinstance(t.get("y"), np.ndarray):
                assert t["y"].dtype == np.float32
    top = fig["layout"]["yaxis"]["range"][1]
    assert all(np.nanmax(t["y"]) < top for t in lines)


def test_the_canvas_gets_each_figure_with_its_own_numbers_and_guides():
    """The page's canvas charts (lab/ui/figure.py) get the Plotly figure
    itself: every trace, the same numbers as float32, and the guide lines
    and their labels."""
    sweep = run_sweep(
        replace(TINY, steps=20), variants=("none", "batch"), lrs=(0.05, 1e4)
    )
    xiong = xiong_sweep(0, depths=(2, 4), repeats=1)
    figs = [
        lr_figure(sweep, 0.05),
        curves_figure(sweep, 0.05),
        landscape_figure(sweep, 0.05, "loss"),
        landscape_figure(sweep, 0.05, "grad"),
        unit_figure(sweep, 0.05),
        xiong_layers_figure(xiong, 4),
        xiong_depth_figure(xiong, 4),
    ]
    for fig in figs:
        back = unpack(json.loads(json.dumps(encode(fig))))
        assert back["layout"]["title"] == fig["layout"]["title"]
        assert back["layout"]["shapes"] == fig["layout"]["shapes"]
        assert back["layout"]["annotations"] == fig["layout"]["annotations"]
        assert len(back["data"]) == len(fig["data"])
        for t, drawn in zip(fig["data"], back["data"], strict=True):
            assert drawn["name"] == t["name"]
            for k in ("x", "y", "customdata"):
                if k in t:
                    want = np.asarray(t[k], dtype=np.float32)
                    assert np.array_equal(drawn[k], want, equal_nan=True)
            assert drawn.get("visible", True) == t.get("visible", True)
            assert drawn.get("hovertemplate") == t.get("hovertemplate")
    lr_axis = figs[0]["layout"]["xaxis"]
    assert lr_axis["ticktext"] == ["0.05", "1e+04"]
    assert [s["x0"] for s in figs[0]["layout"]["shapes"] if s["xref"] == "x"] == [0.05]


def test_running_mean_is_trailing_and_keeps_nan():
    a = np.array([1.0, 3.0, 5.0, np.nan])
    assert np.allclose(running_mean(a, 2)[:3], [1.0, 2.0, 4.0])
    assert np.isnan(running_mean(a, 2)[3])


def test_xiong_figures_draw_both_forms_and_the_one_over_root_l_guide():
    res = xiong_sweep(0, depths=(2, 4), repeats=1)
    layers = xiong_layers_figure(res, 4)
    assert [t["name"] for t in layers["data"]] == ["Post-norm", "Pre-norm"]
    assert len(layers["data"][0]["y"]) == 4
    depth = xiong_depth_figure(res, 2)
    guide = depth["data"][-1]
    assert guide["name"] == "∝ 1/√L"
    assert guide["y"][1] == pytest.approx(guide["y"][0] * math.sqrt(2 / 4), rel=1e-6)


# ---- Santurkar et al.'s measures, on a quadratic where they are known ----

A_DIAG = torch.tensor([4.0, 1.0, 0.25], dtype=torch.float64)


def quadratic(w: torch.Tensor) -> torch.Tensor:
    """L(w) = ½ wᵀAw with A = diag(4, 1, ¼): ∇L = Aw, and along −∇L the loss
    and the gradient are known in closed form."""
    return 0.5 * (A_DIAG * w * w).sum()


ETAS = (0.025, 0.05, 0.1, 0.2)


def test_the_probe_on_a_quadratic_is_the_closed_form():
    w = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
    losses, changes, gnorm = probe_along_gradient(quadratic, w, ETAS)
    g = A_DIAG * w
    for k, eta in enumerate(ETAS):
        moved = w - eta * g
        assert losses[k] == pytest.approx(float(0.5 * (A_DIAG * moved**2).sum()))
        # ∇L(w − ηg) − ∇L(w) = −ηA g
        assert changes[k] == pytest.approx(eta * float((A_DIAG * g).norm()))
    assert gnorm == pytest.approx(float(g.norm()))


def test_the_measures_on_a_quadratic_along_an_eigenvector():
    """w on A's top eigenvector (λ = 4): L(w − ηg) = ½λ(1 − ηλ)²‖w‖², the
    gradient changes by ηλ‖g‖, so the effective β-smoothness is exactly λ."""
    lam, r = 4.0, 1.5
    w = torch.tensor([r, 0.0, 0.0], dtype=torch.float64)
    losses, changes, gnorm = probe_along_gradient(quadratic, w, ETAS)
    closed = [0.5 * lam * (1 - eta * lam) ** 2 * r**2 for eta in ETAS]
    assert float(loss_variation(losses)) == pytest.approx(max(closed) - min(closed))
    assert float(gradient_change(changes)) == pytest.approx(max(ETAS) * lam * lam * r)
    beta = float(effective_beta(changes, np.asarray(ETAS), np.asarray(gnorm)))
    assert beta == pytest.approx(lam)
    # off an eigenvector β lies between the smallest and largest eigenvalue
    w2 = torch.tensor([1.0, 1.0, 1.0], dtype=torch.float64)
    _, ch2, gn2 = probe_along_gradient(quadratic, w2, ETAS)
    b2 = float(effective_beta(ch2, np.asarray(ETAS), np.asarray(gn2)))
    assert 0.25 < b2 < 4.0


def test_loss_variation_is_a_range_not_a_level():
    flat_low = np.array([[0.1, 0.1, 0.1, 0.1]])
    steep_low = np.array([[0.3, 0.1, 0.05, 0.2]])
    high_flat = np.array([[5.0, 5.0, 5.0, 5.01]])
    assert loss_variation(flat_low)[0] == 0
    assert loss_variation(steep_low)[0] == pytest.approx(0.25)
    assert loss_variation(high_flat)[0] == pytest.approx(0.01)


def test_the_sweeps_probe_is_the_one_point_probe():
    """run_sweep's batched probe equals `probe_along_gradient` on the same
    network, batch and weights (step 0)."""
    config = replace(TINY, steps=1)
    lr = 0.3
    run = run_sweep(config, variants=("none",), lrs=(lr,)).runs["none"]
    task = make_task(config.seed)
    idx = torch.randint(
        0,
        len(task.y),
        (config.batch,),
        generator=torch.Generator().manual_seed(config.seed + 2),
    )
    x, y = task.x[idx].double(), task.y[idx]
    model = build_mlp(config.depth, config.width, "none", "he", config.seed).double()
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]
    flat = torch.cat([p.detach().flatten() for p in model.parameters()])

    def loss_fn(w):
        parts, k = {}, 0
        for n, shape in zip(names, shapes, strict=True):
            size = math.prod(shape)
            parts[n] = w[k : k + size].view(shape)
            k += size
        return nn.functional.cross_entropy(functional_call(model, parts, (x,)), y)

    etas = [c * lr for c in PROBE_SIZES]
    losses, changes, gnorm = probe_along_gradient(loss_fn, flat, etas)
    assert_close(run.probe_loss[0, 0].astype(np.float64), losses, rtol=1e-4, atol=0)
    assert_close(run.probe_gdiff[0, 0].astype(np.float64), changes, rtol=1e-3, atol=0)
    assert float(run.grad_norm[0, 0]) == pytest.approx(gnorm, rel=1e-4)


# ---- matched progress ----


def probed_sweep(progress: dict, values: dict, lr: float = LR_GRID[3]) -> Sweep:
    """A sweep whose probes have the given training losses (per step, one per
    probe) and measure values (loss variation v: probe losses 1 and 1 + v,
    gradient change g, gradient norm 1 so β = g / (2·lr))."""
    runs = {}
    for v, prog in progress.items():
        p = len(prog)
        steps = PROBE_EVERY * p
        # the SMOOTH steps up to each probe all hold that probe's loss
        at = np.minimum((np.arange(steps) + PROBE_EVERY - 1) // PROBE_EVERY, p - 1)
        losses = np.asarray(prog, np.float32)[at][:, None]
        probe_loss = np.ones((p, 1, len(PROBE_SIZES)), np.float32)
        probe_loss[:, 0, -1] += np.asarray(values[v], np.float32)
        gdiff = np.zeros((p, 1, len(PROBE_SIZES)), np.float32)
        gdiff[:, 0, -1] = np.asarray(values[v], np.float32)
        runs[v] = VariantRun(
            variant=v,
            losses=losses.reshape(steps, 1),
            diverged_at=np.array([-1]),
            probe_steps=np.arange(0, steps, PROBE_EVERY),
            probe_loss=probe_loss,
            probe_gdiff=gdiff,
            grad_norm=np.ones((p, 1), np.float32),
            unit=np.zeros((p, 1, 3), np.float32),
        )
    return Sweep(
        config=SweepConfig(), lrs=(lr,), baseline=1.386, runs=MappingProxyType(runs)
    )


def test_runs_are_compared_only_over_their_common_range_of_training_loss():
    # BatchNorm trains further (down to 0.2); its late, small values must not
    # count against no norm's, which never got below 0.6.
    sweep = probed_sweep(
        {"none": [1.3, 1.0, 0.8, 0.6], "batch": [1.3, 0.9, 0.6, 0.4, 0.3, 0.2]},
        {"none": [2.0, 2.0, 2.0, 2.0], "batch": [2.0, 2.0, 2.0, 0.01, 0.01, 0.01]},
    )
    c = compare_at(sweep, LR_GRID[3])
    assert c.status == "ok"
    assert (c.lo, c.hi) == (pytest.approx(0.6), pytest.approx(1.3))
    assert c.norm.points == 3 and c.plain.points == 4
    assert c.ratios == (pytest.approx(1.0), pytest.approx(1.0), pytest.approx(1.0))
    level, text = landscape_verdict(sweep, LR_GRID[3])
    assert level == "info" and T.LANDSCAPE_SAME in text
    # over all probes, BatchNorm would have looked smoother
    assert landscape(sweep, "batch", LR_GRID[3]).loss_var < 2.0


# ---- every verdict and hint agrees with the numbers it is shown with ----


def check_landscape_text(sweep: Sweep, lr: float, text: str, level: str) -> None:
    """The claims of one landscape verdict against the sweep's own numbers."""
    i = sweep.lrs.index(lr)
    c = compare_at(sweep, lr)
    assert "Try a higher learning rate" not in text
    assert "what lets the larger step work" not in text
    if c.status == "ok":
        p, n = c.plain, c.norm
        for x in (p.loss_var, n.loss_var, p.grad_change, n.grad_change, p.beta, n.beta):
            assert f"{x:.3g}" in text
        kinds = [classify(r) for r in c.ratios]
        if level == "success":
            assert kinds == ["smaller"] * 3 and T.LANDSCAPE_SMOOTHER in text
        if "**not** smoother" in text:
            assert "smaller" not in kinds and "larger" in kinds
        if T.LANDSCAPE_SAME in text:
            assert set(kinds) <= {"same"}
        for m, k in zip(MEASURES, kinds, strict=True):
            if k == "smaller" and level != "success":
                assert "maller with BatchNorm: " in text
                assert m in text.split("maller with BatchNorm: ")[1].split(";")[0]
    else:
        assert "compared only where both networks train" in text or (
            c.status == "no_overlap"
        )
        for v in ("none", "batch"):
            if not sweep.trains(v)[i]:
                d = int(sweep.runs[v].diverged_at[i])
                assert (f"diverged at step {d}" if d >= 0 else "ends at loss") in text
    both = both_train(sweep)
    if "both train at lr" in text:
        rates = text.split("both train at lr ")[1].split(":")[0]
        for r in rates.replace(" and ", ", ").split(", "):
            assert float(r) in [float(lr_label(x)) for x in both]
            assert float(r) != float(lr_label(lr))
    if not both:
        assert "look there too" not in text
    if sweep.highest_lr("none") is None:
        assert "no plain landscape" in text or "Neither" in text or not both


def shipped_sweeps() -> list[Sweep]:
    return [load_results(SHIPPED)[0], *load_extra(SHIPPED)]


def test_every_shipped_scenario_and_rate_gets_a_verdict_true_to_its_numbers():
    table = seed_table()
    seen_levels = set()
    sweeps = shipped_sweeps()
    assert len(sweeps) == len(T.SCENARIOS)
    for sweep in sweeps:
        state = replace(WhyState(), **asdict_config(sweep.config))
        entry = seed_table_for(table, state)
        assert entry is not None
        for lr in sweep.lrs:
            level, text = landscape_verdict(sweep, lr, entry)
            seen_levels.add(level)
            check_landscape_text(sweep, lr, text, level)
            check_seed_text(entry, lr, text)
        assert "Try" not in lr_verdict(sweep)[1]
    assert {"success", "info"} <= seen_levels


def asdict_config(config: SweepConfig) -> dict:
    return {f: getattr(config, f) for f in config.__dataclass_fields__}


def check_seed_text(entry: dict, lr: float, text: str) -> None:
    rows = entry["rows"]
    got = [r["ratios"][lr_label(lr)]["batch"] for r in rows]
    ok = [g for g in got if g is not None]
    if not ok:
        assert f"none of the {len(rows)} seeds" in text
        return
    for k, m in enumerate(MEASURES):
        vals = [g[k] for g in ok]
        n_small = sum(v < 0.8 for v in vals)
        assert f"{m} {min(vals):.2g}–{max(vals):.2g}× (below 0.8× in {n_small} of" in (
            text
        )
    every = [
        all(g[k] < 0.8 for g in got if g is not None) and None not in got
        for k in range(3)
    ]
    if "effect is robust here" in text:
        assert all(every)
    if "effect is not robust here" in text:
        assert not any(every)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(0.3, 1.4), min_size=4, max_size=8),
    st.lists(st.floats(0.05, 1.4), min_size=4, max_size=8),
    st.lists(st.floats(0.001, 10), min_size=8, max_size=8),
    st.lists(st.floats(0.001, 10), min_size=8, max_size=8),
)
def test_random_landscapes_get_verdicts_true_to_their_numbers(pa, pb, va, vb):
    sweep = probed_sweep(
        {"none": sorted(pa, reverse=True), "batch": sorted(pb, reverse=True)},
        {"none": va[: len(pa)], "batch": vb[: len(pb)]},
    )
    lr = sweep.lrs[0]
    level, text = landscape_verdict(sweep, lr)
    check_landscape_text(sweep, lr, text, level)


def test_hints_are_possible_in_the_state_they_are_shown_in():
    never = fake_sweep({"none": [1.3, 1.3, None], "batch": [0.4, 0.4, 0.4]})
    assert "no plain landscape" in rates_hint(never, LR_GRID[0])
    both = fake_sweep({"none": [0.4, 0.4, None], "batch": [0.4, 0.4, 0.4]})
    assert rates_hint(both, LR_GRID[0]) == (
        f"No norm and BatchNorm both train at lr {lr_label(LR_GRID[1])}: "
        "look there too."
    )
    assert rates_hint(both, LR_GRID[2]).count(" and ") == 2  # 0.01 and 0.032
    one = fake_sweep({"none": [0.4, None], "batch": [0.4, 1.3]})
    assert rates_hint(one, LR_GRID[0]) == ""
    apart = fake_sweep({"none": [0.4, 1.3], "batch": [1.3, 0.4]})
    assert "No learning rate trains both" in rates_hint(apart, LR_GRID[0])


def test_the_intro_says_what_the_default_runs_show_over_every_seed():
    entry = seed_table()[DEFAULT_SCENARIO]
    assert entry["seeds"] == list(SEEDS)
    for row in entry["rows"]:
        hi = row["highest"]
        assert hi["batch"] / hi["none"] == pytest.approx(10.0)
        assert hi["layer"] == hi["none"]
    rms_higher = [
        row["highest"]["rms"] > row["highest"]["none"] for row in entry["rows"]
    ]
    assert any(rms_higher) and not all(rms_higher)
    assert "BatchNorm trains at 10× the highest rate" in T.INTRO
    assert "LayerNorm does not raise that rate" in T.INTRO
    assert "RMSNorm does in some seeds only" in T.INTRO
    assert "showed the reason" not in T.INTRO


def test_the_default_scenario_shows_the_effect_in_every_seed_at_its_rate():
    """The default was picked where the effect is robust: at lr 0.1 BatchNorm's
    gradient change and β-smoothness are below 0.8× no norm's in every seed."""
    entry = seed_table()[DEFAULT_SCENARIO]
    for row in entry["rows"]:
        r = row["ratios"][lr_label(LR_GRID[2])]["batch"]
        assert r is not None and r[1] < 0.8 and r[2] < 0.8


def test_the_seed_table_rows_are_what_seed_row_computes():
    sweep = load_results(SHIPPED)[0]
    row = seed_table()[DEFAULT_SCENARIO]["rows"][0]
    assert row == json_round(seed_row(sweep))
    text = highest_spread(seed_table()[DEFAULT_SCENARIO])
    assert text.startswith("Over seeds 0–4 of this scenario")


def json_round(x):
    import json

    return json.loads(json.dumps(x))


def test_seed_sentence_counts_the_seeds_below_the_line():
    rows = [
        {"highest": {}, "ratios": {"1": {"batch": [0.5, 0.5, 0.9]}}},
        {"highest": {}, "ratios": {"1": {"batch": [0.7, 0.6, 0.7]}}},
        {"highest": {}, "ratios": {"1": {"batch": None}}},
    ]
    text = seed_sentence({"seeds": [0, 1, 2], "rows": rows}, 1.0)
    assert "loss variation 0.5–0.7× (below 0.8× in 2 of 2)" in text
    assert "β-smoothness 0.7–0.9× (below 0.8× in 1 of 2)" in text
    assert "(Both trained at this rate in 2 of 3 seeds.)" in text
    assert "not robust here" in text  # a seed without a comparison is not "every"


# ---- Xiong et al.: why the toy's last layer does not follow 1/√L ----


def test_last_layer_factors_measure_the_final_layernorms_input():
    depth, seed = 3, 1
    stack = build_stack(depth, True, seed)
    x, y = stack_batch(seed)
    h = stack[0].layers[2](stack[0].layers[1](stack[0].layers[0](x)))
    h = h.detach().requires_grad_()
    loss = nn.functional.cross_entropy(
        stack[1](stack[0].norm(h)).flatten(0, 1), y.flatten()
    )
    (g,) = torch.autograd.grad(loss, h)
    resid, tok, cos = last_layer_factors(depth, seed)
    assert resid == pytest.approx(float(h.norm(dim=-1).mean()), rel=1e-5)
    assert tok == pytest.approx(float(g.norm(dim=-1).mean()), rel=1e-4)
    u = nn.functional.normalize(h.detach(), dim=-1)
    c = u @ u.transpose(1, 2)
    t = c.shape[-1]
    off = (c.sum((1, 2)) - t) / (t * (t - 1))
    assert cos == pytest.approx(float(off.mean()), abs=1e-5)


def test_the_shipped_xiong_verdict_explains_the_toy_with_its_own_numbers():
    xiong = load_results(SHIPPED)[1]
    assert xiong.pre_resid is not None
    lq = xiong.last("pre")
    measured = lq[-1] / lq[0]
    predicted = math.sqrt(xiong.depths[0] / xiong.depths[-1])
    text = xiong_verdict(xiong, 12)
    assert f"×{measured:.2g}; 1/√L would give ×{predicted:.2g}" in text
    if "became alike" in text:
        assert xiong.pre_token_cos[-1] > xiong.pre_token_cos[0] + 0.1
        assert measured > predicted
    if "did shrink" in text:
        assert xiong.pre_token_grad[-1] < xiong.pre_token_grad[0]
    post = xiong.layers(12, "post")
    assert ("post-norm's gradient grows toward the output" in text) == (
        post[-1] / post[0] > 1.25
    )


def test_the_scenario_sentences_agree_with_the_seed_table():
    table = seed_table()
    at_01 = lr_label(LR_GRID[2])
    shallow = table["shallow"]["rows"]
    for row in shallow:  # every variant trains; BatchNorm tolerates the highest
        hi = row["highest"]
        assert all(h is not None for h in hi.values())
        assert hi["batch"] > max(h for v, h in hi.items() if v != "batch")
    for row in table["deep"]["rows"]:  # mixed: gradient change down, β up
        r = row["ratios"][at_01]["batch"]
        assert r[1] < 0.8 and r[2] > 1.0
        assert row["highest"]["batch"] > (row["highest"]["none"] or 0)
    betas = [row["ratios"][at_01]["batch"][2] for row in table["deep"]["rows"]]
    deep = T.SCENARIO_BY_KEY["deep"].sentence
    assert f"({min(betas):.2g}–{max(betas):.2g}× no norm's)" in deep
    for row in table["deeper"]["rows"] + table["plain_init"]["rows"]:
        assert row["highest"]["none"] is None  # "no plain landscape to compare"
    six = [row["ratios"][at_01]["batch"] for row in table[DEFAULT_SCENARIO]["rows"]]
    assert all(r[1] < 0.8 for r in six)  # the intro: gradient, every seed
    assert any(r[0] < 0.8 for r in six) and not all(r[0] < 0.8 for r in six)
    assert scenario_base(DEFAULT_SCENARIO).lr == LR_GRID[2]
    assert "At lr 0.1, where both train" in T.INTRO
