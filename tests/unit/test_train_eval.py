"""Train vs eval: the stream, the two modes, the URL and the classifier, checked
against torch.nn modules and exact arithmetic."""

from __future__ import annotations

import copy
import math
import threading
import time
from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from lab import train_eval_classifier as C
from lab.train_eval import (
    DRIFT_END,
    DRIFT_START,
    JUMP_AT,
    MAX_STEPS,
    MOMENTA,
    NUMERIC,
    PAGE_FAMILIES,
    PATTERNS,
    PITFALLS,
    SCENARIO_BY_KEY,
    SCENARIOS,
    StreamSpec,
    TrainEvalState,
    build_live,
    compare,
    drift_amount,
    matches_scenario,
    parse,
    scenario_base,
    settle,
    stream_batches,
    stream_trace,
    to_params,
    torch_agreement,
    true_moments,
    variance_readout,
)
from lab.train_eval_figures import (
    finetune_figure,
    matrix_figures,
    serving_figure,
    stale_figure,
    stream_figure,
)

# ---- the stream against torch.nn.BatchNorm1d ----


@pytest.mark.parametrize("momentum", [0.1, None, 1.0, 0.01])
@pytest.mark.parametrize("batch", [2, 16])
@pytest.mark.parametrize("pattern", PATTERNS)
def test_running_statistics_match_batchnorm1d_fed_the_same_batches_at_every_step(
    momentum, batch, pattern
):
    spec = StreamSpec(batch=batch, features=3, shift=2.5, scale=2.0, pattern=pattern)
    trace = stream_trace(spec, momentum)
    bn = nn.BatchNorm1d(3, momentum=momentum).train()
    xs = stream_batches(spec)
    assert_close(torch.tensor(trace.running_mean[0]), bn.running_mean)
    with torch.no_grad():
        for t in range(1, MAX_STEPS + 1):
            bn(torch.tensor(xs[t - 1]))
            assert_close(torch.tensor(trace.running_mean[t]), bn.running_mean)
            assert_close(torch.tensor(trace.running_var[t]), bn.running_var)
            assert trace.num_batches_tracked[t] == int(bn.num_batches_tracked)


def test_each_batch_statistic_is_its_mean_and_biased_variance():
    spec = StreamSpec(batch=5, features=2)
    trace = stream_trace(spec, 0.1)
    x = torch.tensor(stream_batches(spec))  # T+1,B,F
    var, mean = torch.var_mean(x, dim=1, correction=0)
    assert_close(torch.tensor(trace.batch_mean), mean)
    assert_close(torch.tensor(trace.batch_var), var)


def test_batches_of_one_never_move_the_running_statistics_and_torch_refuses():
    spec = StreamSpec(batch=1)
    trace = stream_trace(spec, 0.1)
    assert (trace.running_mean == 0).all() and (trace.running_var == 1).all()
    assert (trace.num_batches_tracked == 0).all()
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        nn.BatchNorm1d(spec.features).train()(torch.tensor(stream_batches(spec)[0]))
    assert torch_agreement(spec, 0.1) is None


def test_torch_agreement_is_float32_rounding():
    diff = torch_agreement(StreamSpec(), 0.1)
    assert diff is not None and diff < 1e-5


# ---- the drift the texts describe ----


def test_drift_ramps_between_batch_50_and_150_and_jumps_after_batch_100():
    assert drift_amount("ramp", DRIFT_START) == 0.0
    assert drift_amount("ramp", 100) == pytest.approx(0.5)
    assert drift_amount("ramp", DRIFT_END) == 1.0
    assert drift_amount("jump", JUMP_AT) == 0.0
    assert drift_amount("jump", JUMP_AT + 1) == 1.0


def test_full_drift_moves_each_mean_by_shift_stds_and_scales_each_std():
    spec = StreamSpec(shift=2.0, scale=3.0, features=5)
    mean, var = true_moments(spec)
    sd0 = np.sqrt(var[0])
    assert_close(mean[-1] - mean[0], 2.0 * sd0)
    assert_close(np.sqrt(var[-1]), 3.0 * sd0)


def test_growing_the_batch_keeps_the_examples_on_screen():
    small = stream_batches(StreamSpec(batch=8, features=3))
    big = stream_batches(StreamSpec(batch=16, features=5))
    np.testing.assert_array_equal(small, big[:, :8, :3])


def test_momentum_01_trails_a_steady_drift_by_nine_batches():
    spec = StreamSpec(batch=64, features=8, shift=2.0, scale=1.0)
    trace = stream_trace(spec, 0.1)
    sd = np.sqrt(trace.true_var[0])
    t = 140  # late in the ramp: the average has settled into its lag
    lag = (1 - 0.1) / 0.1
    behind = trace.true_mean[t - 1 - round(lag)]  # the data's mean 9 batches ago
    assert np.abs(trace.running_mean[t] - behind).max() < 0.1 * sd.min()
    assert (trace.running_mean[t] < trace.true_mean[t - 1] - 0.1 * sd).all()


def test_three_batches_after_a_jump_cover_27_percent_of_it():
    spec = StreamSpec(batch=64, features=8, shift=3.0, scale=1.0, pattern="jump")
    trace = stream_trace(spec, 0.1)
    before, after = trace.true_mean[JUMP_AT - 1], trace.true_mean[JUMP_AT]
    covered = (trace.running_mean[JUMP_AT + 3] - before) / (after - before)
    assert np.abs(covered - (1 - 0.9**3)).max() < 0.05


def test_momentum_none_is_the_plain_average_of_every_batch_mean():
    spec = StreamSpec(batch=8, features=4)
    trace = stream_trace(spec, None)
    assert_close(
        torch.tensor(trace.running_mean[MAX_STEPS]),
        torch.tensor(trace.batch_mean[:MAX_STEPS].astype(np.float64).mean(0)).float(),
        atol=2e-5,
        rtol=0,
    )


# ---- train vs eval on one batch ----


def _bn_with(trace, step: int, features: int) -> nn.BatchNorm1d:
    bn = nn.BatchNorm1d(features)
    bn.running_mean.copy_(torch.tensor(trace.running_mean[step]))
    bn.running_var.copy_(torch.tensor(trace.running_var[step]))
    return bn


@pytest.mark.parametrize("step", [1, 57, MAX_STEPS])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_train_and_eval_outputs_are_batchnorm1d_in_each_mode(step, momentum):
    spec = StreamSpec(batch=12, features=5, pattern="jump", shift=3.0)
    comp = compare(spec, momentum, step, "batch")
    x = torch.tensor(comp.x)
    bn = _bn_with(stream_trace(spec, momentum), step, 5)
    with torch.no_grad():
        assert_close(comp.eval.output, bn.eval()(x))
        assert_close(comp.train.output, copy.deepcopy(bn).train()(x))
    np.testing.assert_array_equal(comp.x, stream_batches(spec)[step])  # batch t+1


def test_at_step_zero_eval_uses_a_fresh_layer():
    comp = compare(StreamSpec(), 0.1, 0, "batch")
    assert comp.eval.has_note("fresh_running")
    assert_close(comp.eval.output, torch.tensor(comp.x) / math.sqrt(1 + 1e-5))


def test_one_example_alone_in_train_mode_is_beta_and_in_eval_is_its_eval_row():
    comp = compare(StreamSpec(), 0.1, 120, "batch")
    assert (comp.alone_train == 0).all()
    np.testing.assert_array_equal(comp.alone_eval, comp.eval.output.numpy())
    assert comp.max_alone_diff == pytest.approx(np.abs(comp.eval.output.numpy()).max())


@pytest.mark.parametrize("family", ["layer", "rms"])
@pytest.mark.parametrize("step", [0, 103, MAX_STEPS])
def test_layernorm_and_rmsnorm_are_exactly_the_same_in_both_modes_and_alone(
    family, step
):
    spec = StreamSpec(batch=9, features=6, pattern="jump", shift=3.0)
    comp = compare(spec, 0.1, step, family)
    assert comp.max_diff == 0.0
    assert comp.max_alone_diff == 0.0
    x = torch.tensor(comp.x)
    module = nn.LayerNorm(6) if family == "layer" else nn.RMSNorm(6)
    with torch.no_grad():
        assert_close(comp.train.output, module.train()(x))
        assert_close(comp.eval.output, module.eval()(x))


def test_batches_of_two_normalize_to_plus_or_minus_one():
    comp = compare(StreamSpec(batch=2, features=4), 0.1, 50, "batch")
    assert_close(comp.train.output.abs(), torch.ones(2, 4), atol=1e-3, rtol=0)


# ---- biased vs unbiased ----


@pytest.mark.parametrize("momentum", [0.1, None, 0.5])
def test_the_variance_readout_reproduces_the_update_term_by_term(momentum):
    spec = StreamSpec(batch=6, features=3)
    step, f = 42, 2
    v = variance_readout(spec, momentum, step, f)
    col = torch.tensor(stream_batches(spec)[step - 1][:, f]).double()
    assert v.biased == pytest.approx(float(col.var(correction=0)))
    assert v.unbiased == pytest.approx(float(col.var(correction=1)))
    assert v.unbiased / v.biased == pytest.approx(6 / 5)
    m = 1 / step if momentum is None else momentum
    assert v.factor == pytest.approx(m)
    assert v.var_after == pytest.approx((1 - m) * v.var_before + m * v.unbiased, 1e-5)
    assert v.mean_after == pytest.approx((1 - m) * v.mean_before + m * v.mean, 1e-5)
    bn = _bn_with(stream_trace(spec, momentum), step, 3)
    assert v.var_after == pytest.approx(float(bn.running_var[f]))


def test_no_variance_readout_before_the_first_batch_and_none_unbiased_for_one():
    assert variance_readout(StreamSpec(), 0.1, 0, 0) is None
    v = variance_readout(StreamSpec(batch=1), 0.1, 5, 0)
    assert v.unbiased is None and v.factor is None and v.var_after == v.var_before


# ---- the page model and its figures ----


def test_build_live_reads_the_focused_feature_and_lag():
    state = TrainEvalState(focus=(3, 2), step=120)
    view = build_live(state)
    ro = view.stream
    assert ro.feature == 2 and ro.step == 120
    assert ro.running_mean == pytest.approx(float(view.trace.running_mean[120, 2]))
    assert ro.lag == pytest.approx(
        (ro.running_mean - ro.true_mean) / math.sqrt(ro.true_var)
    )
    assert view.train_col[0] == pytest.approx(0, abs=1e-6)
    assert view.train_col[1] == pytest.approx(1, abs=1e-3)
    assert set(view.families) == set(PAGE_FAMILIES)


def test_the_stream_figure_draws_up_to_the_step_and_the_truth_to_the_end():
    view = build_live(TrainEvalState(step=37))
    fig = stream_figure(view.trace, 37, 1)
    true, own, running = fig["data"][:3]
    assert len(true["x"]) == MAX_STEPS + 1
    assert len(own["x"]) == 37 and len(running["x"]) == 38
    np.testing.assert_array_equal(running["y"], view.trace.running_mean[:38, 1])
    assert fig["layout"]["shapes"][1]["x0"] == 37


def test_matrix_figures_share_one_range_for_train_and_eval():
    view = build_live(TrainEvalState(batch=5, features=3, focus=(4, 2)))
    figs = dict(matrix_figures(view.comparison, (4, 2)))
    assert set(figs) == {"input", "train", "eval", "diff"}
    assert figs["train"]["data"][0]["zmax"] == figs["eval"]["data"][0]["zmax"]
    assert figs["train"]["data"][0]["z"].shape == (5, 3)
    np.testing.assert_allclose(figs["diff"]["data"][0]["z"], view.comparison.diff)


# ---- URL state ----


def test_an_empty_link_is_the_default_view():
    state, note = parse({})
    assert state == TrainEvalState() and note is None
    assert to_params(TrainEvalState()) == {}


@st.composite
def states(draw):
    values = {}
    for name, spec in NUMERIC.items():
        k = draw(st.integers(0, round((spec.hi - spec.lo) / spec.step)))
        values[name] = spec.snap(spec.lo + k * spec.step)
    values["norm"] = draw(st.sampled_from(PAGE_FAMILIES))
    values["pattern"] = draw(st.sampled_from(PATTERNS))
    values["pitfall"] = draw(st.sampled_from(PITFALLS))
    values["metric"] = draw(st.sampled_from(["accuracy", "auc"]))
    values["momentum"] = draw(st.sampled_from(MOMENTA))
    values["focus"] = (draw(st.integers(0, 70)), draw(st.integers(0, 10)))
    values["scenario"] = draw(st.sampled_from(["custom", *SCENARIO_BY_KEY]))
    return settle(TrainEvalState(**values))


@settings(max_examples=300, deadline=None)
@given(states())
def test_every_valid_state_round_trips_through_its_link(state):
    params = to_params(state)
    assert all(isinstance(v, str) for v in params.values())
    back, note = parse(params)
    assert note is None
    assert back == state


@pytest.mark.parametrize(
    ("raw", "expected", "problem"),
    [
        ("none", None, None),
        ("None", None, None),
        ("cumulative", None, None),
        ("0.1", 0.1, None),
        ("1", 1.0, None),
        ("0.13", 0.1, "snapped"),
        ("0", 0.1, "must lie"),
        ("2", 0.1, "must lie"),
        ("nan", 0.1, "must lie"),
        ("fast", 0.1, "not a number"),
    ],
)
def test_momentum_links_read_none_numbers_and_fall_back(raw, expected, problem):
    state, note = parse({"momentum": raw})
    assert state.momentum == expected
    if problem is None:
        assert note is None
    else:
        assert problem in note


def test_hostile_links_fall_back_with_one_note_naming_only_parameters():
    state, note = parse(
        {
            "step": "<script>alert(1)</script>",
            "focus": "99,99",
            "batch": "1e999",
            "norm": "group",
            "<img src=x>": "1",
            "seed": ["1", "2"],
        }
    )
    assert state.step == TrainEvalState().step
    assert state.norm == "batch" and state.seed == 2
    assert state.focus == (state.batch - 1, state.features - 1)
    assert note.startswith("Some of this link's settings")
    for bad in ("<script", "<img", "1e999", "group"):
        assert bad not in note


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_each_scenario_is_its_own_link_and_a_fixed_setting_leaves_it(scenario):
    base = scenario_base(scenario.key)
    assert matches_scenario(base, scenario.key)
    assert parse(to_params(base)) == (base, None)
    moved = settle(replace(base, batch=base.batch % 64 + 1))
    assert moved.scenario == "custom"
    explored = settle(replace(base, step=(base.step + 7) % MAX_STEPS, norm="rms"))
    assert explored.scenario == scenario.key


# ---- the classifier ----


def test_auc_counts_pairs_with_ties_as_half():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 5, 60).astype(float)  # many ties
    y = rng.integers(0, 2, 60)
    pos, neg = s[y == 1], s[y == 0]
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg).sum()
    assert C.auc(s, y) == pytest.approx(pairs / (len(pos) * len(neg)))
    assert C.auc(np.zeros(10), np.arange(10) % 2) == 0.5


def _model(family: str, seed: int = 0) -> nn.Sequential:
    model = C.build_model(family, torch.Generator().manual_seed(seed))
    g = torch.Generator().manual_seed(seed + 1)
    for layer in C.norm_layers(model):  # not a fresh layer: random γ, β, statistics
        with torch.no_grad():
            layer.weight.uniform_(0.5, 1.5, generator=g)
            if getattr(layer, "bias", None) is not None:
                layer.bias.normal_(generator=g)
            if isinstance(layer, nn.BatchNorm1d):
                layer.running_mean.normal_(generator=g)
                layer.running_var.uniform_(0.5, 2.0, generator=g)
    return model


@pytest.mark.parametrize("family", C.FAMILIES)
@pytest.mark.parametrize("training", [True, False])
def test_the_engine_forward_is_torch_forward(family, training):
    model = _model(family)
    x, _ = C.moons(16, 0, C.TEST)
    m = copy.deepcopy(model).train(training)
    with torch.no_grad():
        assert_close(C.engine_forward(model, x, training), m(x).squeeze(1))


def test_served_one_at_a_time_in_train_mode_every_input_gets_one_output():
    model = _model("batch")
    x, _ = C.moons(20, 1, C.TEST)
    logits = C.predict(model, x, "train", 1)
    assert (logits == logits[0]).all()
    assert "Expected more than 1 value per channel" in C.torch_refuses_one(model)
    assert C.torch_refuses_one(_model("layer")) is None


def test_serving_in_train_mode_matches_torch_and_leaves_the_model_alone():
    model = _model("batch")
    before = copy.deepcopy(model.state_dict())
    x, _ = C.moons(32, 2, C.TEST)
    got = C.predict(model, x, "train", 8)
    m = copy.deepcopy(model).train()
    with torch.no_grad():
        want = torch.cat([m(x[i : i + 8]).squeeze(1) for i in range(0, 32, 8)])
    assert_close(got, want)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_eval_mode_does_not_depend_on_the_serving_batch():
    model = _model("batch")
    x, _ = C.moons(32, 3, C.TEST)
    assert_close(C.predict(model, x, "eval", 1), C.predict(model, x, "eval", 32))


def test_training_is_repeatable_from_the_seed(monkeypatch):
    monkeypatch.setattr(C, "TRAIN_STEPS", 15)
    a = C._train("batch", 7, C._silent)
    b = C._train("batch", 7, C._silent)
    c = C._train("batch", 8, C._silent)
    for (k, va), vb in zip(
        a.model.state_dict().items(), b.model.state_dict().values(), strict=True
    ):
        assert torch.equal(va, vb), k
    assert not torch.equal(a.model[0].weight, c.model[0].weight)
    np.testing.assert_array_equal(a.losses, b.losses)


def test_recalibration_estimates_the_first_layers_mean_on_the_new_inputs():
    model = _model("batch")
    x, _ = C.moons(256, 4, C.ADAPT, shift=1.5)
    m = C.recalibrated(model, x)
    with torch.no_grad():
        h = model[0](x)  # N,H  what the first BatchNorm sees
    assert_close(m[1].running_mean, h.mean(0), atol=1e-5, rtol=1e-5)
    assert int(m[1].num_batches_tracked) == 4


def test_a_translation_is_undone_exactly_by_recalibrated_statistics():
    model = _model("batch")
    x, _ = C.moons(256, 5, C.ADAPT)
    xs, _ = C.moons(256, 5, C.ADAPT, shift=2.0)
    assert_close(xs - x, torch.tensor([C.SHIFT_DIRECTION]).expand_as(x) * 2.0)
    a = C.predict(C.recalibrated(model, x), x, "eval")
    b = C.predict(C.recalibrated(model, xs), xs, "eval")
    assert_close(a, b, atol=1e-4, rtol=1e-4)
    assert not torch.allclose(C.predict(model, xs, "eval"), b, atol=1e-2)


def test_frozen_fine_tuning_keeps_batchnorm_and_updating_moves_it():
    model = _model("batch")
    x, y = C.moons(16, 6, C.FT_TRAIN, shift=1.0)
    frozen = C.finetune(model, x, y, 4, "frozen", 0, steps=5)
    update = C.finetune(model, x, y, 4, "update", 0, steps=5)
    for i in (1, 4):
        for name in ("running_mean", "running_var", "weight", "bias"):
            assert torch.equal(getattr(frozen[i], name), getattr(model[i], name))
        assert not torch.equal(update[i].running_mean, model[i].running_mean)
    assert not torch.equal(frozen[0].weight, model[0].weight)  # the rest learned


def test_the_memo_computes_each_key_once_for_concurrent_callers():
    memo = C.Memo()
    calls = []

    def slow(progress):
        calls.append(1)
        progress(0.5, "half")
        time.sleep(0.05)
        return object()

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(memo.get("k", slow)))
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(r) for r in results}) == 1
    assert memo.has("k") and not memo.has("other")


def test_one_thread_restores_torchs_setting():
    before = torch.get_num_threads()
    with C.one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_the_default_classifier_measures_the_pitfalls():
    """One shared training (memoized): what the page reports for seed 0."""
    bn = C.serving_costs("batch", 0)
    assert bn.eval[0].accuracy > 0.95
    assert len({s.accuracy for s in bn.eval}) == 1  # eval: any serving batch size
    assert bn.constant_at_one and bn.train[0].auc == 0.5
    assert bn.train[0].accuracy < 0.6 < bn.train[-1].accuracy
    assert "Expected more than 1 value per channel" in bn.torch_error
    for fam in ("layer", "rms"):
        c = C.serving_costs(fam, 0)
        assert c.train == c.eval and c.torch_error is None
    stale = C.stale_costs(0)
    k = stale.shifts.index(1.5)
    assert stale.stale[k].accuracy < 0.85 < 0.95 < stale.recalibrated[k].accuracy


def test_the_pitfall_figures_are_built_from_the_measurements():
    serving = {f: C.serving_costs(f, 0) for f in C.FAMILIES}
    fig = serving_figure(serving, "auc")
    assert len(fig["data"]) == 6
    assert fig["data"][1]["y"][0] == pytest.approx(0.5)  # BatchNorm, train, b = 1
    stale = C.stale_costs(0)
    assert len(stale_figure(stale, 1.0, "accuracy")["data"]) == 5
    ft = C.FinetuneCosts(
        shift=1.0,
        batches=(2, 4),
        before_new=C.Score(0.6, 0.7),
        before_old=C.Score(0.9, 0.95),
        recal_new=C.Score(0.9, 0.95),
        recal_old=C.Score(0.7, 0.8),
        new={"update": (C.Score(0.9, 0.9),) * 2, "frozen": (C.Score(0.8, 0.8),) * 2},
        old={"update": (C.Score(0.7, 0.7),) * 2, "frozen": (C.Score(0.9, 0.9),) * 2},
    )
    fig = finetune_figure(ft, "accuracy")
    assert [d["name"] for d in fig["data"][:3]] == [
        "BatchNorm updating (train mode)",
        "BatchNorm frozen (eval mode)",
        "before fine-tuning",
    ]


# --- the shipped default results (issue 12: no training on a first visit) ---


def test_the_shipped_default_results_are_what_the_code_computes_now():
    """assets/train_eval_default.json must be regenerated whenever the code
    behind it changes (`python -m bench.train_eval_classifier --write`): its
    hash names the code, and every number is recomputed here and compared."""
    from lab import train_eval_cache as cache

    header, _ = cache.load()
    assert header["code_hash"] == cache.code_hash(), "regenerate the shipped file"
    default = TrainEvalState()
    assert (header["seed"], header["shift"]) == (default.cseed, default.cshift)
    C.MEMO.clear()  # recompute, never read back what a preload stored
    computed = cache.compute(default.cseed, default.cshift)
    text = cache.to_json(computed, default.cseed, default.cshift)
    assert text == cache.SHIPPED.read_text(encoding="utf-8")


def test_the_page_serves_the_shipped_results_without_training(monkeypatch):
    from lab import train_eval_cache as cache

    _, (serving, stale, finetune) = cache.load()
    C.MEMO.clear()

    def no_training(*args, **kwargs):
        raise AssertionError("the default view trained a classifier")

    monkeypatch.setattr(C, "_train", no_training)
    assert cache.preload()
    default = TrainEvalState()
    for fam in PAGE_FAMILIES:
        assert C.is_ready("serving", fam, default.cseed)
        assert C.serving_costs(fam, default.cseed) == serving[fam]
    assert C.stale_costs(default.cseed) == stale
    assert C.finetune_costs(default.cseed, default.cshift) == finetune
    assert not C.is_ready("serving", "batch", default.cseed + 1)
    C.MEMO.clear()


def test_a_shipped_file_from_other_code_or_malformed_is_not_used(tmp_path):
    from lab import train_eval_cache as cache

    doc = cache.SHIPPED.read_text(encoding="utf-8")
    header, _ = cache.load()
    other = tmp_path / "other.json"
    other.write_text(doc.replace(header["code_hash"], "0" * 64), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text(doc[: len(doc) // 2], encoding="utf-8")
    C.MEMO.clear()
    for path in (other, broken, tmp_path / "missing.json"):
        assert not cache.preload(path)
    assert not C.is_ready("serving", "batch", header["seed"])
    # and the round trip through the format loses nothing
    _, results = cache.load()
    assert cache.to_json(results, header["seed"], header["shift"]) == doc
