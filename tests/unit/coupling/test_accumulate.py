"""SyncBatchNorm with gradient accumulation (lab.coupling.accumulate) against
torch.nn.BatchNorm1d, and the accumulation view's words against its numbers.

The all-reduce itself runs through a real gloo process group in
test_syncbn_distributed.py; here the statistics each micro-batch gets are held
to BatchNorm1d on that micro-batch, in float32 and float64."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from torch import nn
from torch.testing import assert_close

from lab.coupling.accum_panel import accumulation_rows
from lab.coupling.accumulate import (
    _moments,
    accumulated_batch_norm,
    accumulation,
    accumulation_spread,
    accumulation_steps,
    draw_batches,
    micro_devices,
)
from lab.coupling.batches import split
from lab.coupling.model import Population, make_batch
from lab.coupling.panels import view_panel
from lab.coupling.state import PAGE

POP = Population(features=6, gap=2.0, seed=3)


def _bn(x: torch.Tensor) -> torch.Tensor:
    return nn.BatchNorm1d(x.shape[1], affine=False, dtype=x.dtype).train()(x)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("steps", "devices"), [(4, 4), (2, 3), (8, 1), (1, 8)])
def test_each_micro_batch_is_batchnorm_on_that_micro_batch(dtype, steps, devices):
    x = make_batch(POP, 32).to(dtype) + 5.0  # B,F; a mean stresses Σx² − Nμ²
    got = accumulated_batch_norm(x, steps, devices)
    want = torch.cat([_bn(m) for m in split(x, steps)])
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == torch.float32 else {}
    assert_close(got, want, **tol)


def test_accumulation_is_not_batchnorm_on_the_effective_batch():
    x = make_batch(POP, 32)
    accumulated = accumulated_batch_norm(x, 4, 4)
    assert (accumulated - _bn(x)).abs().max() > 0.05
    assert_close(accumulated_batch_norm(x, 1, 4), _bn(x), rtol=1e-4, atol=1e-4)


def test_the_view_s_statistics_are_the_micro_batches_and_their_sum():
    acc = accumulation(POP, 48, 12, 4)
    x = make_batch(POP, 48).double()
    assert (acc.steps, acc.devices, acc.per_device) == (4, 4, (3, 3, 3, 3))
    for j, m in enumerate(split(x, 4)):
        var, mean = torch.var_mean(m, dim=0, correction=0)
        assert_close(torch.from_numpy(acc.means[j]), mean, rtol=1e-6, atol=1e-6)
        assert_close(torch.from_numpy(acc.variances[j]), var, rtol=1e-6, atol=1e-6)
    var, mean = torch.var_mean(x, dim=0, correction=0)
    assert_close(torch.from_numpy(acc.split.var), var, rtol=1e-6, atol=1e-6)
    # the law of total variance, equal micro-batches: within + between = whole
    np.testing.assert_allclose(acc.within + acc.between, acc.split.var, rtol=1e-12)
    assert acc.sync_error < 1e-5
    full = _bn(make_batch(POP, 48))
    acc_out = accumulated_batch_norm(make_batch(POP, 48), 4, 4)
    assert acc.effective_gap == pytest.approx(float((acc_out - full).abs().max()))


def test_a_micro_batch_must_divide_the_batch_and_idle_devices_sit_out():
    with pytest.raises(ValueError):
        accumulation(POP, 48, 10, 4)
    assert micro_devices(4, 8) == 4 and micro_devices(16, 8) == 8
    assert accumulation(POP, 16, 4, 8).per_device == (1, 1, 1, 1)
    assert accumulation_steps(64, 8) == (1, 2, 4, 8)
    assert accumulation_steps(12, 1) == (1, 2, 3, 4, 6, 12)


def test_moments_are_the_engine_s_and_torch_s():
    x = draw_batches(POP, 50, 12)  # R,B,F
    mean, var = _moments(x)
    want_var, want_mean = torch.var_mean(x.double(), dim=1, correction=0)
    assert_close(mean, want_mean)
    assert_close(var, want_var)


def test_the_spread_of_mu_is_sigma_over_root_n_and_root_k_above_the_effective():
    s = accumulation_spread(POP, 1, 64, 4, 2000)
    assert s.steps == (1, 2, 4, 8, 16)
    assert s.sync_sd[0] == s.effective_sd  # k = 1: the micro-batch is the batch
    for k, g, d, sd, dev in zip(
        s.steps, s.micro, s.device, s.sync_sd, s.device_sd, strict=True
    ):
        assert g * k == 64 and d == g // 4
        # 2000 redraws: a standard deviation is within a few % of its value
        assert sd == pytest.approx(s.sigma / math.sqrt(g), rel=0.08)
        assert dev == pytest.approx(s.sigma / math.sqrt(d), rel=0.08)
        assert sd / s.effective_sd == pytest.approx(math.sqrt(k), rel=0.1)


def test_the_view_says_what_its_numbers_are():
    state = PAGE.pick(PAGE.initial(), "accum")
    assert (state.batch, state.ghost, state.devices) == (64, 16, 8)
    words = view_panel(state).words()
    acc = accumulation(state.population, 64, 16, 8)
    j = state.focus[1]
    assert "accumulated from 4 micro-batches of 16" in words
    assert "over 8 devices, 2 per device" in words
    assert "SyncBN's statistics from: 16 examples" in words
    assert "Effective batch: 64 = 4 × 16" in words
    rows = accumulation_rows(acc, j)
    assert [int(r[1]) for r in rows] == [16, 16, 16, 16, 64]
    sums = [float(r[2].replace("−", "-")) for r in rows]
    assert sum(sums[:-1]) == pytest.approx(sums[-1], rel=1e-4)
    m = re.search(
        r"their μ: (\S+) \+ (\S+) = (\S+) \(the table's last row: (\S+)\)", words
    )
    assert m is not None
    within, between, total, last = (float(v.replace("−", "-")) for v in m.groups())
    assert within + between == pytest.approx(total, rel=1e-4)
    assert total == pytest.approx(last, rel=1e-4)
    spread = accumulation_spread(state.population, j, 64, 8, state.resamples)
    ratio = spread.sync_sd[spread.steps.index(4)] / spread.effective_sd
    assert f"sd(μ): micro-batch ÷ effective: {ratio:.3f}".rstrip("0") in words


def test_no_accumulation_and_idle_devices_are_said():
    state = PAGE.pick(PAGE.initial(), "accum")
    one = PAGE.settle(state.__class__(**{**state.__dict__, "ghost": 64}))
    assert "k = 1: the micro-batch is the whole batch of 64" in view_panel(one).words()
    idle = PAGE.settle(state.__class__(**{**state.__dict__, "ghost": 4}))
    assert "8 devices but micro-batches of 4: 4 devices would get no example" in (
        view_panel(idle).words()
    )
