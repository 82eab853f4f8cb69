"""The training comparison (lab.rms.training): the same start, the same
batches, repeatable losses, and a run that survives its plain-data trips."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from lab.rms.training import (
    VARIANTS,
    TrainConfig,
    build_net,
    run_from_arrays,
    run_from_dict,
    run_to_arrays,
    run_to_dict,
    train,
)

SMALL = TrainConfig(blocks=2, width=32, steps=30, lr=1e-2, seed=3)


def test_both_networks_start_from_the_same_weights():
    ln, rms = (build_net(v, SMALL) for v in VARIANTS)
    lin = [m for m in ln.modules() if isinstance(m, nn.Linear)]
    rlin = [m for m in rms.modules() if isinstance(m, nn.Linear)]
    assert len(lin) == len(rlin) == 2 + 2 * SMALL.blocks
    for a, b in zip(lin, rlin, strict=True):
        assert torch.equal(a.weight, b.weight)
    assert sum(isinstance(m, nn.LayerNorm) for m in ln.modules()) == SMALL.blocks + 1
    assert sum(isinstance(m, nn.RMSNorm) for m in rms.modules()) == SMALL.blocks + 1


def test_a_run_repeats_and_travels_as_plain_data():
    a, b = train(SMALL), train(SMALL)
    assert np.array_equal(a.losses, b.losses)
    assert np.array_equal(a.eval_loss, b.eval_loss)
    assert a.losses.shape == (2, 30) and (a.step_seconds > 0).all()
    assert list(a.eval_steps) == [10, 20, 30]
    for back in (
        run_from_dict(json.loads(json.dumps(run_to_dict(a)))),
        run_from_arrays(run_to_arrays(a)),
    ):
        assert back.config == a.config
        assert np.array_equal(back.losses, a.losses)
        assert np.array_equal(back.step_seconds, a.step_seconds)
        assert back.final("rms") == a.final("rms")


def test_the_first_loss_is_the_untrained_networks():
    run = train(SMALL)
    from lab.core.tasks import make_task

    task = make_task(SMALL.seed)
    g = torch.Generator().manual_seed(SMALL.seed + 2)
    idx = torch.randint(0, len(task.y), (64,), generator=g)
    for i, v in enumerate(VARIANTS):
        with torch.no_grad():
            loss = nn.functional.cross_entropy(
                build_net(v, SMALL)(task.x[idx]), task.y[idx]
            )
        assert run.losses[i, 0] == pytest.approx(float(loss), rel=1e-6)
    assert run.clock("layer")[-1] == pytest.approx(run.step_seconds[0].sum())


@pytest.mark.parametrize(
    "bad", [{"blocks": 0}, {"width": 2}, {"steps": 0}, {"lr": float("nan")}]
)
def test_a_config_outside_the_page_s_range_is_refused(bad):
    with pytest.raises(ValueError):
        TrainConfig(**bad)
