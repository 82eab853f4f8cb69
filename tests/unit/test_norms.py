"""The engine agrees with torch.nn, and says what it does where torch.nn refuses."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from lab.core.norms import FAMILIES, default_eps, normalize, num_statistics, param_shape

DTYPES = (torch.float32, torch.float64)


def batchnorm_module(shape, **kw) -> nn.Module:
    cls = {2: nn.BatchNorm1d, 3: nn.BatchNorm1d, 4: nn.BatchNorm2d, 5: nn.BatchNorm3d}
    return cls[len(shape)](shape[1], **kw)


def instancenorm_module(shape, **kw) -> nn.Module:
    cls = {3: nn.InstanceNorm1d, 4: nn.InstanceNorm2d, 5: nn.InstanceNorm3d}
    return cls[len(shape)](shape[1], **kw)


def reference(family, shape, *, groups=1, eps=None, dtype=torch.float32, **kw):
    """The torch.nn module a user would write for this family and input shape."""
    e = default_eps(family, dtype) if eps is None else eps
    if family == "batch":
        return batchnorm_module(shape, eps=e, dtype=dtype, **kw)
    if family == "layer":
        return nn.LayerNorm(shape[1:], eps=e, dtype=dtype)
    if family == "rms":
        return nn.RMSNorm(shape[1:], eps=eps, dtype=dtype)  # None: torch's default
    if family == "group":
        return nn.GroupNorm(groups, shape[1], eps=e, dtype=dtype)
    return instancenorm_module(shape, eps=e, affine=True, dtype=dtype)


def random_affine(module: nn.Module, gen: torch.Generator):
    """Give the module random γ (and β) and return them for the engine."""
    with torch.no_grad():
        w = module.weight
        w.copy_(torch.randn(w.shape, generator=gen, dtype=w.dtype))
        b = getattr(module, "bias", None)
        if b is not None:
            b.copy_(torch.randn(b.shape, generator=gen, dtype=b.dtype))
    beta = module.bias.detach() if getattr(module, "bias", None) is not None else 0.0
    return module.weight.detach(), beta


SHAPES = [(8, 6), (2, 3), (16, 64), (4, 6, 5), (3, 6, 4, 5), (2, 4, 3, 3, 2)]


# torch.nn has no InstanceNorm for an (N, C) matrix: that case is tested below.
MODULE_CASES = [
    (family, shape)
    for family in FAMILIES
    for shape in SHAPES
    if not (family == "instance" and len(shape) == 2)
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("family", "shape"), MODULE_CASES)
def test_output_matches_torch_nn_module(family, shape, dtype):
    gen = torch.Generator().manual_seed(hash((family, shape)) % 2**31)
    x = torch.randn(shape, generator=gen, dtype=dtype) * 3 + 2
    groups = 2 if shape[1] % 2 == 0 else 1
    module = reference(family, shape, groups=groups, dtype=dtype)
    gamma, beta = random_affine(module, gen)
    module.train()
    ours = normalize(x, family, groups=groups, gamma=gamma, beta=beta)
    assert_close(ours.output, module(x).detach())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("family", FAMILIES)
def test_statistics_are_the_ones_the_module_pools(family, dtype):
    x = torch.randn(4, 6, 3, 2, dtype=dtype) * 2 - 1
    r = normalize(x, family, groups=3)
    dims = {
        "batch": (0, 2, 3),
        "layer": (1, 2, 3),
        "rms": (1, 2, 3),
        "instance": (2, 3),
    }
    if family == "group":
        var, mean = torch.var_mean(x.reshape(4, 3, -1), dim=2, correction=0)
    elif family == "rms":
        var = x.square().mean(dims["rms"])
        mean = None
    else:
        var, mean = torch.var_mean(x, dim=dims[family], correction=0)
    assert_close(r.var, var.flatten())
    if mean is None:
        assert r.mean is None
    else:
        assert_close(r.mean, mean.flatten())


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("shape", [(8, 5), (6, 3, 4), (4, 3, 2, 5)])
def test_batchnorm_running_statistics_and_eval_match_torch(shape, momentum):
    gen = torch.Generator().manual_seed(7)
    module = batchnorm_module(shape, momentum=momentum, dtype=torch.float64)
    gamma, beta = random_affine(module, gen)
    module.train()
    rm = rv = None
    nbt = 0
    for step in range(5):
        x = torch.randn(shape, generator=gen, dtype=torch.float64) * (step + 1) + step
        expected = module(x).detach()
        r = normalize(
            x,
            "batch",
            gamma=gamma,
            beta=beta,
            momentum=momentum,
            running_mean=rm,
            running_var=rv,
            num_batches_tracked=nbt,
        )
        assert_close(r.output, expected)
        rm, rv, nbt = r.running_mean, r.running_var, r.num_batches_tracked
    assert_close(rm, module.running_mean)
    assert_close(rv, module.running_var)
    assert nbt == int(module.num_batches_tracked) == 5

    module.eval()
    x = torch.randn(shape, generator=gen, dtype=torch.float64)
    r = normalize(
        x, "batch", training=False, gamma=gamma, beta=beta, running_mean=rm,
        running_var=rv, num_batches_tracked=nbt,
    )  # fmt: skip
    assert r.from_running
    assert_close(r.output, module(x).detach())
    assert_close(r.mean, module.running_mean)


def test_running_variance_is_unbiased_while_normalizing_variance_is_biased():
    x = torch.tensor([[1.0], [3.0]], dtype=torch.float64)  # var: biased 1, unbiased 2
    r = normalize(x, "batch", momentum=1.0)
    assert r.var.item() == 1.0
    assert r.running_var.item() == 2.0


def test_fresh_batchnorm_in_eval_uses_mean_zero_variance_one():
    x = torch.randn(5, 3)
    module = nn.BatchNorm1d(3).eval()
    r = normalize(x, "batch", training=False)
    assert_close(r.output, module(x).detach())
    assert r.has_note("fresh_running")


@pytest.mark.parametrize("dtype", DTYPES)
def test_rmsnorm_default_eps_is_machine_epsilon_inside_the_root(dtype):
    x = torch.randn(3, 7, dtype=dtype) * 1e-4  # small enough for ε to matter
    r = normalize(x, "rms")
    assert r.eps == torch.finfo(dtype).eps
    assert_close(r.output, nn.RMSNorm(7, dtype=dtype)(x).detach())
    expected = x / torch.sqrt(x.square().mean(1, keepdim=True) + torch.finfo(dtype).eps)
    assert_close(r.output, expected)


@pytest.mark.parametrize("eps", [0.0, 1e-8, 1e-3, 0.5])
@pytest.mark.parametrize("family", FAMILIES)
def test_explicit_eps_matches_torch(family, eps):
    x = torch.randn(5, 4, 3, dtype=torch.float64) * 0.1
    if family == "batch" and eps == 0:  # torch.nn refuses; so does the engine
        with pytest.raises(ValueError, match="ε > 0"):
            normalize(x, family, eps=eps)
        return
    module = reference(family, x.shape, groups=2, eps=eps, dtype=torch.float64)
    assert_close(normalize(x, family, groups=2, eps=eps).output, module(x).detach())


settings.register_profile("engine", max_examples=150, deadline=None)


@st.composite
def cases(draw):
    family = draw(st.sampled_from(FAMILIES))
    n = draw(st.integers(1, 6))
    c = draw(st.integers(1, 6))
    spatial = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    if family == "instance" and math.prod(spatial) == 1:  # torch refuses; see below
        spatial = [*spatial, draw(st.integers(2, 4))]
    shape = (n, c, *spatial)
    groups = draw(st.sampled_from([g for g in range(1, c + 1) if c % g == 0]))
    m = {
        "batch": n * math.prod(spatial),
        "instance": math.prod(spatial),
        "layer": c * math.prod(spatial),
        "rms": c * math.prod(spatial),
        "group": c // groups * math.prod(spatial),
    }[family]
    refused = m == 1 and family == "batch"
    # torch's GroupNorm refuses one value per channel group across the whole batch
    refused |= family == "group" and n * (c // groups) * math.prod(spatial) == 1
    if refused:  # what the engine does there is tested below
        n = n + 1
        shape = (n, c, *spatial)
    dtype = draw(st.sampled_from(DTYPES))
    scale = draw(st.sampled_from([1e-3, 1.0, 10.0, 1e4]))
    offset = draw(st.floats(-100, 100))
    eps = draw(st.sampled_from([None, 1e-5, 1e-2]))
    seed = draw(st.integers(0, 2**31 - 1))
    return family, shape, groups, dtype, scale, offset, eps, seed


@settings(max_examples=150, deadline=None)
@given(cases())
def test_agrees_with_torch_nn_over_random_shapes_and_settings(case):
    family, shape, groups, dtype, scale, offset, eps, seed = case
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=gen, dtype=dtype) * scale + offset
    module = reference(family, shape, groups=groups, eps=eps, dtype=dtype)
    gamma, beta = random_affine(module, gen)
    ours = normalize(x, family, groups=groups, eps=eps, gamma=gamma, beta=beta)
    theirs = module(x).detach()
    # Where x − μ is pure rounding (a constant pooled set), torch's fused kernels
    # and var_mean round differently; everything else must agree tightly.
    tol = torch.finfo(dtype).eps * (abs(offset) + scale) * 64
    e = ours.eps
    atol = max(1e-5 if dtype == torch.float32 else 1e-7, tol / math.sqrt(e) * 4)
    assert_close(
        ours.output, theirs, atol=atol, rtol=1e-4 if dtype == torch.float32 else 1e-7
    )


# ---- where torch.nn refuses or misbehaves, the engine gives a defined answer ----


def test_batch_of_one_in_training_collapses_to_beta_and_says_why():
    x = torch.randn(1, 5)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        nn.BatchNorm1d(5).train()(x)
    rm, rv = torch.full((5,), 0.3), torch.full((5,), 2.0)
    r = normalize(x, "batch", beta=0.7, running_mean=rm, running_var=rv)
    assert torch.equal(r.output, torch.full((1, 5), 0.7))
    assert r.has_note("batch_of_one")
    assert torch.equal(r.running_mean, rm) and torch.equal(r.running_var, rv)
    assert r.num_batches_tracked == 0


def test_batch_of_one_image_is_fine_because_positions_pool_too():
    x = torch.randn(1, 3, 4, 4)
    r = normalize(x, "batch")
    assert not r.has_note("batch_of_one")
    assert_close(r.output, nn.BatchNorm2d(3).train()(x).detach())


def test_instance_norm_with_one_position_collapses_to_beta():
    x = torch.randn(2, 3, 1, 1)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nn.InstanceNorm2d(3).train()(x)
    r = normalize(x, "instance", beta=-1.0)
    assert torch.equal(r.output, torch.full_like(x, -1.0))
    assert r.has_note("instance_of_one")


def test_group_norm_with_one_value_per_group_collapses_to_beta():
    r = normalize(torch.randn(3, 4), "group", groups=4, beta=0.5)
    assert torch.equal(r.output, torch.full((3, 4), 0.5))
    assert r.has_note("group_of_one")
    assert not r.has_note("zero_variance")


def test_instance_norm_on_a_matrix_pools_one_cell_each():
    r = normalize(torch.randn(4, 3), "instance")
    assert r.num_stats == 12 and r.pool_size == 1
    assert r.has_note("instance_of_one")


@pytest.mark.parametrize("family", ["batch", "layer", "group", "instance"])
def test_constant_sets_give_beta_and_a_zero_variance_note(family):
    x = torch.full((4, 6, 3), 0.1)
    r = normalize(x, family, groups=2, gamma=3.0, beta=0.25)
    assert torch.equal(r.output, torch.full_like(x, 0.25))
    assert r.has_note("zero_variance")


def test_variance_below_eps_is_reported():
    x = torch.randn(8, 4) * 1e-4  # variance ~1e-8, far below ε = 1e-5
    r = normalize(x, "layer")
    assert r.has_note("variance_below_eps")
    assert r.normalized.std() < 0.1


@pytest.mark.parametrize("family", ["layer", "rms", "batch", "group"])
def test_squares_that_overflow_float32_are_computed_in_float64(family):
    gen = torch.Generator().manual_seed(3)
    x64 = torch.randn(4, 6, generator=gen, dtype=torch.float64) * 1e20
    x = x64.float()
    r = normalize(x, family, groups=2)
    assert r.has_note("overflow")
    assert r.output.dtype == torch.float32
    assert torch.isfinite(r.output).all()
    module = reference(family, x.shape, groups=2, dtype=torch.float64)
    if family == "rms":  # float64's own ε would differ from float32's default
        module = nn.RMSNorm(6, eps=r.eps, dtype=torch.float64)
    assert_close(r.output, module(x.double()).detach().float())
    torch_f32 = reference(family, x.shape, groups=2)(x).detach()
    assert not torch.isfinite(torch_f32).all() or torch_f32.abs().max() == 0


def test_nan_spreads_down_a_batchnorm_column_but_stays_in_a_layernorm_row():
    x = torch.randn(5, 4)
    x[2, 1] = float("nan")
    bn = normalize(x, "batch")
    ln = normalize(x, "layer")
    assert (
        torch.isnan(bn.output[:, 1]).all()
        and torch.isfinite(bn.output[:, [0, 2, 3]]).all()
    )
    assert (
        torch.isnan(ln.output[2]).all()
        and torch.isfinite(ln.output[[0, 1, 3, 4]]).all()
    )
    assert (
        bn.has_note("nonfinite") and "every example in the batch" in bn.notes[0].message
    )
    assert_close(bn.output, nn.BatchNorm1d(4).train()(x).detach(), equal_nan=True)
    assert_close(ln.output, nn.LayerNorm(4)(x).detach(), equal_nan=True)


def test_infinity_in_the_input_is_reported_not_raised():
    x = torch.randn(3, 4)
    x[0, 0] = float("inf")
    r = normalize(x, "rms")
    assert r.has_note("nonfinite")
    assert torch.isfinite(r.output[1:]).all()


# ---- the pooled sets: what each family averages together ----


def test_pooled_sets_are_column_row_group_and_channel():
    x = torch.randn(4, 6, 2)
    bn = normalize(x, "batch").pooled_with((1, 2, 0))
    assert bn[:, 2, :].all() and bn.sum() == 4 * 2
    ln = normalize(x, "layer").pooled_with((1, 2, 0))
    assert ln[1].all() and ln.sum() == 6 * 2
    gn = normalize(x, "group", groups=3).pooled_with((1, 2, 0))
    assert gn[1, 2:4].all() and gn.sum() == 2 * 2
    inn = normalize(x, "instance").pooled_with((1, 2, 0))
    assert inn[1, 2].all() and inn.sum() == 2


@pytest.mark.parametrize("family", FAMILIES)
def test_counts_of_statistics_match_what_the_layer_keeps(family):
    shape = (5, 6, 3, 3)
    r = normalize(torch.randn(shape), family, groups=3)
    expected = {"batch": 6, "layer": 5, "rms": 5, "instance": 30, "group": 15}
    assert r.num_stats == num_statistics(shape, family, 3) == expected[family]
    assert r.num_stats * r.pool_size == math.prod(shape)
    assert r.pool.unique().numel() == r.num_stats


@pytest.mark.parametrize("family", FAMILIES)
def test_param_shapes_match_torch_modules(family):
    shape = (2, 6, 3, 3)
    module = reference(family, shape, groups=3)
    assert param_shape(shape, family) == tuple(module.weight.shape)


# ---- invalid arguments are ValueErrors with a reason ----


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"family": "weight"}, "unknown family"),
        ({"family": "group", "groups": 4}, "G to divide C"),
        ({"family": "group", "groups": 0}, "G to divide C"),
        ({"family": "rms", "beta": 0.5}, "no shift"),
        ({"family": "layer", "eps": -1.0}, "ε must be"),
        ({"family": "layer", "eps": float("nan")}, "ε must be"),
        ({"family": "batch", "momentum": 2.0}, "momentum"),
        ({"family": "layer", "gamma": float("inf")}, "γ must be finite"),
        ({"family": "batch", "gamma": torch.ones(5)}, "γ must be"),
    ],
)
def test_invalid_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        normalize(torch.randn(4, 6), **kwargs)


@pytest.mark.parametrize("x", [torch.arange(6), torch.randn(6), torch.randn(0, 3)])
def test_invalid_inputs_raise_value_error(x):
    with pytest.raises(ValueError):
        normalize(x, "layer")
