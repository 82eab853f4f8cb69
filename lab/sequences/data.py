"""A padded batch of token sequences: N sequences of lengths L₁…L_N, each padded
to T positions, C features per token.

The tokens carry the Lab's distribution shifts (lab.core.activations says what
each one means), applied per channel and per *sequence*: every token of a
sequence shares its offset and scale, as the tokens of one sentence share a
style. Padded positions hold a pad value instead: zeros, a constant, or a
fixed random vector standing for a learned pad embedding.

The random draws are made for the largest batch and cut, so growing N adds
sequences below the ones on screen, growing T adds positions at the end, and a
sequence keeps its tokens when the lengths change. ``stream`` ≥ 1 draws the
training batches the Train vs eval section feeds BatchNorm: the same channels'
means and scales, new tokens and lengths.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

MAX_BATCH = 16
MAX_TOKENS = 24
MAX_FEATURES = 16
LENGTHS: tuple[str, ...] = ("equal", "random", "one_long")
PADS: tuple[str, ...] = ("zeros", "constant", "embedding")
DATA: tuple[str, ...] = ("random", "count", "flat")
FLAT_CHANNEL = 0
FLAT_VALUE = 1.0
"""With ``data="flat"``, channel 0 is 1.0 on every real token (a unit that
never varies, as a dead ReLU's)."""


@dataclass(frozen=True)
class BatchFields:
    """The settings that determine a padded batch, declared once: the page's
    state (lab/sequences/state.py) holds them among its own, `BatchSpec` with
    the stream it is drawn from.

    ``short``: with ``lengths="equal"`` every sequence's length; with
    ``"one_long"`` the length of every sequence but the first (which fills T);
    with ``"random"`` the shortest a length can be (lengths are uniform on
    short…T).
    """

    batch: int = 8
    tokens: int = 12
    features: int = 6
    lengths: str = "random"
    short: int = 2
    pad: str = "zeros"
    padval: float = 1.0
    data: str = "random"
    shift: float = 1.5
    drift: float = 0.5
    offset: float = 0.0
    spread: float = 0.0
    outlier: float = 1.0
    seed: int = 0


@dataclass(frozen=True)
class BatchSpec(BatchFields):
    """Everything that determines a padded batch; equal specs, equal batches.
    ``stream`` 0 is the batch on the page, k ≥ 1 the k-th training batch."""

    stream: int = 0

    def __post_init__(self) -> None:
        for name, top in (
            ("batch", MAX_BATCH),
            ("tokens", MAX_TOKENS),
            ("features", MAX_FEATURES),
        ):
            if not 1 <= getattr(self, name) <= top:
                raise ValueError(f"{name} must be 1–{top}, got {getattr(self, name)}")
        if not 0 <= self.short <= self.tokens:
            raise ValueError(f"short must be 0–{self.tokens}, got {self.short}")
        if self.lengths not in LENGTHS or self.pad not in PADS or self.data not in DATA:
            raise ValueError("unknown lengths, pad or data option")
        values = (self.padval, self.shift, self.drift, self.offset, self.spread)
        if not all(np.isfinite(v) for v in values) or self.outlier <= 0:
            raise ValueError("values must be finite and the outlier factor positive")


@dataclass(frozen=True, eq=False)
class Padded:
    """A padded batch: tokens with pads in place, and which positions are real."""

    spec: BatchSpec
    x: np.ndarray  # N,T,C float32: real tokens, then the pad value
    mask: np.ndarray  # N,T bool: True at real tokens
    lengths: np.ndarray  # N int: real tokens per sequence
    pad: np.ndarray  # C float32: what a padded position holds

    @property
    def real(self) -> int:
        """How many real tokens the batch holds."""
        return int(self.mask.sum())

    @property
    def positions(self) -> int:
        """N·T: every position, real or padded."""
        return int(self.mask.size)

    @property
    def padded_fraction(self) -> float:
        return 1.0 - self.real / self.positions

    def packed(self) -> np.ndarray:
        """The real tokens alone, in order, as an (R, C) matrix: what a batch
        without padding (packed sequences) holds."""
        return self.x[self.mask]

    def rows(self) -> np.ndarray:
        """All N·T positions as an (N·T, C) matrix: sequence n's token t is row
        n·T + t."""
        n, t, c = self.x.shape
        return self.x.reshape(n * t, c)


def draw_lengths(spec: BatchSpec) -> np.ndarray:
    """L₁…L_N, each in 0…T (a length of 0 is a sequence of padding only)."""
    n, t, short = spec.batch, spec.tokens, spec.short
    if spec.lengths == "equal":
        return np.full(n, short, dtype=np.int64)
    if spec.lengths == "one_long":
        out = np.full(n, short, dtype=np.int64)
        out[0] = t
        return out
    u = np.random.default_rng([spec.seed, 14, spec.stream]).random(MAX_BATCH)[:n]
    return np.minimum(short + np.floor(u * (t - short + 1)), t).astype(np.int64)


def pad_vector(spec: BatchSpec) -> np.ndarray:
    """What a padded position holds, (C,)."""
    c = spec.features
    if spec.pad == "zeros":
        return np.zeros(c, dtype=np.float32)
    if spec.pad == "constant":
        return np.full(c, spec.padval, dtype=np.float32)
    rng = np.random.default_rng([spec.seed, 15])
    return rng.standard_normal(MAX_FEATURES)[:c].astype(np.float32)


def tokens(spec: BatchSpec) -> np.ndarray:
    """The token values at every position, as if nothing were padded, (N, T, C)."""
    n, t, c = spec.batch, spec.tokens, spec.features
    if spec.data == "count":  # token t holds t + 1 in every channel
        ramp = np.arange(1, t + 1, dtype=np.float32)
        return np.broadcast_to(ramp[None, :, None], (n, t, c)).copy()
    u, v = np.random.default_rng([spec.seed, 12]).standard_normal((2, MAX_FEATURES))
    rng = np.random.default_rng([spec.seed, 11, spec.stream])
    z = rng.standard_normal((MAX_BATCH, MAX_TOKENS, MAX_FEATURES))[:n, :t, :c]
    w, s = rng.standard_normal((2, MAX_BATCH))[:, :n]
    x = z * np.exp(spec.drift * v[:c]) + spec.shift * u[:c]  # per channel
    x = x * np.exp(spec.spread * s)[:, None, None] + spec.offset * w[:, None, None]
    x[0] *= spec.outlier  # the outlier sequence, if any
    if spec.data == "flat":
        x[:, :, FLAT_CHANNEL] = FLAT_VALUE
    return x.astype(np.float32)


def padded_batch(spec: BatchSpec) -> Padded:
    """The batch ``spec`` describes, padded to T."""
    return with_lengths(spec, draw_lengths(spec))


def with_lengths(
    spec: BatchSpec, lengths: np.ndarray, values: np.ndarray | None = None
) -> Padded:
    """The same tokens with other lengths (the corruption sweep moves the
    padded fraction this way: the tokens that stay real keep their values).
    ``values``: `tokens(spec)`, when the caller has it already."""
    lengths = np.asarray(lengths, dtype=np.int64)
    mask = np.arange(spec.tokens)[None, :] < lengths[:, None]  # N,T
    pad = pad_vector(spec)
    values = tokens(spec) if values is None else values
    x = np.where(mask[:, :, None], values, pad[None, None, :])
    return Padded(spec, x.astype(np.float32), mask, lengths, pad)


def lengths_for_fraction(batch: int, tokens: int, fraction: float) -> np.ndarray:
    """Lengths that pad ``fraction`` of the N·T positions (rounded to whole
    tokens): the pads are taken from the ends of the sequences in turn, so
    the lengths stay within one token of each other."""
    pads = round(fraction * batch * tokens)
    lengths = np.full(batch, tokens, dtype=np.int64)
    lengths -= pads // batch
    lengths[: pads % batch] -= 1
    return lengths


def training_batch(spec: BatchSpec, step: int) -> Padded:
    """The ``step``-th (≥ 1) training batch from the distribution of ``spec``."""
    return padded_batch(replace(spec, stream=step))
