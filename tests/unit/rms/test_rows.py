"""The mean that survives RMSNorm and the ε conventions (lab.rms.rows), against
torch.nn.LayerNorm / torch.nn.RMSNorm in float32 and float64, and against
the closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from lab.rms.rows import (
    SCALES,
    TABLE_SCALES,
    WIDTH,
    conventions,
    eps_compare,
    example,
    mean_survives,
    scaled_rows,
)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mean", [-7.5, 0.0, 3.0, 10.0])
@pytest.mark.parametrize("eps", [None, 1e-5, 0.1])
def test_the_example_through_torch_nn(dtype, mean, eps):
    m = mean_survives(mean, 0, eps, dtype)
    dt = getattr(torch, dtype)
    x = example(mean, 0, dt)[0]
    kw = {} if eps is None else {"eps": eps}
    y_ln = nn.LayerNorm(WIDTH, dtype=dt, **kw)(x).detach().double().numpy()
    y_rms = nn.RMSNorm(WIDTH, dtype=dt, **kw)(x).detach().double().numpy()
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(m.y_layer, y_ln, atol=tol)
    np.testing.assert_allclose(m.y_rms, y_rms, atol=tol)
    assert m.mean_layer == pytest.approx(y_ln.mean(), abs=tol)
    assert m.mean_rms == pytest.approx(y_rms.mean(), abs=tol)
    cos = y_ln @ y_rms / (np.linalg.norm(y_ln) * np.linalg.norm(y_rms))
    assert m.angle == pytest.approx(math.degrees(math.acos(min(1, cos))), abs=1e-3)
    assert m.identity_error <= 10 * tol  # y_RMS = kept·1 + shrink·y_LN
    assert m.mean_in == pytest.approx(mean, abs=1e-6 * max(1, abs(mean)))


def test_the_angle_is_arctan_of_mean_over_std_as_eps_vanishes():
    for mean in (0.5, 3.0, 10.0, -4.0):
        m = mean_survives(mean, 0, 0.0, "float64")
        assert m.std_in == pytest.approx(1.0)
        assert m.angle == pytest.approx(math.degrees(math.atan(abs(mean))), abs=1e-9)
        assert m.mean_rms == pytest.approx(mean / math.sqrt(1 + mean**2))
        assert m.kept == pytest.approx(m.mean_rms)
        assert m.shrink == pytest.approx(1 / math.sqrt(1 + mean**2))
        assert np.sign(m.mean_rms) == np.sign(mean)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_inside_conventions_are_torch_nn(dtype):
    e = eps_compare(None, 0, dtype)
    dt = getattr(torch, dtype)
    x = scaled_rows(SCALES, 0, dt)
    for k, c in enumerate(e.convs):
        if not c.inside:
            continue
        kw = {} if c.eps is None else {"eps": c.eps}
        mod = (nn.RMSNorm if c.family == "rms" else nn.LayerNorm)(WIDTH, dtype=dt, **kw)
        y = mod(x).detach().double()
        ref = y.square().mean(1).sqrt().numpy()
        np.testing.assert_allclose(e.out[k], ref, rtol=1e-5, atol=1e-7)


def test_conventions_follow_their_closed_forms_in_float64():
    e = eps_compare(1e-3, 0, "float64")
    assert [c.key for c in e.convs][-1] == "page"  # the page's ε joins them
    s = np.asarray(TABLE_SCALES)
    for k, c in enumerate(e.convs):
        eps = c.eps if c.eps is not None else float(torch.finfo(torch.float64).eps)
        want = s / np.sqrt(s**2 + eps) if c.inside else s / (s + eps)
        np.testing.assert_allclose(e.table[k], want, rtol=1e-9)
        half = e.half[k]
        got = half / math.sqrt(half**2 + eps) if c.inside else half / (half + eps)
        assert got == pytest.approx(0.5)


def test_the_pages_eps_is_shown_only_when_new():
    assert [c.key for c in conventions(1e-6)] == [
        "torch",
        "llama",
        "outside",
        "layer",
        "bert",
    ]
    assert conventions(0.0)[-1].key == "page"
    e = eps_compare(0.0, 0, "float64")
    assert e.half[-1] == 0 and np.allclose(e.table[-1], 1.0)
