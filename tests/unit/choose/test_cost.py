"""The cost calculator's counts against torch.nn's modules and torch's kernels:
γ and β are the modules' parameters, buffers their buffers, the statistics
what the native kernels return for the backward pass, and SyncBatchNorm's
payload what torch's SyncBatchNorm concatenates before it communicates."""

from __future__ import annotations

import inspect

import pytest
import torch
from torch import nn

from lab.choose.cost import (
    BYTES,
    PRESET,
    PRESETS,
    Layer,
    costs,
    family_cost,
    material_check,
    preset_of,
    sync,
)

TOKENS = Layer(kind="tokens", batch=3, seq=5, hidden=8, groups=2, devices=4)
CONV = Layer(kind="conv", batch=3, height=4, width=5, hidden=8, groups=2, devices=4)


def module(layer: Layer, family: str) -> nn.Module:
    """The torch.nn module the calculator counts, with its defaults."""
    c = layer.hidden
    if layer.kind == "tokens":
        return {
            "batch": nn.BatchNorm1d(c),
            "layer": nn.LayerNorm(c),
            "rms": nn.RMSNorm(c),
        }[family]
    return {
        "batch": nn.BatchNorm2d(c),
        "group": nn.GroupNorm(layer.groups, c),
        "instance": nn.InstanceNorm2d(c),
        "layer": nn.LayerNorm([c, layer.height, layer.width]),
    }[family]


def saved(layer: Layer, family: str) -> int:
    """Numbers torch's native forward kernel returns beside the output (what
    autograd keeps for the backward pass), on the layer's own shape."""
    c = layer.hidden
    if layer.kind == "tokens":
        x = torch.randn(layer.batch * layer.seq, c)  # every token a row
    else:
        x = torch.randn(layer.batch, c, layer.height, layer.width)
    n = x.shape[0]
    if family == "batch":
        out = torch.native_batch_norm(x, None, None, None, None, True, 0.1, 1e-5)
    elif family == "layer":
        out = torch.native_layer_norm(x, x.shape[1:], None, None, 1e-5)
    elif family == "rms":
        out = torch._fused_rms_norm(x, [c], None, None)
    elif family == "group":
        hw = layer.height * layer.width
        out = torch.native_group_norm(x, None, None, n, c, hw, layer.groups, 1e-5)
    else:  # InstanceNorm: BatchNorm over (1, N·C, H, W)
        flat = x.reshape(1, n * c, layer.height, layer.width)
        out = torch.native_batch_norm(flat, None, None, None, None, True, 0.1, 1e-5)
    return sum(t.numel() for t in out[1:])


CASES = [(TOKENS, f) for f in ("batch", "layer", "rms")] + [
    (CONV, f) for f in ("batch", "group", "instance", "layer")
]


@pytest.mark.parametrize(("layer", "family"), CASES)
def test_gamma_and_beta_are_the_module_s_parameters(layer, family):
    m = module(layer, family)
    c = family_cost(layer, family)
    assert c.params == sum(p.numel() for p in m.parameters())
    assert c.gamma == (m.weight.numel() if m.weight is not None else 0)
    bias = getattr(m, "bias", None)
    assert c.beta == (bias.numel() if bias is not None else 0)


@pytest.mark.parametrize(("layer", "family"), CASES)
def test_buffers_are_the_module_s_buffers_in_number_and_bytes(layer, family):
    m = module(layer, family)
    c = family_cost(layer, family)
    assert c.buffers == sum(b.numel() for b in m.buffers())
    buffer_bytes = sum(b.numel() * b.element_size() for b in m.buffers())
    activations = layer.elements * BYTES
    assert c.read_bytes == activations + c.params * BYTES + buffer_bytes


@pytest.mark.parametrize(("layer", "family"), CASES)
def test_what_is_kept_for_backward_is_what_torch_s_kernel_saves(layer, family):
    c = family_cost(layer, family)
    assert c.kept == saved(layer, family)
    assert c.statistics * c.pool == c.elements == layer.elements


def test_the_material_s_preset_reduces_16_mi_elements_per_layernorm():
    ln = family_cost(PRESET, "layer")
    assert (PRESET.kind, PRESET.batch, PRESET.seq, PRESET.hidden) == (
        "tokens",
        32,
        512,
        1024,
    )
    assert ln.elements == 32 * 512 * 1024 == 16_777_216 == 2**24
    assert ln.statistics == 32 * 512  # one (μ, σ) per token
    assert ln.pool == 1024


def test_the_material_s_preset_has_2_ki_parameters_per_layernorm():
    assert family_cost(PRESET, "layer").params == 2048
    assert sum(p.numel() for p in nn.LayerNorm(1024).parameters()) == 2048
    assert family_cost(PRESET, "rms").params == 1024


def test_the_material_s_figures_are_checked_with_their_offsets():
    check = material_check(PRESET)
    assert check is not None
    assert check.elements_binary and check.params_binary
    assert check.elements_off == pytest.approx(16_777_216 / 16e6 - 1)  # 4.9 % over
    assert check.params_off == pytest.approx(0.024)
    assert material_check(PRESETS["llama"][1]) is None


def test_the_preset_moves_its_activations_twice_and_little_else():
    ln = family_cost(PRESET, "layer")
    mib = 2**20
    assert ln.read_bytes == 64 * mib + 2048 * 4
    assert ln.write_bytes == 64 * mib + 2 * 16_384 * 4
    bn = family_cost(PRESET, "batch")
    assert bn.statistics == 1024 and bn.buffers == 2049
    assert bn.write_bytes == 64 * mib + 2 * 1024 * 4 + 2 * 1024 * 4 + 8


def test_syncbatchnorm_s_payload_is_what_torch_concatenates():
    """torch's SyncBatchNorm all-gathers cat([mean, invstd, count]) in the
    forward and all-reduces cat([sum_dy, sum_dy_xmu]) in the backward."""
    from torch.nn.modules._functions import SyncBatchNorm

    source = inspect.getsource(SyncBatchNorm)
    assert "torch.cat([mean, invstd, count], dim=0)" in source
    assert "torch.cat([sum_dy, sum_dy_xmu], dim=0)" in source
    s = sync(PRESET)
    c, d = PRESET.hidden, PRESET.devices
    assert (s.forward, s.backward) == (2 * c + 1, 2 * c) == (2049, 2048)
    assert s.gathered == d * (2 * c + 1)
    assert s.payload_bytes == (4 * c + 1) * 4
    assert s.sent_bytes == pytest.approx(((d - 1) * 2049 + 2 * (d - 1) / d * 2048) * 4)


def test_one_device_sends_nothing():
    s = sync(Layer(devices=1))
    assert s.sent_bytes == 0 and s.gathered == s.forward


def test_every_kind_lists_its_families_in_order():
    assert [c.family for c in costs(TOKENS)] == ["batch", "layer", "rms"]
    assert [c.family for c in costs(CONV)] == ["batch", "group", "instance", "layer"]


def test_each_preset_is_recognized_and_a_changed_layer_is_custom():
    for name, (_, layer) in PRESETS.items():
        assert preset_of(layer) == name
    assert preset_of(Layer(batch=31)) == "custom"


def test_a_layer_whose_groups_do_not_divide_the_channels_is_refused():
    with pytest.raises(ValueError):
        Layer(kind="conv", hidden=10, groups=3)
