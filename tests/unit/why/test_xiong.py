"""The post- and pre-norm transformer stacks (lab.why.xiong): per-layer gradient
norms of the FFN output weights, averaged over repeats, and the measured
factors behind pre-norm's last layer.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.testing import assert_close

from lab.why.models import build_stack, stack_batch
from lab.why.xiong import last_layer_factors, layer_grad_norms, xiong_sweep


def test_layer_grad_norms_are_the_ffn_output_weight_gradients():
    stack = build_stack(3, True, 4)
    x, y = stack_batch(4)
    loss = nn.functional.cross_entropy(stack(x).flatten(0, 1), y.flatten())
    loss.backward()
    expected = [float(layer.linear2.weight.grad.norm()) for layer in stack[0].layers]
    assert_close(torch.from_numpy(layer_grad_norms(3, True, 4)), torch.tensor(expected))


def test_xiong_sweep_averages_repeats_and_pads_shallow_stacks_with_nan():
    res = xiong_sweep(0, depths=(2, 4), repeats=2)
    assert res.post.shape == (2, 4)
    assert np.isnan(res.post[0, 2:]).all() and np.isfinite(res.post[1]).all()
    by_hand = np.mean([layer_grad_norms(4, True, r) for r in (0, 1)], axis=0)
    assert_close(torch.from_numpy(res.layers(4, "pre")), torch.from_numpy(by_hand))
    assert res.last("post").tolist() == [res.post[0, 1], res.post[1, 3]]


def test_last_layer_factors_measure_the_final_layernorms_input():
    depth, seed = 3, 1
    stack = build_stack(depth, True, seed)
    x, y = stack_batch(seed)
    h = stack[0].layers[2](stack[0].layers[1](stack[0].layers[0](x)))
    h = h.detach().requires_grad_()
    loss = nn.functional.cross_entropy(
        stack[1](stack[0].norm(h)).flatten(0, 1), y.flatten()
    )
    (g,) = torch.autograd.grad(loss, h)
    resid, tok, cos = last_layer_factors(depth, seed)
    assert resid == pytest.approx(float(h.norm(dim=-1).mean()), rel=1e-5)
    assert tok == pytest.approx(float(g.norm(dim=-1).mean()), rel=1e-4)
    u = nn.functional.normalize(h.detach(), dim=-1)
    c = u @ u.transpose(1, 2)
    t = c.shape[-1]
    off = (c.sum((1, 2)) - t) / (t * (t - 1))
    assert cos == pytest.approx(float(off.mean()), abs=1e-5)
