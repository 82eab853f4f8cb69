"""The page's networks and data (lab.why.models): plain torch.nn blocks,
shared initial weights, the BatchNorm layer against the lab's engine, the
noisy shift, and the transformer stacks' LayerNorm placement.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from lab.core.norms import normalize
from lab.why.models import (
    CLASSES,
    INPUTS,
    VARIANTS,
    NoisyShift,
    build_mlp,
    build_stack,
    draw_noise,
    make_task,
    noise_layers,
    probe_index,
    stack_batch,
)


def test_each_variant_is_linear_norm_relu_blocks_of_torch_nn_modules():
    expected = {
        "none": [],
        "batch": [nn.BatchNorm1d],
        "layer": [nn.LayerNorm],
        "rms": [nn.RMSNorm],
        "noisy": [nn.BatchNorm1d, NoisyShift],
    }
    for variant, norms in expected.items():
        model = build_mlp(3, 8, variant, "he", 0)
        kinds = [type(m) for m in model]
        block = [nn.Linear, *norms, nn.ReLU]
        assert kinds == block * 3 + [nn.Linear], variant
        assert model[0].in_features == INPUTS and model[-1].out_features == CLASSES


def test_every_variant_starts_from_the_same_linear_weights():
    def linears(v):
        return [
            m.weight for m in build_mlp(4, 16, v, "he", 3) if isinstance(m, nn.Linear)
        ]

    base = linears("none")
    for v in VARIANTS:
        for a, b in zip(base, linears(v), strict=True):
            assert torch.equal(a, b)
    other_seed = build_mlp(4, 16, "none", "he", 4)[0].weight
    assert not torch.equal(base[0], other_seed)


def test_he_init_has_the_relu_preserving_variance_and_torch_init_a_third_of_it():
    he = build_mlp(2, 512, "none", "he", 0)[2].weight.detach()  # 512×512
    default = build_mlp(2, 512, "none", "torch", 0)[2].weight.detach()
    assert float(he.var()) == pytest.approx(2 / 512, rel=0.02)
    assert float(default.var()) == pytest.approx(1 / (3 * 512), rel=0.02)


def test_building_a_model_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build_mlp(3, 8, "batch", "torch", 0)
    build_stack(2, True, 0)
    assert torch.equal(torch.rand(3), expected)


def test_the_task_is_seeded_and_its_baseline_is_the_label_entropy():
    a, b, c = make_task(1), make_task(1), make_task(2)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, c.x)
    p = torch.bincount(a.y, minlength=CLASSES).double() / len(a.y)
    assert a.baseline == pytest.approx(float(-(p * p.log()).sum()))
    assert 0 < a.baseline <= math.log(CLASSES)
    assert (p > 0.1).all()  # every class is well represented


def test_the_mlp_batchnorm_layer_computes_what_the_lab_engine_computes():
    model = build_mlp(2, 8, "batch", "he", 0).train()
    x = make_task(0).x[:32]
    h = model[0](x)  # B,W  pre-norm activations
    out = model[1](h)
    assert_close(out, normalize(h, "batch").output)


def test_noisy_shift_is_a_per_feature_affine_in_training_and_identity_in_eval():
    layer = NoisyShift(4)
    g = torch.Generator().manual_seed(0)
    scale, shift = draw_noise(4, 1.0, g)
    layer.scale.copy_(scale)
    layer.shift.copy_(shift)
    x = torch.randn(5, 4)
    assert_close(layer.train()(x), x * scale + shift)
    assert torch.equal(layer.eval()(x), x)


def test_noise_bounds_follow_the_level():
    g = torch.Generator().manual_seed(0)
    scale, shift = draw_noise(10_000, 2.0, g)
    assert float(shift.abs().max()) <= 2.0 and float(shift.abs().max()) > 1.9
    assert float(scale.min()) >= math.exp(-1) and float(scale.max()) <= math.exp(1)
    zero_scale, zero_shift = draw_noise(10, 0.0, g)
    assert torch.equal(zero_scale, torch.ones(10))
    assert torch.equal(zero_shift, torch.zeros(10))


def test_the_probe_slice_ends_after_the_middle_blocks_norm():
    model = build_mlp(4, 8, "noisy", "he", 0)
    cut = probe_index(model)
    assert isinstance(model[cut], nn.ReLU)
    assert isinstance(model[cut - 1], NoisyShift)
    assert noise_layers(model) == ["2", "6", "10", "14"]
    assert noise_layers(build_mlp(4, 8, "batch", "he", 0)) == []


def _encoder_layer_by_hand(layer: nn.TransformerEncoderLayer, x, norm_first: bool):
    """One encoder layer with its LayerNorms computed by the lab's engine."""
    d = x.shape[-1]

    def ln(norm, h):
        out = normalize(h.reshape(-1, d), "layer", gamma=norm.weight, beta=norm.bias)
        return out.output.reshape(h.shape)

    def sa(h):
        return layer.self_attn(h, h, h, need_weights=False)[0]

    def ff(h):
        return layer.linear2(torch.relu(layer.linear1(h)))

    if norm_first:
        x = x + sa(ln(layer.norm1, x))
        return x + ff(ln(layer.norm2, x))
    x = ln(layer.norm1, x + sa(x))
    return ln(layer.norm2, x + ff(x))


@pytest.mark.parametrize("norm_first", [False, True], ids=["post", "pre"])
def test_the_stacks_put_layernorm_where_post_and_pre_norm_put_it(norm_first):
    stack = build_stack(3, norm_first, seed=1)
    x, _ = stack_batch(1)
    h = x
    for layer in stack[0].layers:
        h = _encoder_layer_by_hand(layer, h, norm_first)
    if norm_first:  # pre-norm ends with a final LayerNorm
        final = stack[0].norm
        h = normalize(
            h.reshape(-1, h.shape[-1]), "layer", gamma=final.weight, beta=final.bias
        ).output.reshape(h.shape)
    assert_close(stack(x), stack[1](h), rtol=1e-4, atol=1e-5)


def test_stack_layers_are_drawn_independently_and_both_forms_share_them():
    post, pre = build_stack(4, False, 2), build_stack(4, True, 2)
    w = [layer.linear2.weight for layer in post[0].layers]
    assert not torch.equal(w[0], w[1])  # not nn.TransformerEncoder's deep copies
    pairs = [(post[0].layers, pre[0].layers), (post[1], pre[1])]
    for a_mod, b_mod in pairs:
        for a, b in zip(a_mod.parameters(), b_mod.parameters(), strict=True):
            assert torch.equal(a, b)
    fan_in, fan_out = w[0].shape[1], w[0].shape[0]
    std = torch.cat([x.flatten() for x in w]).std()
    assert std.item() == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.05)
