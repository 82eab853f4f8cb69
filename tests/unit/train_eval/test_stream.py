"""The stream (`lab.train_eval.stream`): running statistics, the drift, the two
modes on one batch and the variance readout, checked against torch.nn modules
and exact arithmetic."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.testing import assert_close

from lab.train_eval.stream import (
    DRIFT_END,
    DRIFT_START,
    JUMP_AT,
    MAX_STEPS,
    PATTERNS,
    StreamSpec,
    compare,
    drift_amount,
    stream_batches,
    stream_trace,
    torch_agreement,
    true_moments,
    variance_readout,
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
