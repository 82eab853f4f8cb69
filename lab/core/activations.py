"""Synthetic activations: an examples × features matrix with controllable shifts.

Each knob is one way real activations misbehave, and each one is something a
normalization family does or does not undo:

* ``shift``: every feature has its own mean (feature f's mean is ``shift·u_f``);
* ``drift``: every feature has its own scale (``exp(drift·v_f)``);
* ``offset``: every example is offset as a whole (``offset·w_n`` on all features);
* ``spread``: every example has its own scale (``exp(spread·s_n)``);
* ``outlier``: example 0 is ``outlier`` times larger than it would be.

The random draws are made for the largest matrix and then cut, so growing the
batch adds examples below the ones on screen instead of reshuffling them, and
the per-feature draws do not depend on the batch at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_BATCH = 64
MAX_FEATURES = 64
OUTLIER_ROW = 0


@dataclass(frozen=True)
class ActivationSpec:
    """Everything that determines an activation matrix; equal specs, equal data."""

    batch: int = 32
    features: int = 16
    shift: float = 0.0
    drift: float = 0.0
    offset: float = 0.0
    spread: float = 0.0
    outlier: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.batch <= MAX_BATCH:
            raise ValueError(f"batch must be 1–{MAX_BATCH}, got {self.batch}")
        if not 1 <= self.features <= MAX_FEATURES:
            raise ValueError(f"features must be 1–{MAX_FEATURES}, got {self.features}")
        for name in ("shift", "drift", "offset", "spread", "outlier"):
            if not np.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite")
        if self.outlier <= 0:
            raise ValueError("outlier is a scale factor and must be positive")


def _feature_draws(seed: int, features: int) -> tuple[np.ndarray, np.ndarray]:
    u, v = np.random.default_rng([seed, 1]).standard_normal((2, MAX_FEATURES))
    return u[:features], v[:features]  # F, F


def _example_draws(rng: np.random.Generator, batch: int, features: int):
    z = rng.standard_normal((MAX_BATCH, MAX_FEATURES))[:batch, :features]  # B,F
    w, s = rng.standard_normal((2, MAX_BATCH))[:, :batch]  # B, B
    return z, w, s


def _compose(spec: ActivationSpec, z, u, v, w, s, outlier: float) -> np.ndarray:
    x = z * np.exp(spec.drift * v) + spec.shift * u  # B,F  per-feature scale, mean
    x = x * np.exp(spec.spread * s)[:, None] + spec.offset * w[:, None]  # B,F
    x[OUTLIER_ROW] *= outlier  # the outlier example, if any
    return x.astype(np.float32)


def make_activations(spec: ActivationSpec) -> np.ndarray:
    """The (batch, features) float32 matrix the lab shows for ``spec``.

    float32 because that is what a network's activations are; the numbers the
    lab shows are torch's float32 numbers.
    """
    u, v = _feature_draws(spec.seed, spec.features)
    z, w, s = _example_draws(
        np.random.default_rng([spec.seed, 2]), spec.batch, spec.features
    )
    return _compose(spec, z, u, v, w, s, spec.outlier)


def training_batches(spec: ActivationSpec, steps: int, batch: int) -> np.ndarray:
    """``steps`` fresh batches from the same distribution, without the outlier.

    They stand for the data a BatchNorm layer saw during training: the same
    per-feature means and scales, new examples each step. Shape (steps, batch, F).
    """
    u, v = _feature_draws(spec.seed, spec.features)
    rng = np.random.default_rng([spec.seed, 3])
    out = np.empty((steps, batch, spec.features), dtype=np.float32)
    for t in range(steps):
        z, w, s = _example_draws(rng, batch, spec.features)
        out[t] = _compose(spec, z, u, v, w, s, 1.0)
    return out


def serving_drift(spec: ActivationSpec, amount: float) -> np.ndarray:
    """How much each feature's mean has moved since training, (F,).

    Every feature moves by ``amount`` standard deviations of that feature (its
    scale ``exp(drift·v_f)``), so one slider means the same thing on every column.
    """
    _, v = _feature_draws(spec.seed, spec.features)
    return (amount * np.exp(spec.drift * v)).astype(np.float32)
