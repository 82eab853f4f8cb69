"""A synthetic classification task, seeded: what the pages' small networks
train on (Why normalize's MLPs, LayerNorm vs RMSNorm's pre-norm stacks).

Inputs are standard normal vectors and the label is the argmax of a fixed
random "teacher" network, so the classes are learnable but not linearly
separable, and a seed reproduces the set exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

INPUTS = 16  # input features
CLASSES = 4
TRAIN_SIZE = 2048  # examples in the synthetic training set
TEACHER_WIDTH = 32


@dataclass(frozen=True, eq=False)
class Task:
    """A synthetic classification set: ``x`` (N, INPUTS) float32, ``y`` (N,) int64."""

    x: Tensor  # N,D
    y: Tensor  # N

    @property
    def baseline(self) -> float:
        """Cross-entropy of always predicting the class frequencies (the label
        entropy, in nats): what a network that learned nothing about x reaches."""
        p = torch.bincount(self.y, minlength=CLASSES).double() / len(self.y)  # K
        p = p[p > 0]
        return float(-(p * p.log()).sum())


def make_task(seed: int) -> Task:
    """The training set for ``seed``: N(0, I) inputs labelled by a random teacher.

    The teacher is a fixed one-hidden-layer tanh network; its argmax is a smooth
    but curved decision boundary, so depth helps and nothing is memorized by luck.
    """
    g = torch.Generator().manual_seed(int(seed))
    x = torch.randn(TRAIN_SIZE, INPUTS, generator=g)  # N,D
    w1 = torch.randn(INPUTS, TEACHER_WIDTH, generator=g) / (2 * INPUTS**0.5)  # D,T
    w2 = torch.randn(TEACHER_WIDTH, CLASSES, generator=g) / TEACHER_WIDTH**0.5  # T,K
    y = (torch.tanh(x @ w1) @ w2).argmax(dim=1)  # N
    return Task(x=x, y=y)
