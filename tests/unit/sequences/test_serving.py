"""Train vs eval with padding, and one token at a time (lab/sequences/serving.py),
against torch.nn."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn
from torch.testing import assert_close

from lab.sequences.data import BatchSpec, padded_batch, training_batch
from lab.sequences.model import build_view
from lab.sequences.serving import (
    MOMENTUM,
    TRAIN_STEPS,
    one_token,
    serving,
    token_to_serve,
)
from tests.unit.sequences.common import SPECS


def _torch_running(spec: BatchSpec, masked: bool) -> nn.BatchNorm1d:
    module = nn.BatchNorm1d(spec.features, momentum=MOMENTUM)
    for step in range(1, TRAIN_STEPS + 1):
        b = training_batch(spec, step)
        fed = torch.from_numpy(b.packed() if masked else b.rows())
        if fed.shape[0] > 1:
            with torch.no_grad():
                module(fed)
    return module


@pytest.mark.parametrize(
    "name", ["ragged", "toy", "one_long", "embedding", "flat", "T = 1", "all padded"]
)
def test_running_statistics_are_batchnorm1ds_fed_the_same_batches(name):
    spec = SPECS[name]
    serve = serving(spec)
    for masked, run in ((False, serve.padded), (True, serve.masked)):
        module = _torch_running(spec, masked)
        if run.updates == 0:  # nothing had two values: both stay at (0, 1)
            assert np.array_equal(run.mean, np.zeros(spec.features))
            continue
        assert run.updates == int(module.num_batches_tracked)
        assert_close(torch.from_numpy(run.mean).float(), module.running_mean)
        assert_close(torch.from_numpy(run.var).float(), module.running_var)
        assert run.torch_diff < 1e-5


def test_momentum_none_makes_the_running_mean_the_average_of_the_batches():
    spec = BatchSpec()
    serve = serving(spec)
    batches = [training_batch(spec, k) for k in range(1, TRAIN_STEPS + 1)]
    for run, pooled in ((serve.padded, "rows"), (serve.masked, "packed")):
        means = [getattr(b, pooled)().mean(0) for b in batches]
        want = np.mean(means, axis=0, dtype=np.float64)
        assert_close(
            torch.from_numpy(run.mean), torch.from_numpy(want), atol=1e-5, rtol=1e-5
        )


def test_served_outputs_are_eval_mode_batchnorm1d_with_those_statistics():
    spec = BatchSpec()
    serve = serving(spec)
    packed = torch.from_numpy(padded_batch(spec).packed())
    for run, served in (
        (serve.padded, serve.served_padded),
        (serve.masked, serve.served_masked),
    ):
        module = nn.BatchNorm1d(spec.features).eval()
        module.running_mean.copy_(torch.from_numpy(run.mean))
        module.running_var.copy_(torch.from_numpy(run.var))
        with torch.no_grad():
            assert_close(torch.from_numpy(served), module(packed))
    gap = np.abs(serve.served_padded.astype(np.float64) - serve.served_masked).max()
    assert serve.gap == float(gap) > 0.5
    assert serve.layer_gap == 0.0


def test_with_nothing_padded_the_two_layers_learn_the_same():
    serve = serving(BatchSpec(lengths="equal", short=12))
    assert np.array_equal(serve.padded.mean, serve.masked.mean)
    assert np.array_equal(serve.padded.var, serve.masked.var)
    assert serve.gap == 0.0


def test_with_no_real_token_there_is_nothing_to_serve():
    serve = serving(BatchSpec(lengths="equal", short=0))
    assert serve.gap is None and serve.layer_gap is None
    assert serve.masked.updates == 0 and serve.masked.torch_diff is None
    assert (
        one_token(build_view(BatchSpec(lengths="equal", short=0)), serve, 0, 0) is None
    )


@pytest.mark.parametrize("name", ["ragged", "toy", "one channel", "T = 1", "flat"])
def test_one_token_alone(name):
    spec = SPECS[name]
    view, serve = build_view(spec), serving(spec)
    tok = one_token(view, serve, 0, 0)
    c = spec.features
    # BatchNorm in train mode on one token: β, and torch refuses
    assert tok.train_alone.has_note("batch_of_one")
    assert np.array_equal(tok.train_alone.output.numpy(), np.zeros((1, c), np.float32))
    assert "Expected more than 1 value per channel" in tok.torch_error
    # LayerNorm and RMSNorm: the token's output inside the batch, exactly
    for key in ("layer", "rms"):
        assert tok.diff(key) == 0.0 and tok.torch_diff[key] == 0.0
    row = tok.sequence * spec.tokens + tok.position
    assert np.array_equal(tok.in_batch, view.families["masked"].y[row])
    module = nn.BatchNorm1d(c).eval()
    module.running_mean.copy_(torch.from_numpy(serve.padded.mean))
    module.running_var.copy_(torch.from_numpy(serve.padded.var))
    with torch.no_grad():
        want = module(torch.from_numpy(tok.x).unsqueeze(0))[0]
    assert_close(torch.from_numpy(tok.eval_padded), want)


def test_the_token_served_is_the_focused_one_or_the_nearest_real_one():
    b = padded_batch(BatchSpec(lengths="one_long", short=2))
    assert token_to_serve(b, 0, 7) == (0, 7)  # real
    assert token_to_serve(b, 3, 9) == (3, 1)  # a pad: its sequence's last token
    empty = padded_batch(BatchSpec(lengths="one_long", short=0))
    assert token_to_serve(empty, 4, 2) == (0, 11)  # an empty sequence: the first real
    none = padded_batch(replace(BatchSpec(), lengths="equal", short=0))
    assert token_to_serve(none, 1, 1) is None
