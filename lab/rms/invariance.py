"""The invariance table, live: what each family's output does when the input,
or the layer before the norm, is re-scaled or re-centred.

Ba et al. (2016) tabulated which of these transformations leave BatchNorm,
WeightNorm and LayerNorm unchanged; Zhang & Sennrich (2019) added RMSNorm.
Their ✓ is exact arithmetic with ε = 0. Here every cell is computed: the
norm's input is ``x = h Wᵀ`` (a layer without bias, as in Llama), the
transformation is applied to h, W or x in the chosen dtype, each family
(through the engine, `lab.core.norms.normalize`) normalizes x and x', and the
cell is the largest change of any output. The verdict then says whether the
output stayed put to rounding, moved only because of ε (the same cell with
ε → 0 stays put), or moved for another reason, which `reasons` names: the
sign of c, c = 0, a value the dtype cannot hold, a NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import torch
from torch import Tensor

from lab.core.norms import default_eps, normalize

FAMILIES: tuple[str, ...] = ("batch", "layer", "rms", "group")
N, C, D_IN, GROUPS = 8, 16, 16, 4
"""Examples, features of the norm's input (the layer's outputs), the layer's
inputs, and GroupNorm's groups."""
ROW, FEATURE = 0, 0  # the example and the feature the one-row transforms touch
ROUND = 64
"""A change is rounding while at most ROUND machine epsilons of the dtype
times the outputs' size: what reordering a sum can do, and far below ε's
effect at torch's defaults in float64."""
NEAR = 1e-3
"""A change below this (outputs are of order 1) counts as "≈": invariant for
practical purposes, though not exactly."""


@dataclass(frozen=True)
class Transform:
    key: str
    name: str  # as the table's row says it
    what: str  # which input it touches, in symbols
    uses: str  # "c" or "delta"
    paper: Mapping[str, bool] | None  # Zhang & Sennrich (2019) Table 1; None: absent
    theory: Callable[[str, float], bool]  # invariant in exact arithmetic, c ≠ 0


def _per_example(f: str, c: float) -> bool:
    return f != "batch" and c > 0


def _centred(f: str, c: float) -> bool:
    return f in ("layer", "group")


TRANSFORMS: tuple[Transform, ...] = (
    Transform(
        "example_scale",
        "Re-scale one example",
        "x₀ → c·x₀",
        "c",
        {"batch": False, "layer": True, "rms": True},
        _per_example,
    ),
    Transform(
        "example_shift",
        "Re-centre one example",
        "x₀ → x₀ + δ·1",
        "delta",
        None,
        _centred,
    ),
    Transform(
        "weight_scale",
        "Re-scale the weight matrix",
        "W → c·W",
        "c",
        {"batch": True, "layer": True, "rms": True},
        lambda f, c: c > 0,
    ),
    Transform(
        "weight_shift",
        "Re-centre the weight matrix",
        "W → W + δ·11ᵀ",
        "delta",
        {"batch": False, "layer": True, "rms": False},
        _centred,
    ),
    Transform(
        "feature_scale",
        "Re-scale one feature across the batch",
        "x[:, 0] → c·x[:, 0]",
        "c",
        {"batch": True, "layer": False, "rms": False},
        lambda f, c: f == "batch" and c > 0,
    ),
    Transform(
        "batch_scale",
        "Re-scale the whole batch",
        "x → c·x",
        "c",
        {"batch": True, "layer": True, "rms": True},
        lambda f, c: c > 0,
    ),
    Transform(
        "batch_shift",
        "Re-centre the layer's inputs",
        "h → h + δ·1",
        "delta",
        {"batch": True, "layer": False, "rms": False},
        lambda f, c: f == "batch",
    ),
)
BY_KEY: Mapping[str, Transform] = MappingProxyType({t.key: t for t in TRANSFORMS})


def inputs(seed: int, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """The layer's inputs h (N, D_IN) and weights W (C, D_IN), drawn in float64
    from ``seed`` and cast: W ~ N(0, 1/D_IN), so x = h Wᵀ is of order 1."""
    rng = np.random.default_rng([int(seed), 16])
    h = rng.standard_normal((N, D_IN))  # N,D
    w = rng.standard_normal((C, D_IN)) / math.sqrt(D_IN)  # C,D
    return torch.tensor(h, dtype=dtype), torch.tensor(w, dtype=dtype)


def apply(key: str, h: Tensor, w: Tensor, c: float, delta: float) -> Tensor:
    """The norm's input after transformation ``key`` (N, C), in h's dtype."""
    if key == "weight_scale":
        return h @ (c * w).T
    if key == "weight_shift":
        return h @ (w + delta).T
    if key == "batch_shift":
        return (h + delta) @ w.T
    x = (h @ w.T).clone()  # N,C
    if key == "example_scale":
        x[ROW] = c * x[ROW]
    elif key == "example_shift":
        x[ROW] = x[ROW] + delta
    elif key == "feature_scale":
        x[:, FEATURE] = c * x[:, FEATURE]
    elif key == "batch_scale":
        x = c * x
    else:
        raise ValueError(f"unknown transformation {key!r}")
    return x


def family_eps(family: str, eps: float | None, dtype: torch.dtype) -> float:
    """ε a family uses here: the page's, or torch.nn's default of the family."""
    return default_eps(family, dtype) if eps is None else float(eps)


def _limit_eps(family: str, dtype: torch.dtype) -> float:
    """ε → 0: 0, but BatchNorm's smallest normal number, since torch (and the
    engine) refuse ε = 0 for BatchNorm in training."""
    return float(torch.finfo(dtype).tiny) if family == "batch" else 0.0


def output(x: Tensor, family: str, eps: float) -> Tensor:
    """The family's output for x (γ = 1, β = 0, BatchNorm in training)."""
    return normalize(x, family, groups=GROUPS, eps=eps).output


def largest_change(y: Tensor, y2: Tensor) -> float:
    """max |y' − y| over every output; NaN when either side has a NaN or ±inf."""
    if not (bool(torch.isfinite(y).all()) and bool(torch.isfinite(y2).all())):
        return math.nan
    return float((y2 - y).abs().max())


@dataclass(frozen=True)
class Cell:
    """One family under one transformation."""

    change: float  # max |y' − y| with the page's ε; NaN: not finite
    limit: float  # the same with ε → 0
    tol: float  # what rounding can do here
    verdict: str  # "✓", "≈", "✗" or "refused"
    reasons: tuple[str, ...]  # see `reasons`
    flipped: bool  # y' = −y (to rounding) where it changed: a sign flip
    eps: float  # the ε used
    size: float = 0.0  # the largest |x'| the transformation produced

    @property
    def exact(self) -> bool:
        return self.verdict == "✓"


@dataclass(frozen=True)
class Table:
    c: float
    delta: float
    eps: float | None
    dtype: str
    seed: int
    cells: Mapping[tuple[str, str], Cell]  # (transform, family) → cell

    def cell(self, transform: str, family: str) -> Cell:
        return self.cells[(transform, family)]


def outputs(xs: list[Tensor], family: str, eps: float) -> list[Tensor]:
    """The family's output for each input of ``xs`` (each N, C), in one call
    of the engine: stacked where the family pools nothing across them (more
    examples for the per-example families, more channels for BatchNorm, which
    pools each channel over the examples alone), so each equals its own call."""
    if family == "batch":
        y = output(torch.cat(xs, 1), family, eps)  # N, K·C
        return list(torch.split(y, xs[0].shape[1], dim=1))
    y = output(torch.cat(xs, 0), family, eps)  # K·N, C
    return list(torch.split(y, xs[0].shape[0], dim=0))


def _both(
    xs: list[Tensor], family: str, eps: float, dtype: torch.dtype
) -> list[tuple[Tensor | None, Tensor]]:
    """Each input's output with ``eps`` (None where the family refuses it)
    and with ε → 0."""
    limits = outputs(xs, family, _limit_eps(family, dtype))
    try:
        ys: list[Tensor | None] = list(outputs(xs, family, eps))
    except ValueError:  # ε = 0 for BatchNorm in training: torch refuses it
        ys = [None] * len(xs)
    return list(zip(ys, limits, strict=True))


def _cell(
    t: Transform,
    family: str,
    base: tuple[Tensor | None, Tensor],
    moved: tuple[Tensor | None, Tensor],
    x2: Tensor,
    eps: float,
    dtype: torch.dtype,
    c: float,
    delta: float,
) -> Cell:
    """One cell from the family's outputs before (``base``) and after
    (``moved``) the transformation, each with the page's ε (None: the family
    refused that ε) and with ε → 0."""
    (y, y_lim), (y2, y2_lim) = base, moved
    limit = largest_change(y_lim, y2_lim)
    size = _finite_max(x2)
    unit = ROUND * float(torch.finfo(dtype).eps)
    if y is None or y2 is None:
        tol = unit * max(1.0, _finite_max(y_lim))
        return Cell(math.nan, limit, tol, "refused", ("refused",), False, eps, size)
    change = largest_change(y, y2)
    tol = unit * max(1.0, float(y.abs().max()), _finite_max(y2))
    flipped = change > tol and _sign_flip(y, y2)
    why = reasons(t, family, c, delta, change, limit, tol, flipped)
    if change <= tol:
        verdict = "✓"
    elif change < NEAR and ("eps" in why or "precision" in why):
        verdict = "≈"
    else:
        verdict = "✗"
    return Cell(change, limit, tol, verdict, why, flipped, eps, size)


def _sign_flip(y: Tensor, y2: Tensor) -> bool:
    """Every output either stayed or changed sign (to within `NEAR`)."""
    closest = torch.minimum((y2 - y).abs(), (y2 + y).abs())
    return bool(torch.isfinite(y2).all() and closest.max() <= NEAR)


def _finite_max(y: Tensor) -> float:
    finite = y[torch.isfinite(y)]
    return float(finite.abs().max()) if finite.numel() else 0.0


def reasons(
    t: Transform,
    family: str,
    c: float,
    delta: float,
    change: float,
    limit: float,
    tol: float,
    flipped: bool,
) -> tuple[str, ...]:
    """Why a cell reads what it reads, where that is not the plain algebra:

    - ``nan``: c or δ is not finite;
    - ``zero``: c = 0 wiped what it scales (not invertible: no invariance);
    - ``nan_out``: the outputs are not finite (0/0 with ε = 0, or overflow);
    - ``sign``: c < 0 flipped the sign of what it scales;
    - ``eps``: the output moved, but with ε → 0 it would not: ε's doing;
    - ``precision``: the algebra says invariant, yet even with ε → 0 the
      output moved: the dtype could not hold the transformed values;
    - ``identity``: the transformation changes nothing at this c or δ.
    """
    value = c if t.uses == "c" else delta
    if not math.isfinite(value):
        return ("nan",)
    if t.uses == "c" and c == 0:
        return ("zero",)
    if math.isnan(change):
        return ("nan_out",)
    out: list[str] = []
    if (t.uses == "c" and c == 1) or (t.uses == "delta" and delta == 0):
        return ("identity",)
    theory = t.theory(family, c if t.uses == "c" else 1.0)
    if t.uses == "c" and c < 0 and t.theory(family, -c) and flipped:
        out.append("sign")
    if change > tol and limit <= tol:
        out.append("eps")
    elif theory and change > tol and not limit <= tol:  # NaN: 0/0 with ε = 0
        out.append("precision")
    return tuple(out)


def invariance_table(
    c: float = 2.0,
    delta: float = 1.0,
    eps: float | None = None,
    dtype: str = "float32",
    seed: int = 0,
) -> Table:
    """Every cell of the table for these values (any floats: c = 0, NaN and a
    δ beyond the dtype's range give defined cells, explained by `reasons`)."""
    dt = getattr(torch, dtype)
    h, w = inputs(seed, dt)
    x = h @ w.T  # N,C
    moved = {t.key: apply(t.key, h, w, c, delta) for t in TRANSFORMS}
    cells = {}
    for f in FAMILIES:
        e = family_eps(f, eps, dt)
        (base,) = _both([x], f, e, dt)
        # one engine call per kind of transformation: a c that overflows the
        # dtype cannot change how the δ rows are computed, nor the other way
        for uses in ("c", "delta"):
            group = [t for t in TRANSFORMS if t.uses == uses]
            outs = _both([moved[t.key] for t in group], f, e, dt)
            for t, out in zip(group, outs, strict=True):
                x2 = moved[t.key]
                cells[(t.key, f)] = _cell(t, f, base, out, x2, e, dt, c, delta)
    return Table(c, delta, eps, dtype, int(seed), MappingProxyType(cells))


def disagreements(table: Table) -> list[tuple[Transform, str, Cell]]:
    """Cells whose verdict is not the paper's (or, for GroupNorm and the row
    the paper lacks, not exact arithmetic's for c > 0): what the page explains."""
    out = []
    for t in TRANSFORMS:
        for f in FAMILIES:
            cell = table.cell(t.key, f)
            expect = expected(t, f)
            if (cell.verdict == "✓") != expect or cell.verdict == "refused":
                out.append((t, f, cell))
    return out


def expected(t: Transform, family: str) -> bool:
    """The reference ✓: the paper's where it has the cell, else exact
    arithmetic's for a c > 0."""
    if t.paper is not None and family in t.paper:
        return t.paper[family]
    return t.theory(family, 1.0)
