"""The corruption against the padded fraction (lab/sequences/sweep.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lab.core.norms import normalize
from lab.sequences.data import BatchSpec, lengths_for_fraction, with_lengths
from lab.sequences.model import NAMES
from lab.sequences.sweep import FRACTIONS, corruption_sweep
from tests.unit.sequences.common import SPECS


@pytest.mark.parametrize("name", ["ragged", "toy", "embedding", "T = 1", "largest"])
def test_each_point_is_the_largest_change_of_a_real_token(name):
    spec = SPECS[name]
    sweep = corruption_sweep(spec)
    assert set(sweep.change) == set(NAMES)
    assert len(sweep.fractions) == len(FRACTIONS)
    positions = spec.batch * spec.tokens
    for i, f in enumerate(FRACTIONS):
        assert sweep.fractions[i] == pytest.approx(round(f * positions) / positions)
        b = with_lengths(spec, lengths_for_fraction(spec.batch, spec.tokens, f))
        real = torch.from_numpy(b.mask.reshape(-1))
        padded = normalize(torch.from_numpy(b.rows()), "batch").output[real]
        alone = normalize(torch.from_numpy(b.packed()), "batch").output
        want = float((padded.double() - alone.double()).abs().max())
        assert sweep.change["batch"][i] == want
        for key in ("masked", "layer", "rms"):
            assert sweep.change[key][i] == 0.0
    assert sweep.change["batch"][0] == 0.0  # nothing padded, nothing changed


def test_the_ragged_batchs_corruption_grows_with_the_padding():
    sweep = corruption_sweep(BatchSpec())
    bn = sweep.change["batch"]
    assert bn[-1] > bn[1] > 0
    assert sweep.at("batch", 0.88) == bn[-1]  # the nearest point: 90 %


def test_a_batch_of_one_position_has_points_only_where_a_token_is_left():
    sweep = corruption_sweep(BatchSpec(batch=1, tokens=1, lengths="equal", short=1))
    padded = [float(round(f)) for f in FRACTIONS]  # whole tokens: 0 or 1
    assert sweep.fractions.tolist() == padded
    for key in NAMES:
        left = sweep.change[key][np.array(padded) == 0]
        assert (left == 0).all() and np.isnan(
            sweep.change[key][np.array(padded) == 1]
        ).all()
