"""Post-norm against pre-norm transformer stacks at initialization (Xiong et
al. 2020): the per-layer gradient norms of the "Why normalize" page's last
section, and the measured reasons the toy departs from the paper's bound.

Its own module: the stacks share nothing with the MLP sweep (`lab.why.runs`)
but its thread discipline and its way of reporting progress, and they are
cached, shipped and explained apart from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from lab.core.threads import one_thread
from lab.core.workers import Report
from lab.why.models import build_stack, stack_batch

XIONG_DEPTHS: tuple[int, ...] = tuple(range(2, 25, 2))
XIONG_REPEATS = 3  # independent initializations averaged per depth


@dataclass(frozen=True, eq=False)
class XiongResult:
    """Per-layer ‖∂L/∂W₂‖ of each layer's FFN output weight, at initialization.

    ``post[i, l]`` is layer l's norm in a post-norm stack of ``depths[i]`` layers,
    averaged over XIONG_REPEATS initializations; NaN beyond the stack's depth.
    """

    seed: int
    depths: tuple[int, ...]
    post: np.ndarray  # D,Lmax
    pre: np.ndarray  # D,Lmax
    # Pre-norm, where the last layer's gradient enters (the final LayerNorm's
    # input), per depth (D,): the residual stream's size per token, the size of
    # the gradient per token there, and how alike the tokens of one sequence are
    # (mean cosine). None in results saved before they were measured.
    pre_resid: np.ndarray | None = None  # D
    pre_token_grad: np.ndarray | None = None  # D
    pre_token_cos: np.ndarray | None = None  # D

    def layers(self, depth: int, form: str) -> np.ndarray:
        """The per-layer norms (depth,) of the ``form`` ("post"/"pre") stack."""
        i = self.depths.index(depth)
        return getattr(self, form)[i, :depth]

    def last(self, form: str) -> np.ndarray:
        """The last layer's norm for every depth (D,)."""
        table = getattr(self, form)
        return np.array(
            [table[i, d - 1] for i, d in enumerate(self.depths)], np.float32
        )


def layer_grad_norms(depth: int, norm_first: bool, seed: int) -> np.ndarray:
    """‖∂L/∂W₂‖ for each layer's FFN output weight (``linear2``), at init (depth,).

    One backward pass of a per-token cross-entropy on random inputs and labels,
    the quantity Xiong et al. 2020 plot in their Figure 3.
    """
    stack = build_stack(depth, norm_first, seed)
    x, y = stack_batch(seed)  # B,T,D  B,T
    logits = stack(x)  # B,T,K
    loss = F.cross_entropy(logits.flatten(0, 1), y.flatten())
    weights = [layer.linear2.weight for layer in stack[0].layers]
    grads = torch.autograd.grad(loss, weights)
    return np.array([float(g.norm()) for g in grads], dtype=np.float32)


def last_layer_factors(depth: int, seed: int) -> tuple[float, float, float]:
    """Why a pre-norm stack's last-layer gradient changes with depth, at init.

    Xiong et al. 2020 bound it by O(d·√(ln d / L)): the final LayerNorm divides
    by the residual stream's size, which grows like √L as every layer adds to
    it. Returns, at the final LayerNorm's input x_L: the mean ‖x_L‖ per token,
    the mean ‖∂L/∂x_L‖ per token, and the mean cosine between two tokens of a
    sequence. ∂L/∂W₂ of the last layer sums one outer product per token; alike
    tokens add up instead of cancelling, which the bound does not track.
    """
    stack = build_stack(depth, True, seed)
    x, y = stack_batch(seed)  # B,T,D  B,T
    seen: list[Tensor] = []

    def grab(_module, args):
        (h,) = args
        h.retain_grad()
        seen.append(h)

    hook = stack[0].norm.register_forward_pre_hook(grab)
    try:
        logits = stack(x)  # B,T,K
    finally:
        hook.remove()
    F.cross_entropy(logits.flatten(0, 1), y.flatten()).backward()
    (h,) = seen  # B,T,D
    unit = F.normalize(h.detach(), dim=-1)
    cos = unit @ unit.transpose(1, 2)  # B,T,T
    t = cos.shape[-1]
    off = (cos.sum((1, 2)) - cos.diagonal(dim1=1, dim2=2).sum(-1)) / (t * (t - 1))
    return (
        float(h.detach().norm(dim=-1).mean()),
        float(h.grad.norm(dim=-1).mean()),
        float(off.mean()),
    )


def xiong_sweep(
    seed: int,
    depths: Sequence[int] = XIONG_DEPTHS,
    repeats: int = XIONG_REPEATS,
    progress: Report | None = None,
) -> XiongResult:
    """Per-layer gradient norms for post- and pre-norm stacks of every depth.

    Both forms share their initial weights at each (depth, repeat): the only
    difference is where the LayerNorms sit.
    """
    depths = tuple(int(d) for d in depths)
    lmax = max(depths)
    post = np.full((len(depths), lmax), np.nan, dtype=np.float32)
    pre = np.full_like(post, np.nan)
    factors = np.full((len(depths), 3), np.nan, dtype=np.float32)
    work = sum(depths) * repeats
    done = 0
    with one_thread():
        for i, depth in enumerate(depths):
            for table, norm_first in ((post, False), (pre, True)):
                norms = [
                    layer_grad_norms(depth, norm_first, seed * repeats + r)
                    for r in range(repeats)
                ]
                table[i, :depth] = np.mean(norms, axis=0)
            factors[i] = np.mean(
                [last_layer_factors(depth, seed * repeats + r) for r in range(repeats)],
                axis=0,
            )
            done += depth * repeats
            if progress is not None:
                progress(done / work, f"{depth}-layer stacks")
    return XiongResult(
        seed=int(seed),
        depths=depths,
        post=post,
        pre=pre,
        pre_resid=factors[:, 0],
        pre_token_grad=factors[:, 1],
        pre_token_cos=factors[:, 2],
    )


# ---- computed in a worker process (lab.core.workers) ----


def xiong_task(seed: int, progress: Report) -> XiongResult:
    return xiong_sweep(int(seed), progress=progress)
