"""Normalization Lab's engine, usable from a notebook without Streamlit.

>>> import torch, lab
>>> r = lab.normalize(torch.randn(8, 16), "layer")
>>> r.num_stats  # one (μ, σ) pair per example
8

- `normalize`: BatchNorm, LayerNorm, RMSNorm, GroupNorm, InstanceNorm on (N, C, ...)
  tensors, returning the output with its statistics and pooled sets (`NormResult`).
- `make_activations` / `ActivationSpec`: the lab's synthetic activations.
- `SCENARIOS`: the named teaching scenarios.
- `build_board` / `BoardState`: everything the Lab page shows for one state.
- `board_figures`: the Lab page's two heatmaps as Plotly figure dicts
  (`plotly.io.show(fig)` draws one in a notebook).
- `torch_snippet`: PyTorch code that rebuilds a view with torch.nn.
"""

from lab.board.export import matrix_csv, stats_csv, torch_snippet
from lab.board.figures import board_figures
from lab.board.model import Board, build_board
from lab.board.state import SCENARIOS, BoardState
from lab.core.activations import ActivationSpec, make_activations
from lab.core.norms import FAMILIES, FAMILY_NAMES, NormResult, normalize, num_statistics
from lab.core.page import Scenario

__all__ = [
    "FAMILIES",
    "FAMILY_NAMES",
    "SCENARIOS",
    "ActivationSpec",
    "Board",
    "BoardState",
    "NormResult",
    "Scenario",
    "board_figures",
    "build_board",
    "make_activations",
    "matrix_csv",
    "normalize",
    "num_statistics",
    "stats_csv",
    "torch_snippet",
]
