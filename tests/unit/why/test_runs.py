"""The MLP sweep (lab.why.runs) against plain torch training: the batched
sweep equals training each network alone with torch.optim.SGD, its landscape
probes equal plain autograd (and the one-point probe, which a quadratic
checks in closed form), and its runs are seeded, prefix-stable and abandoned
when their progress callback raises.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn
from torch.func import functional_call
from torch.testing import assert_close

from lab.why.models import (
    VARIANTS,
    NoisyShift,
    build_mlp,
    draw_noise,
    make_task,
    probe_index,
)
from lab.why.runs import (
    LR_GRID,
    PROBE_SIZES,
    QUANTILES,
    SweepConfig,
    probe_along_gradient,
    run_sweep,
)
from tests.unit.why.cases import A_DIAG, ETAS, LRS, TINY, fake_sweep, quadratic


def reference_losses(config: SweepConfig, variant: str, lr: float) -> list[float]:
    """Train one network the textbook way: nn.Module, torch.optim.SGD."""
    task = make_task(config.seed)
    model = build_mlp(config.depth, config.width, variant, config.init, config.seed)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    batches = torch.Generator().manual_seed(config.seed + 2)
    noise = torch.Generator().manual_seed(config.seed + 3)
    layers = [m for m in model if isinstance(m, NoisyShift)]
    losses = []
    for _ in range(config.steps):
        idx = torch.randint(0, len(task.y), (config.batch,), generator=batches)
        for layer in layers:
            scale, shift = draw_noise(config.width, config.noise, noise)
            layer.scale.copy_(scale)
            layer.shift.copy_(shift)
        loss = nn.functional.cross_entropy(model(task.x[idx]), task.y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_batched_sweep_equals_training_each_network_alone(variant):
    sweep = run_sweep(TINY, variants=(variant,), lrs=LRS)
    for i, lr in enumerate(LRS):
        expected = torch.tensor(reference_losses(TINY, variant, lr))
        got = torch.from_numpy(sweep.runs[variant].losses[:, i])
        assert_close(got, expected, rtol=2e-5, atol=2e-6)


def test_landscape_probes_are_the_loss_and_gradient_after_moving_along_the_gradient():
    config = replace(TINY, steps=1)
    lr = 0.3
    sweep = run_sweep(config, variants=("batch",), lrs=(lr,))
    run = sweep.runs["batch"]
    task = make_task(config.seed)
    idx = torch.randint(
        0,
        len(task.y),
        (config.batch,),
        generator=torch.Generator().manual_seed(config.seed + 2),
    )
    x, y = task.x[idx], task.y[idx]
    model = build_mlp(config.depth, config.width, "batch", "he", config.seed).train()
    params = dict(model.named_parameters())
    buffers = {k: v.clone() for k, v in model.named_buffers()}

    def loss_grad(p):
        p = {k: v.detach().requires_grad_() for k, v in p.items()}
        out = functional_call(model, (p, {k: v.clone() for k, v in buffers.items()}), x)
        loss = nn.functional.cross_entropy(out, y)
        return loss, torch.autograd.grad(loss, list(p.values()))

    loss0, g0 = loss_grad(params)
    assert float(run.losses[0, 0]) == pytest.approx(loss0.item(), rel=1e-5)
    gnorm = math.sqrt(sum(float(g.pow(2).sum()) for g in g0))
    assert float(run.grad_norm[0, 0]) == pytest.approx(gnorm, rel=1e-5)
    for c_i, c in enumerate(PROBE_SIZES):
        moved = {
            k: v - c * lr * g for (k, v), g in zip(params.items(), g0, strict=True)
        }
        loss_c, g_c = loss_grad(moved)
        diff = math.sqrt(
            sum(float((a - b).pow(2).sum()) for a, b in zip(g_c, g0, strict=True))
        )
        assert float(run.probe_loss[0, 0, c_i]) == pytest.approx(
            loss_c.item(), rel=1e-5
        )
        assert float(run.probe_gdiff[0, 0, c_i]) == pytest.approx(diff, rel=1e-4)
    acts = model[: probe_index(model)](x)[:, 0]  # B  unit 0 of the middle block
    expected_q = torch.quantile(acts.detach(), torch.tensor(QUANTILES))
    assert_close(torch.from_numpy(run.unit[0, 0]), expected_q, rtol=1e-5, atol=1e-6)


def test_the_same_arguments_give_the_same_numbers_and_a_new_seed_new_ones():
    a = run_sweep(TINY, variants=("noisy",), lrs=LRS)
    b = run_sweep(TINY, variants=("noisy",), lrs=LRS)
    c = run_sweep(replace(TINY, seed=6), variants=("noisy",), lrs=LRS)
    assert np.array_equal(a.runs["noisy"].losses, b.runs["noisy"].losses)
    assert np.array_equal(a.runs["noisy"].probe_gdiff, b.runs["noisy"].probe_gdiff)
    assert not np.array_equal(a.runs["noisy"].losses, c.runs["noisy"].losses)


def test_a_runs_first_steps_do_not_depend_on_how_many_follow():
    full = run_sweep(TINY, variants=("layer",), lrs=LRS).runs["layer"]
    head = run_sweep(TINY, variants=("layer",), lrs=LRS, until=5).runs["layer"]
    assert head.losses.shape == (5, len(LRS))
    assert np.array_equal(head.losses, full.losses[:5])
    assert np.array_equal(head.probe_loss, full.probe_loss[: len(head.probe_steps)])


def test_a_diverging_run_is_stopped_recorded_and_never_counts_as_training():
    sweep = run_sweep(replace(TINY, steps=20), variants=("none",), lrs=(0.05, 1e4))
    run = sweep.runs["none"]
    assert run.diverged_at[0] == -1
    d = int(run.diverged_at[1])
    assert 0 <= d < 20
    assert np.isnan(run.losses[d + 1 :, 1]).all()
    assert not np.isfinite(run.losses[d, 1]) or run.losses[d, 1] > 100
    assert np.isnan(sweep.final_loss("none")[1])
    assert not sweep.trains("none")[1]
    assert sweep.highest_lr("none") in (None, 0.05)


def test_trains_means_never_diverged_and_half_the_baseline():
    sweep = fake_sweep({"none": [1.3, 0.5, 0.7, None]})
    assert sweep.threshold == pytest.approx(0.5 * sweep.baseline)
    assert sweep.trains("none").tolist() == [False, True, False, False]
    assert sweep.highest_lr("none") == LR_GRID[1]
    assert sweep.best("none") == (LR_GRID[1], pytest.approx(0.5))


def test_a_progress_callback_that_raises_abandons_the_sweep():
    calls = []

    def stop(fraction: float, message: str) -> None:
        calls.append(fraction)
        if len(calls) == 3:
            raise KeyboardInterrupt("a control changed")

    with pytest.raises(KeyboardInterrupt):
        run_sweep(TINY, progress=stop)
    assert calls == sorted(calls) and calls[-1] < 1
    assert torch.get_num_threads() == 1  # restored to the fixture's count


def test_progress_reaches_one_at_the_end():
    seen = []
    run_sweep(
        TINY, variants=("none", "batch"), lrs=LRS, progress=lambda f, m: seen.append(f)
    )
    assert seen[-1] == pytest.approx(1.0)
    assert len(seen) == 2 * TINY.steps


def test_the_sweep_refuses_unknown_variants_and_bad_configs():
    with pytest.raises(ValueError):
        run_sweep(TINY, variants=("group",))
    for bad in ({"init": "xavier"}, {"noise": float("nan")}, {"depth": 0}):
        with pytest.raises(ValueError):
            replace(TINY, **bad)


def test_the_probe_on_a_quadratic_is_the_closed_form():
    w = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
    losses, changes, gnorm = probe_along_gradient(quadratic, w, ETAS)
    g = A_DIAG * w
    for k, eta in enumerate(ETAS):
        moved = w - eta * g
        assert losses[k] == pytest.approx(float(0.5 * (A_DIAG * moved**2).sum()))
        # ∇L(w − ηg) − ∇L(w) = −ηA g
        assert changes[k] == pytest.approx(eta * float((A_DIAG * g).norm()))
    assert gnorm == pytest.approx(float(g.norm()))


def test_the_sweeps_probe_is_the_one_point_probe():
    """run_sweep's batched probe equals `probe_along_gradient` on the same
    network, batch and weights (step 0)."""
    config = replace(TINY, steps=1)
    lr = 0.3
    run = run_sweep(config, variants=("none",), lrs=(lr,)).runs["none"]
    task = make_task(config.seed)
    idx = torch.randint(
        0,
        len(task.y),
        (config.batch,),
        generator=torch.Generator().manual_seed(config.seed + 2),
    )
    x, y = task.x[idx].double(), task.y[idx]
    model = build_mlp(config.depth, config.width, "none", "he", config.seed).double()
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]
    flat = torch.cat([p.detach().flatten() for p in model.parameters()])

    def loss_fn(w):
        parts, k = {}, 0
        for n, shape in zip(names, shapes, strict=True):
            size = math.prod(shape)
            parts[n] = w[k : k + size].view(shape)
            k += size
        return nn.functional.cross_entropy(functional_call(model, parts, (x,)), y)

    etas = [c * lr for c in PROBE_SIZES]
    losses, changes, gnorm = probe_along_gradient(loss_fn, flat, etas)
    assert_close(run.probe_loss[0, 0].astype(np.float64), losses, rtol=1e-4, atol=0)
    assert_close(run.probe_gdiff[0, 0].astype(np.float64), changes, rtol=1e-3, atol=0)
    assert float(run.grad_norm[0, 0]) == pytest.approx(gnorm, rel=1e-4)
