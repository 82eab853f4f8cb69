"""The padded batch (lab/sequences/data.py): lengths, pads, and draws that stay
put when the batch grows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.sequences.data import (
    FLAT_CHANNEL,
    FLAT_VALUE,
    MAX_BATCH,
    MAX_TOKENS,
    BatchSpec,
    draw_lengths,
    lengths_for_fraction,
    pad_vector,
    padded_batch,
    tokens,
    training_batch,
)


def test_lengths_follow_the_three_rules():
    assert draw_lengths(BatchSpec(lengths="equal", short=5)).tolist() == [5] * 8
    assert (
        draw_lengths(BatchSpec(lengths="one_long", short=3)).tolist() == [12] + [3] * 7
    )
    random = draw_lengths(BatchSpec(batch=16, lengths="random", short=4))
    assert random.min() >= 4 and random.max() <= 12
    assert len(set(random.tolist())) > 1


@settings(max_examples=80, deadline=None, derandomize=True, database=None)
@given(
    batch=st.integers(1, MAX_BATCH),
    t=st.integers(1, MAX_TOKENS),
    short=st.integers(0, MAX_TOKENS),
    lengths=st.sampled_from(["equal", "random", "one_long"]),
    seed=st.integers(0, 1000),
)
def test_a_batch_is_its_tokens_then_its_pads(batch, t, short, lengths, seed):
    spec = BatchSpec(
        batch=batch, tokens=t, short=min(short, t), lengths=lengths, seed=seed
    )
    b = padded_batch(spec)
    assert b.x.shape == (batch, t, 6) and b.x.dtype == np.float32
    assert (b.lengths >= 0).all() and (b.lengths <= t).all()
    assert b.real == int(b.lengths.sum()) == len(b.packed())
    assert np.array_equal(b.mask.sum(1), b.lengths)
    # real tokens first, then pads: a mask is a prefix of each row
    assert np.array_equal(b.mask, np.arange(t)[None, :] < b.lengths[:, None])
    assert np.array_equal(b.x[~b.mask], np.broadcast_to(b.pad, b.x[~b.mask].shape))
    assert np.array_equal(b.x[b.mask], tokens(spec)[b.mask])
    assert np.array_equal(b.rows().reshape(b.x.shape), b.x)


def test_the_three_pads():
    spec = BatchSpec(features=5)
    assert np.array_equal(pad_vector(spec), np.zeros(5, np.float32))
    assert np.array_equal(
        pad_vector(replace(spec, pad="constant", padval=-2.5)), np.full(5, -2.5)
    )
    emb = pad_vector(replace(spec, pad="embedding"))
    assert emb.shape == (5,) and len(set(emb.tolist())) == 5  # not a constant
    assert np.array_equal(emb, pad_vector(replace(spec, pad="embedding", batch=3)))


def test_growing_the_batch_keeps_the_sequences_on_screen():
    small = padded_batch(BatchSpec(batch=4, tokens=8))
    large = padded_batch(BatchSpec(batch=9, tokens=8))
    assert np.array_equal(small.lengths, large.lengths[:4])
    assert np.array_equal(small.x, large.x[:4])
    longer = tokens(BatchSpec(batch=4, tokens=11))
    assert np.array_equal(tokens(BatchSpec(batch=4, tokens=8)), longer[:, :8])


def test_counting_tokens_and_a_flat_channel():
    count = tokens(BatchSpec(batch=2, tokens=5, features=3, data="count"))
    assert np.array_equal(count[1, :, 2], [1, 2, 3, 4, 5])
    flat = padded_batch(BatchSpec(data="flat"))
    assert (flat.packed()[:, FLAT_CHANNEL] == FLAT_VALUE).all()
    assert flat.packed()[:, FLAT_CHANNEL + 1].std() > 0


def test_training_batches_are_new_tokens_from_the_same_channels():
    spec = BatchSpec(batch=16, tokens=24, shift=4.0, drift=0.0)
    one, two = training_batch(spec, 1), training_batch(spec, 2)
    assert not np.array_equal(one.x, two.x)
    assert not np.array_equal(one.x, padded_batch(spec).x)
    # the per-channel means (shift·u) are the same distribution's
    means = [tokens(replace(spec, stream=k)).mean((0, 1)) for k in range(1, 6)]
    assert np.ptp(np.array(means), axis=0).max() < 0.5


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.35, 0.5, 0.9])
@pytest.mark.parametrize(("n", "t"), [(8, 12), (3, 7), (1, 1), (16, 24)])
def test_lengths_for_a_fraction_pad_that_many_positions(n, t, fraction):
    lengths = lengths_for_fraction(n, t, fraction)
    assert (lengths >= 0).all() and (lengths <= t).all()
    assert lengths.max() - lengths.min() <= 1
    assert n * t - lengths.sum() == round(fraction * n * t)


@pytest.mark.parametrize(
    "kw",
    [
        {"batch": 0},
        {"tokens": MAX_TOKENS + 1},
        {"short": 13},
        {"pad": "ones"},
        {"shift": float("nan")},
        {"outlier": 0.0},
    ],
)
def test_an_impossible_batch_raises_value_error(kw):
    with pytest.raises(ValueError):
        BatchSpec(**kw)
