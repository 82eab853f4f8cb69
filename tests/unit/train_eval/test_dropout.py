"""Dropout before BatchNorm (lab.train_eval.dropout): the dropout is torch's,
the variance shift the engine measures is what nn.Dropout and nn.BatchNorm1d
give (float32 and float64), the formula predicts it, and the words say what
the numbers are."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from torch import nn
from torch.testing import assert_close

from lab.train_eval import dropout as D
from lab.train_eval.classifier import N_TEST, TEST, engine_forward, moons
from lab.train_eval.readouts import HEADLINE, dropout_readouts


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_draws_torch_s_masks_bit_for_bit(dtype, p):
    x = torch.randn(64, 8, dtype=dtype)
    torch.manual_seed(7)
    want = nn.Dropout(p)(x)
    got = D.Dropout(p, torch.Generator().manual_seed(7)).train()(x)
    assert torch.equal(got, want)
    assert torch.equal(D.Dropout(p, torch.Generator()).eval()(x), x)
    assert torch.equal(D.Dropout(0.0, torch.Generator()).train()(x), x)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_variance_shift_is_nn_dropout_into_nn_batchnorm1d(dtype):
    """For every rate: BatchNorm1d trained on the dropped inputs (momentum 1:
    running_var is that batch's unbiased variance) holds the engine's training
    variance; in eval it normalizes the undropped inputs to the engine's std."""
    shift = D.variance_shift(0, dtype)
    dt = getattr(torch, dtype)
    x = D.sweep_inputs(0, dt)
    n = x.shape[0]
    # float32 sums of 4,096 values: their order (threads) moves the last digits
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else {}
    for i, p in enumerate(shift.rates):
        torch.manual_seed(i)  # torch's dropout, torch's generator
        keep = nn.Dropout(p)(torch.ones_like(x))  # its mask, scaled
        dropped = D.dropped(x, p, i)  # the engine's input, masks from seed i
        assert torch.equal(dropped, x * keep)
        bn = nn.BatchNorm1d(x.shape[1], affine=False, momentum=1.0, dtype=dt).train()
        bn(dropped)
        assert_close(
            torch.from_numpy(shift.train_var[i]).to(dt) * n / (n - 1),
            bn.running_var,
            **tol,
        )
        bn.running_var.copy_(torch.from_numpy(shift.train_var[i]).to(dt))  # biased
        out = bn.eval()(x)
        assert_close(
            torch.from_numpy(shift.eval_std[i]).to(dt),
            out.double().std(dim=0, correction=0).to(dt),
            **tol,
        )
    var, _ = torch.var_mean(x.double(), dim=0, correction=0)
    assert_close(torch.from_numpy(shift.var), var, **tol)


def test_the_formula_predicts_the_measured_ratio_and_p_zero_shifts_nothing():
    shift = D.variance_shift(0)
    assert np.all(shift.ratio[0] == 1.0)  # no dropout, the same variance
    # 4,096 rows: one feature's ratio is off by sampling noise that grows with
    # p (a few % up to ~10 % at p = 0.7); the mean over 8 features much less
    np.testing.assert_allclose(shift.ratio, shift.predicted, rtol=0.12)
    np.testing.assert_allclose(
        shift.ratio.mean(axis=1), shift.predicted.mean(axis=1), rtol=0.03
    )
    # v(1 − p)/(v + p·m²) ≤ 1 − p: a mean makes the shift larger, never smaller
    one_minus_p = 1 - np.asarray(shift.rates)[:, None]
    assert np.all(shift.predicted <= one_minus_p + 1e-12)
    assert np.all(shift.ratio[1:] < 1)
    assert D.predicted_ratio(0.5, np.zeros(1), np.ones(1))[0] == 0.5


def test_the_two_placements_and_the_engine_forward():
    g = torch.Generator().manual_seed(0)
    before = D.build("before", 0.3, g)
    kinds = [type(m).__name__ for m in before]
    assert kinds == [
        "Linear",
        "Dropout",
        "BatchNorm1d",
        "ReLU",
        "Linear",
        "Dropout",
        "BatchNorm1d",
        "ReLU",
        "Linear",
    ]
    after = D.build("after", 0.3, torch.Generator().manual_seed(0))
    assert [type(m).__name__ for m in after][-2:] == ["Dropout", "Linear"]
    x, _ = moons(64, 0, TEST)
    for model in (before.eval(), after.eval()):
        with torch.no_grad():
            assert_close(engine_forward(model, x, False), model(x).squeeze(1))


@pytest.fixture(scope="module")
def costs():
    """The classifier at p = 0 and 0.5 only (the page trains six rates)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(D, "RATES", (0.0, 0.5))
        return D._dropout(0, lambda f, t: None)


def test_without_dropout_the_two_placements_are_one_model(costs):
    assert costs.before[0] == costs.after[0]


def test_dropout_before_batchnorm_costs_the_classifier_and_after_does_not(costs):
    """Li et al. (2019): the variance shift, and what it costs in eval."""
    assert costs.before[1].accuracy < costs.after[1].accuracy - 0.01
    assert costs.ratio_second[1] < 0.6 < 0.9 < costs.ratio_after[1] < 1.1


def test_the_ratio_a_trained_batchnorm_meets_is_measured_on_its_inputs():
    model = D.train("before", 0.5, 1)
    x, _ = moons(N_TEST, 1, TEST)
    ratios = D.eval_ratios(model, x)
    bns = [m for m in model if isinstance(m, nn.BatchNorm1d)]
    with torch.no_grad():
        h = model[0](x)  # what the first BatchNorm gets in eval: dropout is off
    var, _ = torch.var_mean(h, dim=0, correction=0)
    assert ratios[0] == pytest.approx(float((var / bns[0].running_var).mean()), 1e-5)
    fixed = D.reestimated(model, moons(256, 1, 1)[0])
    assert not fixed.training and all(not m.training for m in fixed)
    assert D.eval_ratios(fixed, moons(256, 1, 1)[0])[0] == pytest.approx(1, abs=0.01)


def test_results_cross_the_process_boundary_unchanged(costs):
    assert D.from_arrays(D.to_arrays(costs)) == costs
    assert D.DROPOUT.pool_key(D.memo_key(0)) != D.DROPOUT.pool_key(D.memo_key(1))


def _number(s: str) -> float:
    return float(s.replace("−", "-").rstrip("%×")) / (100 if s.endswith("%") else 1)


def test_the_words_are_the_numbers(costs):
    shift = D.variance_shift(0)
    blocks = dropout_readouts(shift, costs, "accuracy", 0)
    metrics = {a: b for a, b, _ in blocks[0][1]}
    k, i = costs.rates.index(HEADLINE), shift.rates.index(HEADLINE)
    assert _number(metrics["Dropout before BN, p = 0.5"]) == pytest.approx(
        costs.before[k].accuracy, abs=5e-4
    )
    assert _number(metrics["Dropout after BN, p = 0.5"]) == pytest.approx(
        costs.after[k].accuracy, abs=5e-4
    )
    assert _number(metrics["Eval ÷ training variance"]) == pytest.approx(
        shift.ratio[i].mean(), abs=5e-4
    )
    text = " ".join(b for kind, b in blocks[1:] if kind == "text")
    m = re.search(
        r"the formula: ([\d.]+); 1 − p = ([\d.]+)\), so .* of ([\d.]+), not 1", text
    )
    assert m is not None
    assert float(m[1]) == pytest.approx(shift.predicted[i].mean(), abs=5e-4)
    assert float(m[2]) == 0.5
    assert float(m[3]) == pytest.approx(shift.eval_std[i].mean(), abs=5e-4)
    gap = costs.after[k].accuracy - costs.before[k].accuracy
    recovered = costs.reestimated[k].accuracy - costs.before[k].accuracy
    m = re.search(r"gives ([\d.]+%): (none|\d+%) of the gap", text)
    assert m is not None
    if recovered <= 0:
        assert m[2] == "none"
    else:
        assert _number(m[2]) == pytest.approx(min(recovered / gap, 1), abs=0.006)
