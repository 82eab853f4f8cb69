"""The Tensor view's synthetic (N, C, H, W) activations: what determines them
(`TensorSpec`) and the numbers (`make_tensor`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_N = 8
MAX_C = 12
MAX_SIDE = 4
"""Bounds on N, C, H, W: at most 8·12·4·4 = 1,536 cells, so four cubes of small
cubes stay readable and quick to draw (lab/tensor/tensor.js paints the four in ~14 ms
in a browser without a GPU). C ≤ 12 still offers G ∈ {1, 2, 3, 4, 6, 12}."""


@dataclass(frozen=True)
class TensorSpec:
    """Everything that determines the page's tensor; equal specs, equal numbers."""

    batch: int = 4
    channels: int = 6
    height: int = 3
    width: int = 3
    shift: float = 1.0
    spot: float = 2.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name, hi in (
            ("batch", MAX_N),
            ("channels", MAX_C),
            ("height", MAX_SIDE),
            ("width", MAX_SIDE),
        ):
            if not 1 <= getattr(self, name) <= hi:
                raise ValueError(f"{name} must be 1–{hi}, got {getattr(self, name)}")
        for name in ("shift", "spot"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite")

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (self.batch, self.channels, self.height, self.width)


def make_tensor(spec: TensorSpec) -> np.ndarray:
    """The (N, C, H, W) float32 activations the page shows for ``spec``.

    Standard normal noise, plus a per-channel mean (``shift`` × a draw per
    channel), plus a bright patch: a Gaussian blob of height ``spot`` around a
    random centre in each image, added to every channel, as brightness varies
    across a photo. The patch is what tells GroupNorm(1, C) from a channels-last
    LayerNorm. Draws are made at the largest shape and cut, so growing N or C
    adds cells without reshuffling the ones on screen.
    """
    n, c, h, w = spec.shape
    z = np.random.default_rng([spec.seed, 11]).standard_normal(
        (MAX_N, MAX_C, MAX_SIDE, MAX_SIDE)
    )[:n, :c, :h, :w]  # N,C,H,W
    u = np.random.default_rng([spec.seed, 12]).standard_normal(MAX_C)[:c]  # C
    centre = np.random.default_rng([spec.seed, 13]).random((MAX_N, 2))[:n]  # N,2
    ch = centre[:, 0] * (h - 1)  # N
    cw = centre[:, 1] * (w - 1)  # N
    d2 = (np.arange(h)[None, :, None] - ch[:, None, None]) ** 2 + (
        np.arange(w)[None, None, :] - cw[:, None, None]
    ) ** 2  # N,H,W
    blob = np.exp(-d2 / 2.0)  # N,H,W
    x = z + spec.shift * u[None, :, None, None] + spec.spot * blob[:, None]  # N,C,H,W
    return x.astype(np.float32)
