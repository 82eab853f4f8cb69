"""The engine's padding mask for BatchNorm agrees with torch.nn's BatchNorm1d on
the packed real tokens, and says what it does where there is nothing to pool."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from lab.core.norms import normalize

DTYPES = (torch.float32, torch.float64)


def packed(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The real positions of ``x`` (N, C, *S) as a (R, C) matrix, in order."""
    c = x.shape[1]
    return x.movedim(1, -1).reshape(-1, c)[mask.reshape(-1)]


def real_outputs(y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return packed(y, mask)


def bn(c: int, dtype, gen: torch.Generator, momentum=0.1) -> nn.BatchNorm1d:
    m = nn.BatchNorm1d(c, momentum=momentum, dtype=dtype)
    with torch.no_grad():
        m.weight.copy_(torch.randn(c, generator=gen, dtype=dtype))
        m.bias.copy_(torch.randn(c, generator=gen, dtype=dtype))
    return m


CASES = [((8, 4), 5), ((6, 3, 7), 20), ((2, 5, 4, 3), 9), ((3, 2, 10), 4)]


def _mask(shape, real: int, gen: torch.Generator) -> torch.Tensor:
    """``real`` positions of an (N, *S) mask, at random, are real."""
    positions = (shape[0], *shape[2:])
    flat = torch.zeros(math.prod(positions), dtype=torch.bool)
    flat[torch.randperm(flat.numel(), generator=gen)[:real]] = True
    return flat.reshape(positions)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "real"), CASES)
def test_masked_batchnorm_is_batchnorm1d_on_the_packed_real_tokens(shape, real, dtype):
    gen = torch.Generator().manual_seed(real)
    x = torch.randn(shape, generator=gen, dtype=dtype) * 2 + 1
    mask = _mask(shape, real, gen)
    module = bn(shape[1], dtype, gen)
    module.train()
    expected = module(packed(x, mask)).detach()  # R,C
    r = normalize(
        x,
        "batch",
        gamma=module.weight.detach(),
        beta=module.bias.detach(),
        mask=mask,
    )
    assert_close(real_outputs(r.output, mask), expected)
    assert_close(r.running_mean, module.running_mean)
    assert_close(r.running_var, module.running_var)
    assert r.num_batches_tracked == int(module.num_batches_tracked)
    assert r.pool_size == real


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "real"), CASES)
def test_a_real_tokens_output_is_exactly_the_packed_batchs(shape, real, dtype):
    """Not close: equal. The engine gathers the real cells in order and
    standardizes them as it standardizes the packed matrix."""
    gen = torch.Generator().manual_seed(100 + real)
    x = torch.randn(shape, generator=gen, dtype=dtype) * 3 - 2
    mask = _mask(shape, real, gen)
    padded = normalize(x, "batch", gamma=1.5, beta=-0.5, mask=mask)
    alone = normalize(packed(x, mask), "batch", gamma=1.5, beta=-0.5)
    assert torch.equal(real_outputs(padded.output, mask), alone.output)
    assert torch.equal(padded.mean, alone.mean)
    assert torch.equal(padded.var, alone.var)
    assert torch.equal(padded.running_var, alone.running_var)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_mask_of_all_real_positions_changes_nothing(dtype):
    x = torch.randn(5, 3, 4, dtype=dtype)
    plain = normalize(x, "batch")
    masked = normalize(x, "batch", mask=torch.ones(5, 4, dtype=torch.bool))
    assert torch.equal(plain.output, masked.output)
    assert torch.equal(plain.running_var, masked.running_var)
    assert masked.pool_size == plain.pool_size == 20


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("dtype", DTYPES)
def test_running_statistics_over_masked_batches_match_torch(momentum, dtype):
    gen = torch.Generator().manual_seed(3)
    module = bn(4, dtype, gen, momentum)
    module.train()
    rm = rv = None
    nbt = 0
    for step in range(6):
        x = torch.randn(5, 4, 6, generator=gen, dtype=dtype) * (step + 1)
        mask = _mask((5, 4, 6), 7 + step, gen)
        module(packed(x, mask))
        r = normalize(
            x,
            "batch",
            running_mean=rm,
            running_var=rv,
            momentum=momentum,
            num_batches_tracked=nbt,
            mask=mask,
        )
        rm, rv, nbt = r.running_mean, r.running_var, r.num_batches_tracked
    assert_close(rm, module.running_mean)
    assert_close(rv, module.running_var)
    assert nbt == int(module.num_batches_tracked)
    module.eval()
    x = torch.randn(3, 4, generator=gen, dtype=dtype)
    served = normalize(
        x,
        "batch",
        gamma=module.weight.detach(),
        beta=module.bias.detach(),
        training=False,
        running_mean=rm,
        running_var=rv,
    )
    assert_close(served.output, module(x).detach())


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_toy_case_five_values_and_five_zero_pads(dtype):
    """Values 1…5 in one channel and five zero pads: the mean falls from 3.0 to
    1.5 and the biased variance grows from 2.0 to 3.25."""
    x = torch.tensor([1, 2, 3, 4, 5, 0, 0, 0, 0, 0], dtype=dtype).reshape(10, 1)
    mask = torch.arange(10) < 5
    masked = normalize(x, "batch", mask=mask)
    unmasked = normalize(x, "batch")
    assert masked.mean.tolist() == [3.0] and masked.var.tolist() == [2.0]
    assert unmasked.mean.tolist() == [1.5] and unmasked.var.tolist() == [3.25]
    ref = nn.BatchNorm1d(1, dtype=dtype)
    assert_close(masked.output[:5], ref(x[:5]).detach())
    assert_close(unmasked.output, nn.BatchNorm1d(1, dtype=dtype)(x).detach())


def test_with_no_real_position_there_are_no_statistics_and_it_says_so():
    x = torch.randn(3, 2, 4)
    rm, rv = torch.tensor([0.5, -1.0]), torch.tensor([2.0, 3.0])
    r = normalize(
        x,
        "batch",
        beta=0.25,
        running_mean=rm,
        running_var=rv,
        num_batches_tracked=4,
        mask=torch.zeros(3, 4, dtype=torch.bool),
    )
    assert r.has_note("no_real_positions")
    assert torch.isnan(r.mean).all() and torch.isnan(r.var).all()
    assert torch.equal(r.output, torch.full_like(x, 0.25))
    assert torch.equal(r.running_mean, rm) and torch.equal(r.running_var, rv)
    assert r.num_batches_tracked == 4
    assert r.pool_size == 0


def test_one_real_position_is_a_batch_of_one():
    x = torch.randn(4, 3)
    mask = torch.tensor([False, True, False, False])
    r = normalize(x, "batch", beta=0.5, mask=mask)
    assert r.has_note("batch_of_one")
    assert torch.equal(r.output[1], torch.full((3,), 0.5))
    assert r.num_batches_tracked == 0
    assert torch.equal(r.running_var, torch.ones(3))


def test_pooled_cells_are_the_real_cells_of_the_channel():
    x = torch.randn(3, 2, 4)
    mask = torch.tensor([[1, 1, 0, 0], [1, 0, 0, 0], [1, 1, 1, 1]], dtype=torch.bool)
    r = normalize(x, "batch", mask=mask)
    pooled = r.pooled_with((0, 1, 0))
    assert int(pooled.sum()) == 7 == r.pool_size
    assert torch.equal(pooled[:, 1], mask) and not pooled[:, 0].any()
    assert r.stat_index((0, 1, 3)) == 1  # a pad uses its channel's statistic


def test_eval_mode_ignores_the_mask():
    x = torch.randn(4, 3, 5)
    rm, rv = torch.randn(3), torch.rand(3) + 0.5
    kw = {"training": False, "running_mean": rm, "running_var": rv}
    plain = normalize(x, "batch", **kw)
    masked = normalize(x, "batch", mask=torch.rand(4, 5) > 0.5, **kw)
    assert torch.equal(plain.output, masked.output)


@pytest.mark.parametrize(
    ("family", "mask", "match"),
    [
        ("layer", torch.ones(4, dtype=torch.bool), "BatchNorm only"),
        ("batch", torch.ones(4), "boolean tensor"),
        ("batch", torch.ones(3, dtype=torch.bool), "shape"),
        ("batch", torch.ones(4, 2, dtype=torch.bool), "shape"),
    ],
)
def test_a_mask_that_does_not_fit_raises_value_error(family, mask, match):
    with pytest.raises(ValueError, match=match):
        normalize(torch.randn(4, 3), family, mask=mask)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    n=st.integers(1, 6),
    c=st.integers(1, 5),
    t=st.integers(1, 7),
    seed=st.integers(0, 2**16),
    dtype=st.sampled_from(DTYPES),
)
def test_agrees_with_torch_over_random_masks(n, c, t, seed, dtype):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, t, generator=gen, dtype=dtype) * 4
    mask = torch.rand(n, t, generator=gen) < 0.6
    real = int(mask.sum())
    r = normalize(x, "batch", mask=mask)
    if real < 2:  # torch refuses one value per channel, and pools nothing
        assert r.has_note("batch_of_one" if real else "no_real_positions")
        return
    expected = nn.BatchNorm1d(c, dtype=dtype)(packed(x, mask)).detach()
    assert_close(real_outputs(r.output, mask), expected)
