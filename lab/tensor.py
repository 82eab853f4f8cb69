"""The Tensor view's model: Wu & He's (N, C, H·W) cube, live, from the one engine.

Everything the page shows for a state comes from here and is pure: the synthetic
(N, C, H, W) tensor, the four families' results (`lab.norms.normalize`), which
cells share the focused cell's statistics, how many (μ, σ) pairs each family
keeps, the GroupNorm(1, C) vs channels-last LayerNorm comparison, the URL state,
what the page's canvas component draws (`cube_panels`, `unfolded_panels`,
`pitfall_panels`) and the same pictures as Plotly figures for notebooks
(`cube_figure`, `unfolded_figures`, `pitfall_figures`: plain dicts, float32
arrays). A notebook gets the very numbers and pictures the page shows:

>>> v = build_view(TensorState(groups=1))
>>> v.readouts["group"].num_stats == v.readouts["layer"].num_stats
True

Layout conventions: ``P = H·W`` positions flattened row-major (``p = h·W + w``),
as Wu & He's Figure 2 flattens them; the unfolded map has one row per example
and ``C·P`` columns, column ``j = c·P + p``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np
import torch
from torch import Tensor

from lab.figures import (
    CHART_CONFIG,
    DIVERGING,
    HALO,
    OUTLINE,
    b64,
    symmetric_range,
)
from lab.norms import DEFAULT_EPS, FAMILY_NAMES, NormResult, Note, normalize
from lab.params import Choice, Ints, Num, Spec, as_lists, read_params, summarize
from lab.params import write_params as _write
from lab.scenarios import Scenario
from lab.texts.tensor import (
    COUNT_FORMULA,
    COUNTS_CAPTION,
    COUNTS_HEAD,
    FOCUS_LINE,
    ONE_METRICS,
    PICKERS,
    PITFALL_FOCUS,
    PITFALL_MEANS,
    PITFALL_METRICS,
    POOL_FORMULA,
    POOLED_AXES,
    SCENARIO_TEXT,
)

MAX_N = 8
MAX_C = 12
MAX_SIDE = 4
"""Bounds on N, C, H, W: at most 8·12·4·4 = 1,536 cells, so four cubes of small
cubes stay readable and quick to draw (assets/tensor.js paints the four in ~14 ms
in a browser without a GPU). C ≤ 12 still offers G ∈ {1, 2, 3, 4, 6, 12}."""

MAX_SEED = 2**31 - 1
TENSOR_FAMILIES: tuple[str, ...] = ("batch", "layer", "instance", "group")
"""The four families of Wu & He's Figure 2, in its order."""
VIEWS: tuple[str, ...] = ("all", "one")

SET_COLOR = "#2f6fde"  # Wu & He shade the set blue
FOCUS_COLOR = "#f28e2b"  # orange: tells apart from blue for every colour vision
FAINT_COLOR = "#8c96a3"


# ---- data ----


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


# ---- state and URL ----


@dataclass(frozen=True)
class TensorState:
    """Every setting of the Tensor view; the URL holds exactly these."""

    view: str = "all"
    norm: str = "group"
    batch: int = 4
    channels: int = 6
    height: int = 3
    width: int = 3
    groups: int = 2
    shift: float = 1.0
    spot: float = 2.0
    seed: int = 0
    focus: tuple[int, int, int, int] = (0, 0, 0, 0)
    scenario: str = "figure"

    @property
    def spec(self) -> TensorSpec:
        return TensorSpec(
            batch=self.batch,
            channels=self.channels,
            height=self.height,
            width=self.width,
            shift=self.shift,
            spot=self.spot,
            seed=self.seed,
        )


SCENARIO_PARAMS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "figure": {"view": "all"},
        "layer": {"view": "all", "groups": 1},
        "instance": {"view": "all", "groups": 6},
        "one_image": {"view": "all", "batch": 1, "height": 4, "width": 4},
        "pitfall": {"view": "one", "norm": "group", "groups": 1, "spot": 3.0},
        "pixels": {"view": "all", "height": 1, "width": 1, "batch": 6},
    }
)

SCENARIOS: tuple[Scenario, ...] = tuple(
    Scenario(key, *SCENARIO_TEXT[key], params)
    for key, params in SCENARIO_PARAMS.items()
)
SCENARIO_BY_KEY: Mapping[str, Scenario] = MappingProxyType(
    {s.key: s for s in SCENARIOS}
)

NUMERIC: Mapping[str, Num] = MappingProxyType(
    {
        "batch": Num(1, MAX_N, 1, integer=True),
        "channels": Num(1, MAX_C, 1, integer=True),
        "height": Num(1, MAX_SIDE, 1, integer=True),
        "width": Num(1, MAX_SIDE, 1, integer=True),
        "groups": Num(1, MAX_C, 1, integer=True),
        "shift": Num(0.0, 5.0, 0.1),
        "spot": Num(0.0, 5.0, 0.1),
        "seed": Num(0, MAX_SEED, 1, integer=True),
    }
)
SPECS: Mapping[str, Spec] = MappingProxyType(
    {
        **NUMERIC,
        "view": Choice(VIEWS),
        "norm": Choice(TENSOR_FAMILIES),
        "scenario": Choice(("custom", *SCENARIO_BY_KEY)),
        "focus": Ints(4, "n,c,h,w"),
    }
)
NAMES: tuple[str, ...] = tuple(f.name for f in fields(TensorState))
FREE = frozenset({"view", "norm", "seed", "focus", "scenario"})
"""Settings a user may change without leaving the scenario: looking at another
family, another layout or another cell is how a scenario is explored."""
KEEP_ON_PICK = frozenset({"seed", "focus"})


def divisors(n: int) -> list[int]:
    """GroupNorm's possible G for ``n`` channels."""
    return [g for g in range(1, n + 1) if n % g == 0]


def nearest_divisor(n: int, g: int) -> int:
    return min(divisors(n), key=lambda d: (abs(d - g), d))


def clean(state: TensorState) -> TensorState:
    """Make cross-field constraints hold: G divides C, the focus lies inside."""
    limits = (state.batch, state.channels, state.height, state.width)
    pairs = zip(state.focus, limits, strict=True)
    focus = tuple(min(max(int(i), 0), m - 1) for i, m in pairs)
    return replace(
        state,
        groups=nearest_divisor(state.channels, state.groups),
        focus=focus,  # type: ignore[arg-type]
    )


def scenario_base(key: str) -> TensorState:
    """The defaults with a scenario's settings (``custom``: the defaults)."""
    base = TensorState(scenario=key if key in SCENARIO_BY_KEY else "custom")
    if key in SCENARIO_BY_KEY:
        base = replace(base, **SCENARIO_BY_KEY[key].params)
    return base


def matches_scenario(state: TensorState, key: str) -> bool:
    """True while every setting the scenario fixes still has the scenario's value."""
    if key not in SCENARIO_BY_KEY:
        return False
    base = scenario_base(key)
    return all(
        getattr(state, name) == getattr(base, name)
        for name in NAMES
        if name not in FREE
    )


def settle(state: TensorState) -> TensorState:
    """`clean`, and mark the state custom once it has left its scenario."""
    state = clean(state)
    if state.scenario != "custom" and not matches_scenario(state, state.scenario):
        state = replace(state, scenario="custom")
    return state


def parse(params: Mapping[str, str | Iterable[str]]) -> tuple[TensorState, str | None]:
    """Read a state from query parameters; never raises.

    Returns the state and one note naming what was ignored or adjusted (names
    only, never values), or None when the link was read as written.
    """
    parsed, problems = read_params(as_lists(params), SPECS)
    scenario = parsed.pop("scenario", "figure")  # a link without one came from it
    state = replace(scenario_base(scenario), **parsed)
    fixed = clean(state)
    if fixed.groups != state.groups and "groups" in parsed:
        problems.append(f"groups (must divide {state.channels} channels)")
    if fixed.focus != state.focus and "focus" in parsed:
        problems.append("focus (outside the tensor)")
    return settle(fixed), summarize(problems)


def to_params(state: TensorState) -> dict[str, str]:
    """Query parameters for ``state``: its scenario plus what differs from it."""
    out = {} if state.scenario == "figure" else {"scenario": state.scenario}
    return out | _write(state, scenario_base(state.scenario), SPECS, skip={"scenario"})


# ---- the model ----


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
def _token_result(spec: TensorSpec) -> TokenLayerNorm:
    return token_layer_norm(torch.from_numpy(make_tensor(spec)))


@lru_cache(maxsize=32)
def _group1_result(spec: TensorSpec) -> NormResult:
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
    g1 = _group1_result(spec)
    tok = _token_result(spec)
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


# ---- figures ----


def fmt(v: float) -> str:
    """A number as the page prints it: 3 decimals, a true minus sign, no −0."""
    if not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("∞" if v > 0 else "−∞")
    s = f"{v:.3e}" if abs(v) >= 1e4 else f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "0") else s.replace("-", "−")


def noun(k: int, one: str, many: str | None = None) -> str:
    """The noun that counts ``k`` things: singular for exactly one."""
    return one if k == 1 else (many or one + "s")


def plural(k: int, one: str, many: str | None = None) -> str:
    """``k`` and the noun it counts: "1 cell", "2 cells", "1 (μ, σ) pair"."""
    return f"{k} {noun(k, one, many)}"


def count_caption(ro: FamilyReadout) -> list[tuple[str, bool]]:
    """Under each cube: how many (μ, σ) pairs the family keeps and how many cells
    each pools, as (text, bold) pieces; numbers in bold, nouns in the singular
    for one ("1 (μ, σ) pair", "1 cell each")."""
    pairs = noun(ro.num_stats, "(μ, σ) pair")
    cells = noun(ro.pool_size, "cell") + " each"
    return [
        (str(ro.num_stats), True),
        (f" {pairs} ({ro.count_formula}), ", False),
        (str(ro.pool_size), True),
        (f" {cells} ({ro.pool_formula})", False),
    ]


PANEL_COLORS: Mapping[str, str] = MappingProxyType(
    {"set": SET_COLOR, "focus": FOCUS_COLOR, "outline": OUTLINE, "halo": HALO}
)


def _shared(view: TensorView, kind: str, big: bool) -> dict[str, Any]:
    return {
        "kind": kind,
        "big": big,
        "norm": view.state.norm,
        "shape": list(view.x.shape),
        "focus": list(view.state.focus),
        "colors": dict(PANEL_COLORS),
    }


def parts(md: str) -> list[list[str]]:
    """A sentence with **bold** and `code` as [text, style] pieces ("b", "code"
    or ""), for the canvas component, which sets them as text, never as HTML."""
    out = []
    for piece in re.split(r"(\*\*[^*]+\*\*|`[^`]+`)", md):
        if piece.startswith("**") and piece.endswith("**") and len(piece) > 4:
            out.append([piece[2:-2], "b"])
        elif piece.startswith("`") and piece.endswith("`") and len(piece) > 2:
            out.append([piece[1:-1], "code"])
        elif piece:
            out.append([piece, ""])
    return out


def pickers_block(view: TensorView) -> dict[str, Any]:
    """The focused cell as four numbers to type, and the sentence naming it
    (``{n}``, ``{c}``, ``{h}``, ``{w}`` are filled in by the browser with the
    focus, so they follow a click at once)."""
    return {
        "type": "pickers",
        "items": [
            [label, size, help_]
            for (label, help_), size in zip(PICKERS, view.x.shape, strict=True)
        ],
        "line": parts(FOCUS_LINE),
    }


def counts_blocks(view: TensorView) -> list[dict[str, Any]]:
    """The table of (μ, σ) pairs and pool sizes per family, with the focused
    cell's μ, √(σ² + ε) and output, and its caption."""
    n, c, h, w = view.x.shape
    rows = []
    for fam in TENSOR_FAMILIES:
        ro = view.readouts[fam]
        rows.append(
            [
                FAMILY_NAMES[fam],
                POOLED_AXES[fam],
                f"{ro.count_formula} = {ro.num_stats}",
                f"{ro.pool_formula} = {ro.pool_size}",
                fmt(ro.mean),
                fmt(ro.std),
                fmt(ro.y),
            ]
        )
    caption = COUNTS_CAPTION.format(
        n=n,
        c=c,
        h=h,
        w=w,
        g=view.state.groups,
        total=n * c * h * w,
        x=fmt(view.readouts["batch"].x),
    )
    return [
        {"type": "table", "head": list(COUNTS_HEAD), "rows": rows, "right": [4, 5, 6]},
        {"type": "caption", "parts": parts(caption)},
    ]


def one_metrics(view: TensorView, family: str) -> dict[str, Any]:
    """The One family layout's readouts: pairs, pool size, μ, divisor, x, y."""
    ro = view.readouts[family]
    values = (
        str(ro.num_stats),
        str(ro.pool_size),
        fmt(ro.mean),
        fmt(ro.std),
        fmt(ro.x),
        fmt(ro.y),
    )
    items = [
        [label.format(count=ro.count_formula, pool=ro.pool_formula), v, help_]
        for (label, help_), v in zip(ONE_METRICS, values, strict=True)
    ]
    return {"type": "metrics", "items": items}


def cube_panels(view: TensorView, families: Iterable[str]) -> dict[str, Any]:
    """What the Tensor view's cube component (assets/tensor.js) draws: Wu & He's
    cube for each of ``families``, the same picture as `cube_figure` in 2-D.

    Each cube travels as the raw tensor, the family's output and, for every
    cell, the index of the (μ, σ) pair it uses (``NormResult.pool``), all in
    (n, c, p) order: the browser finds the focused cell's set as the cells
    sharing its index, so a click redraws the set at once, before the server
    answers. One family is drawn large (``big``).
    """
    fams = tuple(families)
    x = b64(view.x.reshape(-1), np.float32)
    panels = []
    for fam in fams:
        r = view.results[fam]
        panels.append(
            {
                "title": FAMILY_NAMES[fam],
                "family": fam,
                "z": x,
                "label": "raw x",
                "other": b64(r.output.numpy().reshape(-1), np.float32),
                "other_label": f"after {FAMILY_NAMES[fam]}",
                "pool": b64(r.pool.numpy().reshape(-1), np.int32),
                "caption": count_caption(view.readouts[fam]),
                "filename": f"tensor-cube-{fam}",
            }
        )
    after = counts_blocks(view)
    if len(fams) == 1:
        after = [one_metrics(view, fams[0]), *after]
    return _shared(view, "cubes", len(fams) == 1) | {
        "panels": panels,
        "before": [pickers_block(view)],
        "after": after,
    }


def _map_panel(
    z: np.ndarray,
    other: np.ndarray,
    pool: np.ndarray | None,
    **spec: Any,
) -> dict[str, Any]:
    rows, cols = z.shape
    return {
        "rows": rows,
        "cols": cols,
        "z": b64(z, np.float32),
        "other": b64(other, np.float32),
        "pool": None if pool is None else b64(pool, np.int32),
        "colorscale": DIVERGING,
        **spec,
    }


def unfolded_panels(view: TensorView, family: str) -> dict[str, Any]:
    """The unfolded raw and normalized (N, C·H·W) maps for the canvas component:
    the same pictures as `unfolded_figures`, with each cell's (μ, σ) index so
    the browser outlines a clicked cell's set at once."""
    n, c, h, w = view.x.shape
    p = h * w
    x = view.x.reshape(n, c * p)
    y = view.results[family].output.numpy().reshape(n, c * p)
    pool = view.results[family].pool.numpy().reshape(n, c * p)
    step = max(1, math.ceil(c / 16))
    common = {
        "layout": "unfolded",
        "zmax": symmetric_range(x, y),
        "block": p,
        "xticks": [[k * p + (p - 1) / 2, str(k)] for k in range(0, c, step)],
        "xlabel": "channel c (a block of H·W positions each)",
        "ylabel": "example n",
        "height": 110 + 30 * n,
    }
    name = FAMILY_NAMES[family]
    raw = _map_panel(
        x,
        y,
        pool,
        title="Raw x, unfolded to N × (C·H·W)",
        label="raw x",
        other_label=f"after {name}",
        showscale=False,
        filename="tensor-raw",
        **common,
    )
    out = _map_panel(
        y,
        x,
        pool,
        title=f"After {name}",
        label=f"after {name}",
        other_label="raw x",
        showscale=True,
        filename=f"tensor-{family}",
        **common,
    )
    return _shared(view, "maps", False) | {"panels": [raw, out], "after": []}


def pitfall_panels(view: TensorView) -> dict[str, Any]:
    """The focused example as C × (H·W) maps (GroupNorm(1, C), nn.LayerNorm(C) on
    tokens, their difference) for the canvas component: the pictures of
    `pitfall_figures`, each outlining the set that normalized the clicked cell."""
    pf = view.pitfall
    spec = view.state.spec
    _, c, h, w = view.x.shape
    p = h * w
    fn = view.state.focus[0]
    raw = view.x[fn].reshape(c, p)
    g1_pool = _group1_result(spec).pool.numpy()[fn].reshape(c, p)
    tok_pool = _token_result(spec).pool.numpy()[fn].reshape(c, p)
    step = max(1, math.ceil(p / 8))
    common = {
        "layout": "example",
        "example": fn,
        "zmax": symmetric_range(pf.group1, pf.token, pf.diff),
        "block": 0,
        "xticks": [[i, f"{i // w},{i % w}"] for i in range(0, p, step)],
        "xlabel": "position (h, w)",
        "height": 150 + 18 * c,
        "other_label": "raw x",
    }
    maps = (
        ("GroupNorm(1, C)", pf.group1, g1_pool, "group1", "channel c"),
        ("nn.LayerNorm(C) on tokens", pf.token, tok_pool, "ln", ""),
        ("Difference", pf.diff, None, "difference", ""),
    )
    panels = [
        _map_panel(
            z,
            raw,
            pool,
            title=f"{title}, example {fn}",
            label=title,
            ylabel=ylabel,
            showscale=i == 2,
            filename=f"pitfall-{name}",
            **common,
        )
        for i, (title, z, pool, name, ylabel) in enumerate(maps)
    ]
    return _shared(view, "maps", False) | {
        "panels": panels,
        "after": pitfall_blocks(view),
    }


def pitfall_blocks(view: TensorView) -> list[dict[str, Any]]:
    """Under the comparison's maps: its four readouts and two sentences, with
    the numbers for the focused cell and its example."""
    pf = view.pitfall
    s = view.state
    n, c, h, w = s.focus
    values = (
        fmt(pf.max_abs_diff),
        str(pf.group1_stats),
        str(pf.token_stats),
        fmt(float(pf.diff[c, h * s.width + w])),
    )
    items = [
        [label, v, help_]
        for (label, help_), v in zip(PITFALL_METRICS, values, strict=True)
    ]
    focus = PITFALL_FOCUS.format(
        n=n,
        c=c,
        h=h,
        w=w,
        x=fmt(view.readouts["batch"].x),
        g1_mu=fmt(pf.group1_mu),
        g1_sd=fmt(pf.group1_sd),
        g1_y=fmt(float(pf.group1[c, pf.position])),
        tok_mu=fmt(pf.token_mu),
        tok_sd=fmt(pf.token_sd),
        tok_y=fmt(float(pf.token[c, pf.position])),
    )
    means = PITFALL_MEANS.format(
        n=n, g1_spread=fmt(pf.group1_spread), tok_spread=fmt(pf.token_spread)
    )
    return [
        {"type": "metrics", "items": items},
        {"type": "text", "parts": parts(focus)},
        {"type": "text", "parts": parts(means)},
    ]


_CORNERS = np.array(
    [
        [-1, -1, -1],
        [1, -1, -1],
        [1, 1, -1],
        [-1, 1, -1],
        [-1, -1, 1],
        [1, -1, 1],
        [1, 1, 1],
        [-1, 1, 1],
    ],
    dtype=np.float32,
)
_TRIANGLES = np.array(
    [
        [0, 1, 2],
        [0, 2, 3],
        [4, 5, 6],
        [4, 6, 7],
        [0, 1, 5],
        [0, 5, 4],
        [3, 2, 6],
        [3, 6, 7],
        [0, 3, 7],
        [0, 7, 4],
        [1, 2, 6],
        [1, 6, 5],
    ]
)


def _cubes(centres: np.ndarray, half: float) -> dict[str, np.ndarray]:
    """One mesh of axis-aligned cubes: 8 vertices and 12 triangles each."""
    k = len(centres)
    verts = (centres[:, None, :] + half * _CORNERS[None]).reshape(-1, 3)  # 8K,3
    tri = (_TRIANGLES[None] + 8 * np.arange(k)[:, None, None]).reshape(-1, 3)  # 12K,3
    idx = np.uint16 if 8 * k < 2**16 else np.uint32
    return {
        "x": verts[:, 0].astype(np.float32),
        "y": verts[:, 1].astype(np.float32),
        "z": verts[:, 2].astype(np.float32),
        "i": tri[:, 0].astype(idx),
        "j": tri[:, 1].astype(idx),
        "k": tri[:, 2].astype(idx),
    }


def _grid(n: int, c: int, p: int) -> dict[str, np.ndarray]:
    """Cell boundaries on the six faces of the block, as one broken line.

    Scene axes: x = C, y = N, z = H·W (up), as in Wu & He's Figure 2.
    """
    lo = -0.5
    hi = {"x": c - 0.5, "y": n - 0.5, "z": p - 0.5}
    ticks = {
        "x": np.arange(c + 1) - 0.5,
        "y": np.arange(n + 1) - 0.5,
        "z": np.arange(p + 1) - 0.5,
    }
    segs: list[tuple[tuple[float, float, float], tuple[float, float, float]]] = []
    axes = ("x", "y", "z")
    for fixed in axes:  # the two faces normal to this axis
        a, b = (ax for ax in axes if ax != fixed)
        for level in (lo, hi[fixed]):
            for t in ticks[a]:  # lines along b
                p0 = {fixed: level, a: t, b: lo}
                p1 = {fixed: level, a: t, b: hi[b]}
                segs.append((tuple(p0[q] for q in axes), tuple(p1[q] for q in axes)))
            for t in ticks[b]:  # lines along a
                p0 = {fixed: level, b: t, a: lo}
                p1 = {fixed: level, b: t, a: hi[a]}
                segs.append((tuple(p0[q] for q in axes), tuple(p1[q] for q in axes)))
    pts = np.full((len(segs) * 3, 3), np.nan, dtype=np.float32)  # a NaN ends a line
    arr = np.array(segs, dtype=np.float32)  # S,2,3
    pts[0::3], pts[1::3] = arr[:, 0], arr[:, 1]
    return {"x": pts[:, 0], "y": pts[:, 1], "z": pts[:, 2]}


def _cell_data(view: TensorView, family: str, cells: np.ndarray) -> np.ndarray:
    """Hover data per cell (K, 6): n, c, h, w, raw x, normalized output."""
    _, _, _, w = view.x.shape
    n, c, p = cells[:, 0], cells[:, 1], cells[:, 2]
    h, ww = np.divmod(p, w)
    x = view.x.reshape(view.x.shape[0], view.x.shape[1], -1)  # N,C,P
    y = view.results[family].output.numpy().reshape(x.shape)  # N,C,P
    return np.stack([n, c, h, ww, x[n, c, p], y[n, c, p]], axis=1).astype(np.float32)


def _hover(family: str) -> str:
    return (
        "example %{customdata[0]}, channel %{customdata[1]}, "
        "position (%{customdata[2]}, %{customdata[3]})<br>"
        "x = %{customdata[4]:.4g}<br>"
        f"{FAMILY_NAMES[family]}: %{{customdata[5]:.4g}}<extra></extra>"
    )


def _axis(title: str, size: int, labels: list[str] | None = None) -> dict[str, Any]:
    step = max(1, math.ceil(size / 8))
    vals = np.arange(0, size, step)
    axis: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 15}},
        "range": [-0.6, size - 0.4],
        "tickvals": vals.tolist(),
        "showgrid": False,
        "zeroline": False,
        "showbackground": False,
        "showspikes": False,
        "tickfont": {"size": 10},
    }
    if labels is not None:
        axis["ticktext"] = [labels[v] for v in vals]
    return axis


def cube_figure(
    view: TensorView, family: str, *, height: int = 420, title: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Wu & He's cube for one family: the focused cell's set as solid cubes.

    Axes C, N and H·W (up). The set is drawn blue, the focused cell orange, every
    other cell a faint point; the block's cell grid is drawn on its faces. Hover
    any cube or point for its raw and normalized value. (Streamlit re-creates a
    chart whose figure changed, so a turned camera resets when the focus moves.)
    """
    n, c, h, w = view.x.shape
    p = h * w
    ro = view.readouts[family]
    fn, fc, fh, fw = view.state.focus
    focus = np.array([[fn, fc, fh * w + fw]])
    in_set = ro.mask.copy()
    in_set[fn, fc, fh * w + fw] = False
    members = np.argwhere(in_set)  # K,3  (n, c, p)
    others = np.argwhere(~ro.mask)  # M,3
    hover = _hover(family)

    def xyz(cells: np.ndarray) -> np.ndarray:  # scene coordinates: x=C, y=N, z=P
        return cells[:, [1, 0, 2]].astype(np.float32)

    mesh_style = {
        "type": "mesh3d",
        "flatshading": True,
        "lighting": {
            "ambient": 0.45,
            "diffuse": 0.8,
            "specular": 0.05,
            "roughness": 0.8,
            "fresnel": 0.05,
        },
        "lightposition": {"x": 30000, "y": -100000, "z": 60000},
        "hovertemplate": hover,
        "showscale": False,
    }
    data: list[dict[str, Any]] = [
        {
            "type": "scatter3d",
            "mode": "lines",
            **_grid(n, c, p),
            "line": {"color": FAINT_COLOR, "width": 1.5},
            "opacity": 0.55,
            "hoverinfo": "skip",
            "showlegend": False,
        }
    ]
    if len(others):
        data.append(
            {
                "type": "scatter3d",
                "mode": "markers",
                **dict(zip("xyz", xyz(others).T, strict=True)),
                "customdata": _cell_data(view, family, others),
                "marker": {"size": 2.5, "color": FAINT_COLOR, "opacity": 0.6},
                "hovertemplate": hover,
                "showlegend": False,
            }
        )
    for cells, color, half in ((members, SET_COLOR, 0.43), (focus, FOCUS_COLOR, 0.49)):
        if not len(cells):
            continue
        data.append(
            mesh_style
            | _cubes(xyz(cells), half)
            | {
                "color": color,
                "customdata": np.repeat(_cell_data(view, family, cells), 8, axis=0),
                "name": "focused cell" if color == FOCUS_COLOR else "its set",
            }
        )
    far = 1.0 if height >= 400 else 1.3  # small charts: room for axis titles
    sizes = np.array([c, n, p], dtype=np.float64)
    ratio = np.clip(sizes / sizes.max(), 0.3, 1.0)
    pos_labels = [f"{i // w},{i % w}" for i in range(p)]
    fig = {
        "data": data,
        "layout": {
            "title": {
                "text": title or FAMILY_NAMES[family],
                "x": 0.5,
                "xanchor": "center",
                "y": 0.97,
                "font": {"size": 16},
            },
            "height": height,
            "margin": {"l": 0, "r": 0, "t": 30, "b": 0},
            "showlegend": False,
            "scene": {
                "xaxis": _axis("C", c),
                "yaxis": _axis("N", n),
                "zaxis": _axis("H·W", p, pos_labels),
                "aspectmode": "manual",
                "aspectratio": dict(zip("xyz", ratio.round(3).tolist(), strict=True)),
                "camera": {
                    "eye": {"x": 1.4 * far, "y": -1.3 * far, "z": 0.85 * far},
                    "center": {"x": 0, "y": 0, "z": -0.1},
                },
                "dragmode": "turntable",
            },
        },
    }
    config = CHART_CONFIG | {
        "toImageButtonOptions": CHART_CONFIG["toImageButtonOptions"]
        | {"filename": f"tensor-cube-{family}"}
    }
    return fig, config


def _rect(r0: float, r1: float, c0: float, c1: float, color: str, width: float):
    return {
        "type": "rect",
        "xref": "x",
        "yref": "y",
        "x0": c0 - 0.5,
        "x1": c1 + 0.5,
        "y0": r0 - 0.5,
        "y1": r1 + 0.5,
        "line": {"color": color, "width": width},
        "fillcolor": "rgba(0,0,0,0)",
    }


def _outlines(rect, focus) -> list[dict[str, Any]]:
    shapes = []
    if rect is not None:
        shapes += [_rect(*rect, HALO, 5), _rect(*rect, OUTLINE, 2.5)]
    r, c = focus
    return [*shapes, _rect(r, r, c, c, HALO, 3), _rect(r, r, c, c, OUTLINE, 1.5)]


def _heatmap(
    z: np.ndarray,
    custom: np.ndarray,
    hover: str,
    *,
    title: str,
    zmax: float,
    shapes: list[dict[str, Any]],
    xaxis: dict[str, Any],
    yaxis: dict[str, Any],
    height: int,
    filename: str,
    show_scale: bool = True,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A clickable heatmap: a transparent marker per cell carries clicks and
    hover, because Plotly's heatmap cells emit no selection events
    (docs/streamlit.md, "Clicks and selections")."""
    rows, cols = np.divmod(np.arange(z.size, dtype=np.int32), z.shape[1])
    fig = {
        "data": [
            {
                "type": "heatmap",
                "z": np.asarray(z, dtype=np.float32),
                "zmin": -zmax,
                "zmax": zmax,
                "colorscale": DIVERGING,
                "hoverinfo": "skip",
                "showscale": show_scale,
                "colorbar": {
                    "thickness": 12,
                    "outlinewidth": 0,
                    "len": 0.9,
                    "x": 1.02,
                    "xanchor": "left",
                },
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": cols.astype(np.int16),
                "y": rows.astype(np.int16),
                "customdata": custom.astype(np.float32),
                "marker": {"size": 6, "opacity": 0, "color": OUTLINE},
                "hovertemplate": hover,
                "showlegend": False,
            },
        ],
        "layout": {
            "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
            "height": height,
            "margin": {"l": 44, "r": 72, "t": 34, "b": 40},
            "xaxis": xaxis | {"showgrid": False, "zeroline": False},
            "yaxis": yaxis | {"showgrid": False, "zeroline": False},
            "shapes": shapes,
            "clickmode": "event+select",
            "dragmode": False,
            "hovermode": "closest",
            "hoverdistance": -1,
            "showlegend": False,
        },
    }
    config = CHART_CONFIG | {
        "toImageButtonOptions": CHART_CONFIG["toImageButtonOptions"]
        | {"filename": filename}
    }
    return fig, config


def unfolded_figures(
    view: TensorView, family: str
) -> tuple[tuple[dict, dict], tuple[dict, dict]]:
    """The tensor unfolded to (N, C·H·W), raw and after ``family``, set outlined.

    One block of H·W columns per channel, separated by thin lines; both maps on
    one symmetric colour range so equal colours mean equal numbers.
    """
    n, c, h, w = view.x.shape
    p = h * w
    x = view.x.reshape(n, c * p)  # N,C·P
    y = view.results[family].output.numpy().reshape(n, c * p)  # N,C·P
    ro = view.readouts[family]
    fn, fc, fh, fw = view.state.focus
    focus = (fn, fc * p + fh * w + fw)
    nn_, cc, pp = np.meshgrid(np.arange(n), np.arange(c), np.arange(p), indexing="ij")
    hh, ww = np.divmod(pp, w)
    custom = np.stack(
        [nn_.ravel(), cc.ravel(), hh.ravel(), ww.ravel(), x.ravel(), y.ravel()], axis=1
    )  # N·C·P, 6
    separators = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": k * p - 0.5,
            "x1": k * p - 0.5,
            "y0": 0,
            "y1": 1,
            "line": {"color": FAINT_COLOR, "width": 1},
        }
        for k in range(1, c)
    ]
    step = max(1, math.ceil(c / 16))
    xaxis = {
        "title": {"text": "channel c (a block of H·W positions each)", "standoff": 4},
        "range": [-0.5, c * p - 0.5],
        "tickvals": [k * p + (p - 1) / 2 for k in range(0, c, step)],
        "ticktext": [str(k) for k in range(0, c, step)],
        "ticks": "",
    }
    yaxis = {
        "title": {"text": "example n", "standoff": 4},
        "range": [n - 0.5, -0.5],
        "tickvals": list(range(n)),
    }
    zmax = symmetric_range(x, y)
    height = 110 + 30 * n
    shapes = separators + _outlines(ro.rect, focus)
    raw = _heatmap(
        x,
        custom,
        _hover(family),
        title="Raw x, unfolded to N × (C·H·W)",
        zmax=zmax,
        shapes=shapes,
        xaxis=xaxis,
        yaxis=yaxis,
        height=height,
        filename="tensor-raw",
        show_scale=False,
    )
    out = _heatmap(
        y,
        custom,
        _hover(family),
        title=f"After {FAMILY_NAMES[family]}",
        zmax=zmax,
        shapes=shapes,
        xaxis=xaxis,
        yaxis=yaxis,
        height=height,
        filename=f"tensor-{family}",
    )
    return raw, out


def pitfall_figures(view: TensorView) -> tuple[tuple[dict, dict], ...]:
    """The focused example as C × (H·W) maps: GroupNorm(1, C), nn.LayerNorm(C)
    on tokens, and their difference, on one colour range; each map outlines the
    set that normalized the focused cell."""
    pf = view.pitfall
    _, c, h, w = view.x.shape
    p = h * w
    fn, fc, fh, fw = view.state.focus
    focus = (fc, fh * w + fw)
    cc, pp = np.meshgrid(np.arange(c), np.arange(p), indexing="ij")
    hh, ww = np.divmod(pp, w)
    zmax = symmetric_range(pf.group1, pf.token, pf.diff)
    step = max(1, math.ceil(p / 8))
    xaxis = {
        "title": {"text": "position (h, w)", "standoff": 4},
        "range": [-0.5, p - 0.5],
        "tickvals": list(range(0, p, step)),
        "ticktext": [f"{i // w},{i % w}" for i in range(0, p, step)],
        "tickangle": 0,
    }
    yaxis = {
        "title": {"text": "channel c", "standoff": 2},
        "range": [c - 0.5, -0.5],
        "tickvals": list(range(0, c, max(1, math.ceil(c / 8)))),
    }
    height = 150 + 18 * c
    maps = (
        ("GroupNorm(1, C)", pf.group1, (0, c - 1, 0, p - 1), "group1"),
        ("nn.LayerNorm(C) on tokens", pf.token, (0, c - 1, focus[1], focus[1]), "ln"),
        ("Difference", pf.diff, None, "difference"),
    )
    out = []
    for i, (title, z, rect, name) in enumerate(maps):
        custom = np.stack(
            [
                np.full(c * p, fn),
                cc.ravel(),
                hh.ravel(),
                ww.ravel(),
                view.x[fn].reshape(c, p).ravel(),
                z.ravel(),
            ],
            axis=1,
        )
        hover = (
            "channel %{customdata[1]}, position (%{customdata[2]}, "
            "%{customdata[3]})<br>x = %{customdata[4]:.4g}<br>"
            f"{title}: %{{customdata[5]:.4g}}<extra></extra>"
        )
        out.append(
            _heatmap(
                z,
                custom,
                hover,
                title=f"{title}, example {fn}",
                zmax=zmax,
                shapes=_outlines(rect, focus),
                xaxis=xaxis,
                yaxis=yaxis if i == 0 else yaxis | {"title": {"text": ""}},
                height=height,
                filename=f"pitfall-{name}",
                show_scale=i == 2,
            )
        )
    return tuple(out)
