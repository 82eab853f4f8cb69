"""The Tensor view's synthetic tensor (`lab.tensor.data`): same spec, same
numbers, and each knob moves the data the way its help text says."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lab.tensor.data import MAX_C, MAX_N, TensorSpec, make_tensor
from tests.unit.tensor.common import spec_of

# ---- the tensor ----


def test_same_spec_same_numbers_other_seed_other_numbers():
    a = make_tensor(TensorSpec(seed=3))
    assert a.dtype == np.float32 and a.shape == (4, 6, 3, 3)
    assert np.array_equal(a, make_tensor(TensorSpec(seed=3)))
    assert not np.array_equal(a, make_tensor(TensorSpec(seed=4)))


def test_growing_n_and_c_keeps_the_cells_on_screen():
    small = make_tensor(spec_of((2, 3, 3, 3)))
    big = make_tensor(spec_of((MAX_N, MAX_C, 3, 3)))
    assert np.array_equal(small, big[:2, :3])


def test_shift_moves_each_channel_by_one_amount():
    base = spec_of((8, 12, 4, 4), spot=0.0, shift=0.0)
    moved = make_tensor(replace(base, shift=2.0)) - make_tensor(base)  # N,C,H,W
    per_channel = moved.reshape(8, 12, -1).transpose(1, 0, 2).reshape(12, -1)
    assert np.allclose(per_channel.std(axis=1), 0, atol=1e-5)
    assert per_channel[:, 0].std() > 0.5  # channels moved by different amounts


def test_the_bright_patch_lifts_every_channel_of_a_position_alike():
    base = spec_of((8, 12, 4, 4), spot=0.0)
    lift = make_tensor(replace(base, spot=3.0)) - make_tensor(base)  # N,C,H,W
    assert np.allclose(lift.std(axis=1), 0, atol=1e-5)  # same across channels
    assert lift.max() > 2.0 and lift.min() >= 0
    assert (lift[:, 0].reshape(8, -1).std(axis=1) > 0.1).all()  # varies in space


def test_a_spec_outside_the_bounds_is_refused():
    for bad in (
        {"batch": 0},
        {"channels": MAX_C + 1},
        {"height": 7},
        {"shift": np.nan},
    ):
        with pytest.raises(ValueError):
            TensorSpec(**bad)
