"""The timing benchmark (lab.rms.timing): the references compute the norms,
a run's shapes and order statistics hold, and a run travels as arrays."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lab.rms.timing import (
    EPS,
    IMPLS,
    PASSES,
    implementations,
    kernel_of,
    layer_ref,
    rms_ref,
    run_timing,
    timing_from_arrays,
    timing_to_arrays,
)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_references_are_torch_nn(dtype):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(5, 64, generator=g, dtype=dtype) * 3 + 1
    w = torch.randn(64, generator=g, dtype=dtype)
    b = torch.randn(64, generator=g, dtype=dtype)
    ln = nn.LayerNorm(64, eps=EPS, dtype=dtype)
    rms = nn.RMSNorm(64, eps=EPS, dtype=dtype)
    with torch.no_grad():
        ln.weight.copy_(w), ln.bias.copy_(b), rms.weight.copy_(w)
        tol = 1e-5 if dtype == torch.float32 else 1e-12
        assert torch.allclose(layer_ref(x, w, b, EPS), ln(x), atol=tol)
        assert torch.allclose(rms_ref(x, w, EPS), rms(x), atol=tol)
        for impl, fn in implementations(64).items():
            want = ln(x) if impl.startswith("layer") else rms(x)
            assert torch.allclose(fn(x, w, b), want, atol=tol), impl


def test_the_library_kernels_are_what_they_say():
    assert kernel_of("layer", "cpu", torch.float32) == "NativeLayerNormBackward0"
    assert F.rms_norm is not None
    assert kernel_of("rms_ref", "cpu", torch.float32) == "MulBackward0"


def test_a_small_run_has_its_shapes_and_order():
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # the run times on one thread whatever torch had
    seen = []
    try:
        t = run_timing(4, lambda f, m: seen.append(f), sizes=(256, 512), budget=0.05)
    finally:
        torch.set_num_threads(before)
    d = len(t.dtypes)
    assert t.seconds.shape == (d, len(PASSES), 2, len(IMPLS), 3)
    assert t.ratio.shape == (d, len(PASSES), 2, 2, 3)
    assert (t.seconds > 0).all() and (t.ratio > 0).all()
    assert (np.diff(t.seconds, axis=-1) >= 0).all()  # p10 ≤ median ≤ p90
    assert (t.rounds >= 3).all()
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert t.device == "cpu" and t.threads == 1 and "float32" in t.dtypes
    assert 0 < t.cpu_share <= 1.5
    back = timing_from_arrays(timing_to_arrays(t))
    assert np.array_equal(back.seconds, t.seconds)
    assert back.dtypes == t.dtypes and back.sizes == t.sizes
    assert back.kernels == t.kernels and back.started == t.started


def test_a_run_stops_when_its_report_raises():
    def stop(fraction, message):
        if fraction > 0:
            raise RuntimeError("rerun")

    with pytest.raises(RuntimeError):
        run_timing(1, stop, sizes=(256, 512), budget=0.01)
    with pytest.raises(ValueError):
        run_timing(0)
