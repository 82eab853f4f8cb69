"""Santurkar et al.'s measures (lab.why.landscape): on a quadratic where
they are known, as medians of the sweep's probes, and compared only over the
runs' common range of training loss.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from lab.why import texts as T
from lab.why.figures import running_mean
from lab.why.landscape import (
    compare_at,
    effective_beta,
    gradient_change,
    landscape,
    landscape_series,
    loss_variation,
)
from lab.why.runs import (
    LR_GRID,
    PROBE_EVERY,
    PROBE_SIZES,
    probe_along_gradient,
    run_sweep,
)
from lab.why.verdicts import landscape_verdict
from tests.unit.why.cases import ETAS, LRS, TINY, probed_sweep, quadratic


def test_landscape_numbers_are_medians_of_the_probe_ranges():
    # Changed on purpose (issue 12): the loss is measured as its variation
    # (max − min) along the gradient, not its level.
    sweep = run_sweep(replace(TINY, steps=31), variants=("none", "batch"), lrs=LRS)
    s = landscape_series(sweep, "none", LRS[1])
    run = sweep.runs["none"]
    probe = run.probe_loss[:, 1].astype(np.float64)
    assert np.array_equal(s["loss_var"], probe.max(axis=1) - probe.min(axis=1))
    moved = np.asarray(PROBE_SIZES)[None] * LRS[1] * run.grad_norm[:, 1, None]
    assert_close(
        s["beta"], (run.probe_gdiff[:, 1] / moved).max(axis=1), check_dtype=False
    )
    ls = landscape(sweep, "none", LRS[1])
    assert ls.points == len(range(0, 31, PROBE_EVERY))
    assert ls.loss_var == pytest.approx(float(np.median(s["loss_var"])))
    level, _ = landscape_verdict(sweep, LRS[1])
    assert level in {"success", "warning", "info"}


def test_running_mean_is_trailing_and_keeps_nan():
    a = np.array([1.0, 3.0, 5.0, np.nan])
    assert np.allclose(running_mean(a, 2)[:3], [1.0, 2.0, 4.0])
    assert np.isnan(running_mean(a, 2)[3])


def test_the_measures_on_a_quadratic_along_an_eigenvector():
    """w on A's top eigenvector (λ = 4): L(w − ηg) = ½λ(1 − ηλ)²‖w‖², the
    gradient changes by ηλ‖g‖, so the effective β-smoothness is exactly λ."""
    lam, r = 4.0, 1.5
    w = torch.tensor([r, 0.0, 0.0], dtype=torch.float64)
    losses, changes, gnorm = probe_along_gradient(quadratic, w, ETAS)
    closed = [0.5 * lam * (1 - eta * lam) ** 2 * r**2 for eta in ETAS]
    assert float(loss_variation(losses)) == pytest.approx(max(closed) - min(closed))
    assert float(gradient_change(changes)) == pytest.approx(max(ETAS) * lam * lam * r)
    beta = float(effective_beta(changes, np.asarray(ETAS), np.asarray(gnorm)))
    assert beta == pytest.approx(lam)
    # off an eigenvector β lies between the smallest and largest eigenvalue
    w2 = torch.tensor([1.0, 1.0, 1.0], dtype=torch.float64)
    _, ch2, gn2 = probe_along_gradient(quadratic, w2, ETAS)
    b2 = float(effective_beta(ch2, np.asarray(ETAS), np.asarray(gn2)))
    assert 0.25 < b2 < 4.0


def test_loss_variation_is_a_range_not_a_level():
    flat_low = np.array([[0.1, 0.1, 0.1, 0.1]])
    steep_low = np.array([[0.3, 0.1, 0.05, 0.2]])
    high_flat = np.array([[5.0, 5.0, 5.0, 5.01]])
    assert loss_variation(flat_low)[0] == 0
    assert loss_variation(steep_low)[0] == pytest.approx(0.25)
    assert loss_variation(high_flat)[0] == pytest.approx(0.01)


def test_runs_are_compared_only_over_their_common_range_of_training_loss():
    # BatchNorm trains further (down to 0.2); its late, small values must not
    # count against no norm's, which never got below 0.6.
    sweep = probed_sweep(
        {"none": [1.3, 1.0, 0.8, 0.6], "batch": [1.3, 0.9, 0.6, 0.4, 0.3, 0.2]},
        {"none": [2.0, 2.0, 2.0, 2.0], "batch": [2.0, 2.0, 2.0, 0.01, 0.01, 0.01]},
    )
    c = compare_at(sweep, LR_GRID[3])
    assert c.status == "ok"
    assert (c.lo, c.hi) == (pytest.approx(0.6), pytest.approx(1.3))
    assert c.norm.points == 3 and c.plain.points == 4
    assert c.ratios == (pytest.approx(1.0), pytest.approx(1.0), pytest.approx(1.0))
    level, text = landscape_verdict(sweep, LR_GRID[3])
    assert level == "info" and T.LANDSCAPE_SAME in text
    # over all probes, BatchNorm would have looked smoother
    assert landscape(sweep, "batch", LR_GRID[3]).loss_var < 2.0
