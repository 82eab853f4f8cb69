"""What more than one of these tests builds."""

from __future__ import annotations

import torch
from torch import nn

from lab.train_eval import classifier as C


def model_with_statistics(family: str, seed: int = 0) -> nn.Sequential:
    """An untrained classifier whose norm layers are not fresh (γ ≠ 1, β ≠ 0,
    running statistics ≠ 0 and 1), so that a comparison with torch is not a
    comparison of identities."""
    model = C.build_model(family, torch.Generator().manual_seed(seed))
    g = torch.Generator().manual_seed(seed + 1)
    for layer in C.norm_layers(model):  # not a fresh layer: random γ, β, statistics
        with torch.no_grad():
            layer.weight.uniform_(0.5, 1.5, generator=g)
            if getattr(layer, "bias", None) is not None:
                layer.bias.normal_(generator=g)
            if isinstance(layer, nn.BatchNorm1d):
                layer.running_mean.normal_(generator=g)
                layer.running_var.uniform_(0.5, 2.0, generator=g)
    return model
