"""The Tensor view's numbers: Wu & He's (N, C, H·W) cube, live, from the one engine.

Everything the page shows for a state is computed here, purely: the synthetic
(N, C, H, W) tensor's four family results (`lab.core.norms.normalize`), which
cells share the focused cell's statistics, how many (μ, σ) pairs each family
keeps, and the GroupNorm(1, C) vs channels-last LayerNorm comparison. The
pictures are drawn from a `TensorView` elsewhere, twice: for the page's canvas
component (`lab.tensor.panels`) and as Plotly figures for notebooks
(`lab.tensor.figures`). The split follows what changes together: the numbers
are checked against torch.nn and never change for a picture's sake. A notebook
gets the very numbers the page shows:

>>> v = build_view(TensorState(groups=1))
>>> v.readouts["group"].num_stats == v.readouts["layer"].num_stats
True

Layout conventions: ``P = H·W`` positions flattened row-major (``p = h·W + w``),
as Wu & He's Figure 2 flattens them; the unfolded map has one row per example
and ``C·P`` columns, column ``j = c·P + p``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import numpy as np
import torch
from torch import Tensor

from lab.core.norms import DEFAULT_EPS, NormResult, Note, normalize
from lab.tensor.data import TensorSpec, make_tensor
from lab.tensor.state import TENSOR_FAMILIES, TensorState, clean
from lab.tensor.texts import COUNT_FORMULA, POOL_FORMULA


@dataclass(frozen=True, eq=False)
class FamilyReadout:
    """One family's statistics, and the focused cell's set, for the readouts."""

    family: str
    num_stats: int  # (μ, σ) pairs the layer keeps
    pool_size: int  # cells each pair is pooled over
    count_formula: str  # "C", "N", "N·C", "N·G"
    pool_formula: str
    mask: np.ndarray  # N,C,P  bool: the focused cell's set
    rect: tuple[int, int, int, int]  # the set in the unfolded map: r0, r1, j0, j1
    mean: float  # μ of the focused set
    std: float  # √(σ² + ε) of the focused set
    x: float  # the focused cell, raw
    y: float  # the focused cell, normalized
    notes: tuple[Note, ...]


@dataclass(frozen=True, eq=False)
class TokenLayerNorm:
    """``nn.LayerNorm(C)`` on channels-last tokens, mapped back to (N, C, H, W)."""

    output: Tensor  # N,C,H,W
    pool: Tensor  # N,C,H,W  int64: which (μ, σ) pair each cell used
    mean: Tensor  # N·H·W
    var: Tensor  # N·H·W
    num_stats: int
    pool_size: int
    eps: float


@dataclass(frozen=True, eq=False)
class Pitfall:
    """GroupNorm(1, C) next to a transformer's LayerNorm, for the focused example."""

    example: int
    position: int  # p = h·W + w of the focused cell
    group1: np.ndarray  # C,P  GroupNorm(1, C) output of the focused example
    token: np.ndarray  # C,P  nn.LayerNorm(C) on its tokens
    diff: np.ndarray  # C,P  group1 − token
    max_abs_diff: float  # over the whole tensor
    group1_stats: int  # N
    group1_pool: int  # C·H·W
    token_stats: int  # N·H·W
    token_pool: int  # C
    group1_mu: float
    group1_sd: float
    token_mu: float
    token_sd: float
    group1_spread: float  # std over positions of the per-position channel mean
    token_spread: float


@dataclass(frozen=True, eq=False)
class TensorView:
    """Everything the Tensor view shows for one state, computed once
    (`build_view` is cached): both pictures and every readout read it."""

    state: TensorState
    x: np.ndarray  # N,C,H,W  float32
    results: Mapping[str, NormResult]
    readouts: Mapping[str, FamilyReadout]
    equivalences: tuple[tuple[str, str, float], ...]  # (a, b, max |y_a − y_b|)
    pitfall: Pitfall


@lru_cache(maxsize=32)
def family_results(spec: TensorSpec, groups: int) -> tuple[NormResult, ...]:
    """The engine's result for each of `TENSOR_FAMILIES` on ``spec``'s tensor.

    Cached on plain values: moving the focus never recomputes a normalization.
    Treat the results as read-only.
    """
    x = torch.from_numpy(make_tensor(spec))  # N,C,H,W
    return tuple(normalize(x, fam, groups=groups) for fam in TENSOR_FAMILIES)


def token_layer_norm(x: Tensor, eps: float = DEFAULT_EPS) -> TokenLayerNorm:
    """A transformer's LayerNorm on an image: ``nn.LayerNorm(C)`` over the last
    axis of the channels-last tokens (N·H·W, C), computed by the engine.

    Each position is normalized over its C channels only, which is not what
    GroupNorm(1, C) does (every example over all of (C, H, W)).
    """
    n, c, h, w = x.shape
    tokens = x.permute(0, 2, 3, 1).reshape(n * h * w, c)  # N·H·W, C
    r = normalize(tokens, "layer", eps=eps)
    back = (n, h, w, c)
    return TokenLayerNorm(
        output=r.output.reshape(back).permute(0, 3, 1, 2),  # N,C,H,W
        pool=r.pool.reshape(back).permute(0, 3, 1, 2),  # N,C,H,W
        mean=r.mean,
        var=r.var,
        num_stats=r.num_stats,
        pool_size=r.pool_size,
        eps=r.eps,
    )


@lru_cache(maxsize=32)
def token_result(spec: TensorSpec) -> TokenLayerNorm:
    """`token_layer_norm` of ``spec``'s tensor, cached on plain values."""
    return token_layer_norm(torch.from_numpy(make_tensor(spec)))


@lru_cache(maxsize=32)
def group1_result(spec: TensorSpec) -> NormResult:
    """GroupNorm(1, C) of ``spec``'s tensor, cached on plain values."""
    return normalize(torch.from_numpy(make_tensor(spec)), "group", groups=1)


def same_sets(a: NormResult, b: NormResult) -> bool:
    """Do two results pool exactly the same sets of cells (up to numbering)?"""
    pa, pb = a.pool.reshape(-1), b.pool.reshape(-1)
    pairs = torch.unique(pa * (pb.max() + 1) + pb).numel()
    return pairs == torch.unique(pa).numel() == torch.unique(pb).numel()


def unfolded_rect(mask: np.ndarray) -> tuple[int, int, int, int]:
    """The rectangle (r0, r1, j0, j1) a set covers in the unfolded (N, C·P) map.

    Raises ValueError if the set is not exactly that rectangle: every family of
    Wu & He's figure pools a contiguous block there, and the outline must not
    claim cells the engine did not pool.
    """
    flat = mask.reshape(mask.shape[0], -1)  # N,C·P
    rows = np.flatnonzero(flat.any(axis=1))
    cols = np.flatnonzero(flat.any(axis=0))
    r0, r1, j0, j1 = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
    box = np.zeros_like(flat)
    box[r0 : r1 + 1, j0 : j1 + 1] = True
    if not np.array_equal(box, flat):
        raise ValueError("the set is not a rectangle of the unfolded map")
    return r0, r1, j0, j1


def _readout(family: str, r: NormResult, focus: tuple[int, ...]) -> FamilyReadout:
    n, c, h, w = r.x.shape
    mask = r.pooled_with(focus).numpy().reshape(n, c, h * w)  # N,C,P
    k = r.stat_index(focus)
    return FamilyReadout(
        family=family,
        num_stats=r.num_stats,
        pool_size=r.pool_size,
        count_formula=COUNT_FORMULA[family],
        pool_formula=POOL_FORMULA[family],
        mask=mask,
        rect=unfolded_rect(mask),
        mean=float(r.mean[k]),
        std=float(r.std[k]),
        x=float(r.x[focus]),
        y=float(r.output[focus]),
        notes=r.notes,
    )


def _pitfall(spec: TensorSpec, focus: tuple[int, int, int, int]) -> Pitfall:
    n, _, h, w = focus
    g1 = group1_result(spec)
    tok = token_result(spec)
    p = h * spec.width + w
    big_n, big_c = spec.batch, spec.channels
    a = g1.output.numpy().reshape(big_n, big_c, -1)  # N,C,P
    b = tok.output.numpy().reshape(big_n, big_c, -1)  # N,C,P
    kg, kt = g1.stat_index(focus), int(tok.pool[focus])
    pos_g1 = a[n].astype(np.float64).mean(axis=0)  # P  channel mean per position
    pos_tok = b[n].astype(np.float64).mean(axis=0)  # P
    return Pitfall(
        example=n,
        position=p,
        group1=a[n],
        token=b[n],
        diff=a[n] - b[n],
        max_abs_diff=float(np.abs(a - b).max()),
        group1_stats=g1.num_stats,
        group1_pool=g1.pool_size,
        token_stats=tok.num_stats,
        token_pool=tok.pool_size,
        group1_mu=float(g1.mean[kg]),
        group1_sd=float(g1.std[kg]),
        token_mu=float(tok.mean[kt]),
        token_sd=float(torch.sqrt(tok.var[kt] + tok.eps)),
        group1_spread=float(pos_g1.std()),
        token_spread=float(pos_tok.std()),
    )


@lru_cache(maxsize=256)
def build_view(state: TensorState) -> TensorView:
    """Everything the Tensor view shows for ``state``."""
    state = clean(state)
    spec = state.spec
    computed = family_results(spec, state.groups)
    results = dict(zip(TENSOR_FAMILIES, computed, strict=True))
    readouts = {f: _readout(f, r, state.focus) for f, r in results.items()}
    equivalences = []
    for i, a in enumerate(TENSOR_FAMILIES):
        for b in TENSOR_FAMILIES[i + 1 :]:
            if same_sets(results[a], results[b]):
                diff = (results[a].output - results[b].output).abs().max()
                equivalences.append((a, b, float(diff)))
    return TensorView(
        state=state,
        x=make_tensor(spec),
        results=MappingProxyType(results),
        readouts=MappingProxyType(readouts),
        equivalences=tuple(equivalences),
        pitfall=_pitfall(spec, state.focus),
    )


def pitfall_code(shape: tuple[int, int, int, int], x_line: str | None = None) -> str:
    """torch.nn code for the comparison: GroupNorm(1, C) and nn.LayerNorm(C) on
    channels-last tokens. ``x_line`` replaces the line that makes ``x``."""
    n, c, h, w = shape
    x_line = x_line or f"x = torch.randn({n}, {c}, {h}, {w})  # N, C, H, W"
    return f"""import torch
from torch import nn

{x_line}
C = x.shape[1]
# Wu & He's LayerNorm: one (μ, σ) per example, over (C, H, W)
gn = nn.GroupNorm(1, C, affine=False)(x)
same = nn.LayerNorm(x.shape[1:], elementwise_affine=False)(x)  # equal to gn
# A transformer's LayerNorm: channels last, one (μ, σ) per position, over C
tokens = x.permute(0, 2, 3, 1)  # N, H, W, C
ln = nn.LayerNorm(C, elementwise_affine=False)(tokens).permute(0, 3, 1, 2)
print((gn - ln).abs().max())  # not 0: different sets
"""
