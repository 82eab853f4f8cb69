"""The one normalization engine: every number the lab shows is computed here.

BatchNorm, LayerNorm, RMSNorm, GroupNorm and InstanceNorm share one recipe: gather
the cells that share a statistic into one row of a matrix, standardize each row
(RMSNorm only divides by the row's root mean square: no mean, no β), then scale by
γ and shift by β. Where they differ is *which cells share a row*, and that is
written in one place (`_to_rows`), so the engine itself says what the lab teaches.

Shapes: the input is ``(N, C, *S)``: N examples, C channels (features), and any
number of spatial axes S (none for an examples × features matrix). ``K`` is the
number of statistics, ``M`` the number of cells each one is pooled over.

The engine is checked against ``torch.nn`` modules in ``tests/unit``; it computes
from scratch (``torch.var_mean``) rather than calling ``torch.nn.functional`` so
the statistics it returns are the very ones that produced the output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

FAMILIES: tuple[str, ...] = ("batch", "layer", "rms", "group", "instance")
"""Engine names of the families, in the order the lab lists them."""

FAMILY_NAMES: dict[str, str] = {
    "batch": "BatchNorm",
    "layer": "LayerNorm",
    "rms": "RMSNorm",
    "group": "GroupNorm",
    "instance": "InstanceNorm",
}

DEFAULT_EPS = 1e-5
"""torch.nn's default ε for every family but RMSNorm."""

PER_CHANNEL_AFFINE = frozenset({"batch", "group", "instance"})
"""Families whose γ and β hold one value per channel (C,); LayerNorm and RMSNorm
hold one per normalized element, shape ``x.shape[1:]``, as torch.nn does."""


@dataclass(frozen=True)
class Note:
    """Something unusual about a computation, said in words a student can act on.

    ``code`` is stable (tests and the diagnosis match on it); ``message`` is the
    teaching text.
    """

    code: str
    message: str


@dataclass(frozen=True, eq=False)
class NormResult:
    """The output of one normalization together with everything that produced it.

    Views need more than the output: the statistics, and which cells each one was
    pooled over, so a heatmap can outline "every cell averaged with this one" and
    a readout can count the (μ, σ) pairs a layer keeps.
    """

    family: str
    x: Tensor  # N,C,*S  the input
    output: Tensor  # N,C,*S  γ·x̂ + β
    normalized: Tensor  # N,C,*S  x̂, before γ and β
    mean: Tensor | None  # K  None for RMSNorm, which does not centre
    var: Tensor  # K  biased variance; RMSNorm: the mean square
    pool: Tensor  # N,C,*S  int64: which statistic each cell used
    groups: int
    eps: float
    training: bool
    from_running: bool  # BatchNorm in eval: statistics are the running estimates
    running_mean: Tensor | None  # C  BatchNorm only, after this call's update
    running_var: Tensor | None  # C
    num_batches_tracked: int
    notes: tuple[Note, ...] = ()
    mask: Tensor | None = None  # N,C,*S  bool: the cells pooled (a padding mask)

    @property
    def num_stats(self) -> int:
        """How many statistics (μ, σ pairs; σ only for RMSNorm) the layer uses."""
        return int(self.var.numel())

    @property
    def pool_size(self) -> int:
        """How many cells share each statistic (the same for every statistic);
        with a padding mask, the real cells only."""
        if self.mask is not None:
            return int(self.mask.sum()) // self.num_stats
        return self.x.numel() // self.num_stats

    @property
    def std(self) -> Tensor:
        """√(var + ε): the divisor each statistic applies (RMSNorm: the RMS)."""
        return torch.sqrt(self.var + self.eps)

    def stat_index(self, cell: tuple[int, ...]) -> int:
        """Index into ``mean``/``var`` of the statistic that normalized ``cell``."""
        return int(self.pool[cell])

    def pooled_with(self, cell: tuple[int, ...]) -> Tensor:
        """Boolean mask of every cell pooled into ``cell``'s statistic (with a
        padding mask, the real cells only: a pad is normalized by its channel's
        statistic but never counted in it)."""
        same = self.pool == self.pool[cell]
        return same if self.mask is None else same & self.mask

    def has_note(self, code: str) -> bool:
        return any(note.code == code for note in self.notes)


def default_eps(family: str, dtype: torch.dtype = torch.float32) -> float:
    """torch.nn's default ε: 1e-5, except RMSNorm's ``torch.finfo(dtype).eps``."""
    _check_family(family)
    return float(torch.finfo(dtype).eps) if family == "rms" else DEFAULT_EPS


def param_shape(shape: tuple[int, ...], family: str) -> tuple[int, ...]:
    """Shape of γ and β for an input of ``shape``, as the torch.nn module holds them."""
    _check_family(family)
    return (shape[1],) if family in PER_CHANNEL_AFFINE else tuple(shape[1:])


def num_statistics(shape: tuple[int, ...], family: str, groups: int = 1) -> int:
    """How many statistics a layer keeps for an input of ``shape``.

    BatchNorm: C; LayerNorm and RMSNorm: N; InstanceNorm: N·C; GroupNorm: N·G.
    """
    _check_family(family)
    n, c = shape[0], shape[1]
    return {"batch": c, "layer": n, "rms": n, "instance": n * c, "group": n * groups}[
        family
    ]


def normalize(
    x: Tensor,
    family: str,
    *,
    groups: int = 1,
    eps: float | None = None,
    gamma: float | Tensor = 1.0,
    beta: float | Tensor = 0.0,
    training: bool = True,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    momentum: float | None = 0.1,
    num_batches_tracked: int = 0,
    mask: Tensor | None = None,
) -> NormResult:
    """Normalize ``x`` with one family and return the output with its statistics.

    Semantics follow torch.nn exactly: biased variance to normalize; BatchNorm
    in training updates running estimates with the *unbiased* variance, with
    ``momentum`` or, when ``momentum is None``, a cumulative average; in eval it
    normalizes with the running estimates (a fresh layer's are mean 0, var 1);
    RMSNorm has no β and puts ε inside the square root.

    Where torch raises or returns NaN for a degenerate input, the engine returns
    what the formula means and says why in ``notes`` (one value per BatchNorm
    channel, squares that overflow float32, NaN in the input, variance below ε).

    Args:
        x: ``(N, C, *S)`` floating tensor: examples × channels × spatial axes.
        family: one of ``FAMILIES``.
        groups: GroupNorm's G; must divide C.
        eps: added to the variance; ``None`` takes torch.nn's default.
        gamma, beta: scale and shift, a number or a tensor of ``param_shape``.
        training: BatchNorm only: batch statistics (True) or running ones.
        running_mean, running_var: BatchNorm's ``(C,)`` running estimates;
            ``None`` starts from a fresh layer's (0, 1).
        momentum: BatchNorm's update factor; ``None`` is a cumulative average.
        num_batches_tracked: how many training batches the estimates have seen.
        mask: BatchNorm only: a boolean ``(N, *S)`` tensor, False at padding.
            Training statistics and the running update pool the real positions
            only (``BatchNorm1d`` on the packed real tokens); pads are normalized
            with their channel's statistics but never counted in them.

    Raises:
        ValueError: for arguments no layer accepts (unknown family, G that does
            not divide C, a non-floating or <2-D input, β for RMSNorm, ...).

    Example:
        >>> x = torch.randn(8, 4)
        >>> r = normalize(x, "layer")
        >>> r.num_stats  # one (μ, σ) pair per example
        8
    """
    _check_family(family)
    if not isinstance(x, Tensor) or not x.is_floating_point() or x.dim() < 2:
        raise ValueError("x must be a floating tensor of shape (N, C, ...)")
    if 0 in x.shape:
        raise ValueError(f"x has an empty axis: shape {tuple(x.shape)}")
    c = x.shape[1]
    if family == "group" and (groups < 1 or c % groups):
        raise ValueError(f"GroupNorm needs G to divide C: G={groups}, C={c}")
    if family != "group":
        groups = 1
    eps = default_eps(family, x.dtype) if eps is None else float(eps)
    if not math.isfinite(eps) or eps < 0:
        raise ValueError(f"ε must be a finite number ≥ 0, got {eps}")
    if eps == 0 and family == "batch" and training:
        raise ValueError("BatchNorm needs ε > 0 in training, as torch.nn does")
    if momentum is not None and not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum must lie in [0, 1] or be None, got {momentum}")
    keep = _check_mask(mask, x, family)  # N,C,*S  or None
    weight = _affine(gamma, x, family, "γ")
    bias = _affine(beta, x, family, "β")
    if family == "rms" and bool((bias != 0).any()):
        raise ValueError(
            "RMSNorm has no shift β (torch.nn.RMSNorm; Zhang & Sennrich 2019)"
        )

    notes: list[Note] = []
    use_running = family == "batch" and not training
    rows = _to_rows(x, family, groups)  # K,M
    k, m = rows.shape
    pool = _from_rows(
        torch.arange(k).unsqueeze(1).expand(k, m), x.shape, family, groups
    )  # N,C,*S

    rm = running_mean
    rv = running_var
    if family == "batch":
        rm = torch.zeros(c, dtype=x.dtype) if rm is None else rm.to(x.dtype)  # C
        rv = torch.ones(c, dtype=x.dtype) if rv is None else rv.to(x.dtype)  # C
        if rm.shape != (c,) or rv.shape != (c,):
            raise ValueError(f"running statistics must have shape ({c},)")

    if use_running:
        mean, var = rm, rv  # C, C
        if running_mean is None and running_var is None:
            notes.append(_NOTES["fresh_running"])
        xhat_rows = (rows - mean.unsqueeze(1)) * torch.rsqrt(
            var.unsqueeze(1) + eps
        )  # K,M
    elif keep is not None:
        mean, var, xhat_rows, overflowed, m = _standardize_masked(rows, keep, eps)
        if overflowed:
            notes.append(_NOTES["overflow"])
        if m == 0:
            notes.append(_NOTES["no_real_positions"])
    else:
        mean, var, xhat_rows, overflowed = _standardize(rows, eps, family != "rms")
        if overflowed:
            notes.append(_NOTES["overflow"])

    xhat = _from_rows(xhat_rows, x.shape, family, groups)  # N,C,*S
    y = xhat * weight + bias  # N,C,*S

    nbt = num_batches_tracked
    if family == "batch" and training and m > 0:  # m = 0: nothing to update
        if m == 1:
            notes.append(_NOTES["batch_of_one"])
        else:
            nbt += 1
            factor = 1.0 / nbt if momentum is None else momentum
            unbiased = var.to(x.dtype) * (m / (m - 1))  # C
            rm = (1 - factor) * rm + factor * mean.to(x.dtype)  # C
            rv = (1 - factor) * rv + factor * unbiased  # C
    if family == "instance" and m == 1:
        notes.append(_NOTES["instance_of_one"])
    if family in ("layer", "rms") and m == 1:
        notes.append(_NOTES["layer_of_one"])
    if family == "group" and m == 1:
        notes.append(_NOTES["group_of_one"])
    notes.extend(_value_notes(x, var, eps, family, use_running, single=m == 1))

    return NormResult(
        family=family,
        x=x,
        output=y,
        normalized=xhat,
        mean=None if family == "rms" else mean,
        var=var,
        pool=pool,
        groups=groups,
        eps=eps,
        training=training,
        from_running=use_running,
        running_mean=rm if family == "batch" else None,
        running_var=rv if family == "batch" else None,
        num_batches_tracked=nbt if family == "batch" else 0,
        notes=tuple(notes),
        mask=keep,
    )


def _check_family(family: str) -> None:
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; expected one of {FAMILIES}")


def _check_mask(mask: Tensor | None, x: Tensor, family: str) -> Tensor | None:
    """The padding mask as a boolean ``(N, C, *S)`` tensor (None: no mask)."""
    if mask is None:
        return None
    if family != "batch":
        raise ValueError("a padding mask applies to BatchNorm only")
    want = (x.shape[0], *x.shape[2:])
    if not isinstance(mask, Tensor) or mask.dtype != torch.bool or mask.shape != want:
        raise ValueError(f"mask must be a boolean tensor of shape {want}")
    return mask.unsqueeze(1).expand(x.shape)


def _standardize_masked(
    rows: Tensor, keep: Tensor, eps: float
) -> tuple[Tensor, Tensor, Tensor, bool, int]:
    """BatchNorm's rows standardized with statistics of the kept cells only:
    gathered in order and standardized as the packed real tokens would be,
    then put back, so a real cell's output is the packed batch's very number;
    padded cells use the same statistics. Nothing kept: NaN statistics, x̂ = 0.
    Returns (mean, var, x̂ rows, overflowed, cells pooled per row)."""
    cols = _to_rows(keep, "batch", 1)[0]  # N·S  the same for every channel
    real = rows[:, cols]  # C,M
    k, m = real.shape
    if m == 0:
        nan = torch.full((k,), math.nan, dtype=rows.dtype)
        return nan, nan.clone(), torch.zeros_like(rows), False, 0
    mean, var, xhat_real, overflowed = _standardize(real, eps, True)
    wide = rows.double() if overflowed else rows
    xhat = (wide - mean.unsqueeze(1)) * torch.rsqrt(var.unsqueeze(1) + eps)  # C,N·S
    xhat = xhat.to(rows.dtype)
    xhat[:, cols] = xhat_real
    return mean, var, xhat, overflowed, m


def _to_rows(x: Tensor, family: str, groups: int) -> Tensor:
    """Lay out ``x`` so each row holds exactly the cells that share one statistic.

    This is the whole difference between the families.
    """
    n, c = x.shape[:2]
    if family == "batch":
        return x.transpose(0, 1).reshape(c, -1)  # C, N·S: one channel, all examples
    if family in ("layer", "rms"):
        return x.reshape(n, -1)  # N, C·S: one example, everything in it
    if family == "instance":
        return x.reshape(n * c, -1)  # N·C, S: one example's one channel
    return x.reshape(n * groups, -1)  # N·G, (C/G)·S: one example's group of channels


def _from_rows(
    rows: Tensor, shape: tuple[int, ...] | torch.Size, family: str, groups: int
) -> Tensor:
    """Inverse of `_to_rows`: put each row's cells back where they came from."""
    if family == "batch":
        n, c, *spatial = shape
        return rows.reshape(c, n, *spatial).transpose(0, 1).contiguous()  # N,C,*S
    return rows.reshape(shape)  # N,C,*S


def _standardize(
    rows: Tensor, eps: float, center: bool
) -> tuple[Tensor, Tensor, Tensor, bool]:
    """Row-wise (x − μ)/√(σ² + ε), or x/√(mean(x²) + ε) when not centring.

    If the input is finite but a statistic is not (a square overflowed, e.g.
    |x| > 1.8e19 in float32), the statistics are recomputed in float64 and the
    output is cast back: the answer torch.nn would give in float64, where in
    float32 torch returns NaN (LayerNorm) or 0 (RMSNorm).
    """
    mean, var, xhat = _standardize_in(rows, eps, center)
    overflowed = bool(
        rows.dtype != torch.float64
        and torch.isfinite(rows).all()
        and not torch.isfinite(var).all()
    )
    if overflowed:
        mean, var, xhat = _standardize_in(rows.double(), eps, center)
        xhat = xhat.to(rows.dtype)
    return mean, var, xhat, overflowed


def _standardize_in(rows: Tensor, eps: float, center: bool) -> tuple[Tensor, ...]:
    if center:
        var, mean = torch.var_mean(rows, dim=1, correction=0)  # K, K
        xhat = (rows - mean.unsqueeze(1)) * torch.rsqrt(var.unsqueeze(1) + eps)  # K,M
        return mean, var, xhat
    ms = rows.square().mean(dim=1)  # K  mean square
    xhat = rows * torch.rsqrt(ms.unsqueeze(1) + eps)  # K,M
    return torch.zeros_like(ms), ms, xhat


def _affine(value: float | Tensor, x: Tensor, family: str, name: str) -> Tensor:
    """γ or β as a tensor that broadcasts against ``x`` the way torch.nn's does."""
    if not isinstance(value, Tensor):
        if not math.isfinite(float(value)):
            raise ValueError(f"{name} must be finite, got {value}")
        return torch.tensor(float(value), dtype=x.dtype)
    t = value.to(x.dtype)
    if t.dim() == 0:
        return t
    shape = param_shape(tuple(x.shape), family)
    if tuple(t.shape) != shape:
        raise ValueError(f"{name} must be a number or have shape {shape}")
    if family in PER_CHANNEL_AFFINE:
        return t.reshape(1, -1, *([1] * (x.dim() - 2)))  # 1,C,1…
    return t.unsqueeze(0)  # 1,C,*S


_NOTES = {
    "batch_of_one": Note(
        "batch_of_one",
        "One value per channel: BatchNorm's mean is that value itself and its "
        "variance is 0, so x − μ = 0 and every output equals β. torch.nn refuses "
        "this in training ('Expected more than 1 value per channel when "
        "training'); the running statistics were left unchanged, because the "
        "unbiased variance of a single value is undefined.",
    ),
    "instance_of_one": Note(
        "instance_of_one",
        "One spatial position per channel: InstanceNorm's mean is the value "
        "itself, so every output equals β. torch.nn refuses this in training "
        "('Expected more than 1 spatial element when training').",
    ),
    "layer_of_one": Note(
        "layer_of_one",
        "One value per example: the statistic is pooled over a single cell, so "
        "the normalized value carries no information (LayerNorm: every output "
        "equals β; RMSNorm: only the sign is left).",
    ),
    "group_of_one": Note(
        "group_of_one",
        "One value per group: each group's mean is the value itself, so every "
        "output equals β. Use fewer groups or more positions.",
    ),
    "overflow": Note(
        "overflow",
        "Squares of these values overflow float32 (|x| above about 1.8e19), where "
        "torch.nn's float32 LayerNorm returns NaN and RMSNorm returns 0. The lab "
        "computed the statistics in float64 instead.",
    ),
    "no_real_positions": Note(
        "no_real_positions",
        "Every position is padding: BatchNorm has no real value to pool, so its "
        "statistics are undefined (NaN), the running statistics were left "
        "unchanged, and every output is β.",
    ),
    "fresh_running": Note(
        "fresh_running",
        "Eval mode with running statistics that never saw a training batch: "
        "BatchNorm uses mean 0 and variance 1, so it barely changes the input.",
    ),
}


def _value_notes(
    x: Tensor, var: Tensor, eps: float, family: str, use_running: bool, single: bool
) -> list[Note]:
    """Notes about the data itself: non-finite values, variances that ε decides."""
    notes = []
    bad = ~torch.isfinite(x)
    if bool(bad.any()):
        k = int((~torch.isfinite(var)).sum())
        where = {
            "batch": "down its column, to every example in the batch",
            "layer": "across its example",
            "rms": "across its example",
            "group": "across its group",
            "instance": "across its channel",
        }[family]
        if use_running:
            where = "nowhere: eval mode uses fixed running statistics"
        notes.append(
            Note(
                "nonfinite",
                f"{int(bad.sum())} input value(s) are NaN or ±inf. A NaN spreads "
                f"to every cell pooled with it ({where}); {k} of {var.numel()} "
                "statistics are not finite.",
            )
        )
    finite_var = var[torch.isfinite(var)]
    if family != "rms" and not use_running and not single and finite_var.numel():
        zero = int((finite_var == 0).sum())
        small = int((finite_var < eps).sum()) - zero
        if zero:
            notes.append(
                Note(
                    "zero_variance",
                    f"{zero} statistic(s) pool cells that are all equal: variance "
                    "0, so x − μ = 0 and the output is β. ε is what keeps this "
                    "from being 0/0.",
                )
            )
        if small:
            notes.append(
                Note(
                    "variance_below_eps",
                    f"{small} statistic(s) have variance below ε = {eps:g}: ε, "
                    "not the data, sets their scale, so their outputs stay near β "
                    "instead of reaching unit variance.",
                )
            )
    return notes
