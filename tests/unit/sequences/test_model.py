"""The padded batch normalized four ways (lab/sequences/model.py), against
torch.nn in float32 (the page's numbers) and float64, and the exact zeros the
page prints: a masked BatchNorm, LayerNorm and RMSNorm give a real token the
same output with and without the padding around it, to the last bit."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from lab.sequences.data import BatchSpec, Padded, padded_batch
from lab.sequences.model import NAMES, build_view, changes, focus_readout
from tests.unit.sequences.common import SPECS

DTYPES = (torch.float32, torch.float64)


def in_dtype(b: Padded, dtype: torch.dtype) -> Padded:
    np_dtype = np.float64 if dtype == torch.float64 else np.float32
    return replace(b, x=b.x.astype(np_dtype))


def reference(b: Padded, key: str, dtype: torch.dtype) -> torch.Tensor | None:
    """torch.nn's output at the real tokens (R, C), or None where it refuses."""
    n, t, c = b.x.shape
    x = torch.from_numpy(b.x).to(dtype)
    rows, real = x.reshape(n * t, c), torch.from_numpy(b.mask.reshape(-1))
    with torch.no_grad():
        if key == "batch":
            return nn.BatchNorm1d(c, dtype=dtype)(rows)[real] if n * t > 1 else None
        if key == "masked":
            return nn.BatchNorm1d(c, dtype=dtype)(rows[real]) if b.real > 1 else None
        module = nn.LayerNorm(c, dtype=dtype) if key == "layer" else nn.RMSNorm(c)
        return module.to(dtype)(x)[torch.from_numpy(b.mask)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(SPECS))
def test_every_family_is_torch_nn_on_the_real_tokens(name, dtype):
    b = in_dtype(padded_batch(SPECS[name]), dtype)
    real = torch.from_numpy(b.mask.reshape(-1))
    for key, (result, _, _) in changes(b).items():
        assert result.output.dtype == dtype
        ref = reference(b, key, dtype)
        if ref is not None:
            assert_close(result.output[real], ref, atol=2e-5, rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(SPECS))
def test_padding_changes_only_batchnorm_without_a_mask(name, dtype):
    b = in_dtype(padded_batch(SPECS[name]), dtype)
    out = changes(b)
    if b.real == 0:
        assert all(change is None for _, _, change in out.values())
        return
    for key in ("masked", "layer", "rms"):
        assert out[key][2] == 0.0, key  # exactly: not close, equal
    # without a mask the pads move a real token, and nothing else does
    assert (out["batch"][2] > 0) == (b.positions > b.real)


@pytest.mark.parametrize("name", list(SPECS))
def test_the_page_checks_every_family_against_torch(name):
    view = build_view(SPECS[name])
    b = view.batch
    for key, fam in view.families.items():
        if fam.torch_error:
            assert "Expected more than 1 value per channel" in fam.torch_error
            assert (key == "batch" and b.positions == 1) or (
                key == "masked" and b.real == 1
            )
        elif key == "masked" and b.real == 0:
            assert fam.torch_diff is None
        else:
            scale = max(1.0, float(np.abs(fam.y).max()))
            assert fam.torch_diff <= 1e-5 * scale, (key, fam.torch_diff)
    for key in ("layer", "rms"):
        want = None if b.real == 0 else 0.0
        assert view.families[key].unpadded_diff == want


def test_the_toy_case_mean_3_to_1_5_variance_2_to_3_25():
    from lab.sequences.state import PAGE

    view = build_view(PAGE.base("toy").spec)
    ch = view.channels
    assert ch.real_mean.tolist() == [3.0] and ch.real_var.tolist() == [2.0]
    assert ch.all_mean.tolist() == [1.5] and ch.all_var.tolist() == [3.25]
    assert view.batch.packed()[:, 0].tolist() == [1, 2, 3, 4, 5]
    assert view.batch.x[0, 5:, 0].tolist() == [0] * 5


def test_with_every_position_padded_there_is_nothing_to_change_and_it_says_so():
    view = build_view(BatchSpec(lengths="equal", short=0))
    masked = view.families["masked"]
    assert masked.result.has_note("no_real_positions")
    assert all(f.change is None and f.alone is None for f in view.families.values())
    assert np.isnan(view.channels.real_mean).all()
    r = focus_readout(view, "batch", (3, 2))
    assert r.is_pad and r.y_alone is None and r.pads_pooled == r.pooled == 96


def test_a_flat_channel_has_zero_variance_with_the_mask_and_not_without():
    view = build_view(BatchSpec(data="flat"))
    assert view.channels.real_var[0] == 0.0 and view.channels.all_var[0] > 0
    assert view.families["masked"].result.has_note("zero_variance")
    real = view.batch.mask.reshape(-1)
    assert (view.families["masked"].y[real, 0] == 0).all()  # β
    assert np.abs(view.families["batch"].y[real, 0]).max() > 0.5


@pytest.mark.parametrize("key", list(NAMES))
def test_the_readout_names_what_the_focused_statistic_pooled(key):
    view = build_view(BatchSpec())
    b = view.batch
    real_row = 0  # sequence 0, position 0 is real (lengths start at 8)
    pad_row = int(b.lengths[1]) + 12  # sequence 1's first pad
    r = focus_readout(view, key, (real_row, 2))
    assert (r.sequence, r.position, r.channel, r.is_pad) == (0, 0, 2, False)
    assert r.x == b.x[0, 0, 2] and r.y == view.families[key].y[0, 2]
    assert r.y_alone == float(view.families[key].alone.output[0, 2])
    expected = {
        "batch": (96, 96 - b.real),
        "masked": (b.real, 0),
        "layer": (6, 0),
        "rms": (6, 0),
    }[key]
    assert (r.pooled, r.pads_pooled) == expected
    pad = focus_readout(view, key, (pad_row, 2))
    assert pad.is_pad and pad.y_alone is None and pad.sequence == 1
    if key in ("layer", "rms"):
        assert pad.pads_pooled == 6
    if key == "rms":
        assert r.mean is None


def test_a_real_tokens_output_without_padding_is_read_in_packed_order():
    view = build_view(BatchSpec(batch=3, tokens=5, lengths="random", short=1))
    b = view.batch
    packed = b.packed()
    k = 0
    for n in range(3):
        for t in range(int(b.lengths[n])):
            r = focus_readout(view, "layer", (n * 5 + t, 1))
            assert r.x == packed[k, 1] and r.y_alone == r.y  # LayerNorm: no change
            k += 1


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(
    n=st.integers(1, 6),
    t=st.integers(1, 9),
    c=st.integers(1, 7),
    short=st.integers(0, 9),
    lengths=st.sampled_from(["equal", "random", "one_long"]),
    pad=st.sampled_from(["zeros", "constant", "embedding"]),
    seed=st.integers(0, 500),
)
def test_the_invariances_hold_for_any_batch(n, t, c, short, lengths, pad, seed):
    spec = BatchSpec(
        batch=n,
        tokens=t,
        features=c,
        short=min(short, t),
        lengths=lengths,
        pad=pad,
        padval=2.5,
        seed=seed,
    )
    out = changes(padded_batch(spec))
    for key in ("masked", "layer", "rms"):
        assert out[key][2] in (0.0, None)
