"""The real run's model, task and keeping (lab/sequences/run.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.testing import assert_close

from lab.core.workers import Workers
from lab.sequences import run as R


def test_the_task_is_the_sign_of_the_first_features_mean_over_real_tokens():
    x, mask, y = R.sample(256, (2, 8), seed=3, stream=7)
    assert x.shape == (256, R.LENGTH, R.FEATURES) and mask.shape == (256, R.LENGTH)
    lengths = mask.sum(1)
    assert lengths.min() >= 2 and lengths.max() <= 8
    assert (x[~mask] == 0).all()  # zero pads
    mean = (x[:, :, 0] * mask).sum(1) / lengths
    assert torch.equal(y, (mean > 0).float())
    assert 0.3 < float(y.mean()) < 0.7  # both classes
    again = R.sample(256, (2, 8), seed=3, stream=7)
    assert all(torch.equal(a, b) for a, b in zip((x, mask, y), again, strict=True))


def test_the_masked_norm_is_batchnorm1d_on_the_packed_real_tokens():
    g = torch.Generator().manual_seed(0)
    h = torch.randn(5, R.HIDDEN, R.LENGTH, generator=g)
    mask = torch.rand(5, R.LENGTH, generator=g) < 0.5
    norm = R.TokenNorm("masked")
    out = norm(h, mask).transpose(1, 2)[mask]  # R,H
    ref = nn.BatchNorm1d(R.HIDDEN)(h.transpose(1, 2)[mask])
    assert_close(out, ref)
    plain = R.TokenNorm("batch")(h, mask)
    assert_close(plain, nn.BatchNorm1d(R.HIDDEN)(h))
    layer = R.TokenNorm("layer")(h, mask).transpose(1, 2)
    assert_close(layer, nn.LayerNorm(R.HIDDEN)(h.transpose(1, 2)))


@pytest.mark.parametrize("variant", R.VARIANTS)
def test_in_eval_mode_no_pad_reaches_a_real_token(variant):
    """What the page says under the run's chart: the two test sets differ by
    their lengths, not by their pads. Garbage in the pads changes nothing (they
    are zeroed before each convolution), and neither do more pads (a sequence of
    padding only, added to the batch) in eval mode; in training they move
    BatchNorm's statistics, unless it is masked."""
    model = R.SeqModel(variant, torch.Generator().manual_seed(1))
    x, mask, _ = R.sample(64, (2, 8), seed=0, stream=5)
    noisy = x + torch.randn(x.shape) * (~mask).unsqueeze(2)
    more_x = torch.cat([x, torch.zeros(8, R.LENGTH, R.FEATURES)])
    more_mask = torch.cat([mask, torch.zeros(8, R.LENGTH, dtype=torch.bool)])
    for training in (False, True):
        model.train(training)
        with torch.no_grad():
            plain = model(x, mask)
            assert torch.equal(plain, model(noisy, mask))
            padded = model(more_x, more_mask)[:64]
        if training and variant == "batch":
            assert (padded - plain).abs().max() > 1e-3
        else:
            assert_close(padded, plain, rtol=0, atol=1e-6)


def test_a_run_is_repeatable_and_travels_through_a_worker_file(monkeypatch):
    monkeypatch.setattr(R, "STEPS", 12)
    monkeypatch.setattr(R, "N_TEST", 64)
    a, b = R.compute(5), R.compute(5)
    assert a == b and a.variants == R.VARIANTS and a.steps == 12
    assert all(0 <= v <= 1 for v in (*a.little, *a.much))
    assert R.from_arrays(R.to_arrays(a)) == a
    assert a.accuracy("masked", "much") == a.much[1]


def test_kept_for_every_session_and_not_recomputed(monkeypatch):
    monkeypatch.setattr(R, "STEPS", 6)
    monkeypatch.setattr(R, "N_TEST", 32)
    R.forget()
    seen = []
    result = R.run_results(7, lambda f, m: seen.append(f))
    assert seen and seen[-1] == 1.0 and R.is_ready(7)

    def boom(*a, **k):
        raise AssertionError("computed again")

    monkeypatch.setattr(R, "compute", boom)
    assert R.run_results(7) is result
    R.forget()
    assert not R.is_ready(7)


def test_an_interrupted_run_keeps_nothing(monkeypatch):
    monkeypatch.setattr(R, "STEPS", 60)
    R.forget()

    class Stop(Exception):
        pass

    def report(f: float, m: str) -> None:
        if f > 0.1:
            raise Stop

    with pytest.raises(Stop):
        R.run_results(8, report)
    assert not R.is_ready(8)


def test_a_worker_computes_the_same_run(tmp_path, monkeypatch):
    """On a server the run goes to the worker pool (the worker imports the
    module afresh, so the run there has the module's full settings)."""
    monkeypatch.setattr(R, "STEPS", R.STEPS)
    pool = Workers(1, results=tmp_path)
    try:
        monkeypatch.setattr(R, "default_workers", lambda: pool)
        R.forget()
        got = R.run_results(0)
        assert (tmp_path / f"{R.pool_key(0)}.npz").exists()
        from lab.sequences.cache import load

        _, shipped = load()
        assert got.variants == shipped.variants
        np.testing.assert_allclose(got.little, shipped.little, atol=0.02)
    finally:
        pool.shutdown()
        R.forget()
