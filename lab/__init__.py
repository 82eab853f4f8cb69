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
- LayerNorm vs RMSNorm: `invariance_table` (the live table for a c, δ, ε and
  dtype), `mean_survives`, `eps_compare`, `run_timing` (the benchmark, timed
  here) and `compare_training` (both networks trained side by side).
- `SeqState` / `build_sequences`: the Sequences & padding page's numbers for one
  state (the padded batch normalized four ways with its torch.nn checks, the
  corruption sweep, train vs eval with padding, one token served alone);
  `sequence_figures` its heatmaps, `sequences_run` its real run and
  `sequences_snippet` its PyTorch code.
"""

from lab.board.export import matrix_csv, stats_csv, torch_snippet
from lab.board.figures import board_figures
from lab.board.model import Board, build_board
from lab.board.state import SCENARIOS, BoardState
from lab.core.activations import ActivationSpec, make_activations
from lab.core.norms import FAMILIES, FAMILY_NAMES, NormResult, normalize, num_statistics
from lab.core.page import Scenario
from lab.rms.invariance import invariance_table
from lab.rms.rows import eps_compare, mean_survives
from lab.rms.timing import run_timing
from lab.rms.training import TrainConfig
from lab.rms.training import train as compare_training
from lab.sequences.export import torch_snippet as sequences_snippet
from lab.sequences.figures import token_heatmaps
from lab.sequences.panels import PageNumbers as Sequences
from lab.sequences.panels import build_page as build_sequences
from lab.sequences.run import run_results as sequences_run
from lab.sequences.state import SeqState


def sequence_figures(state: SeqState) -> dict:
    """The Sequences & padding page's two token heatmaps for ``state`` (input
    and output, pads greyed, the focused cell's pooled set outlined), as Plotly
    figure dicts by name."""
    view = build_sequences(state).view
    return dict(token_heatmaps(view, state.norm, state.focus))


__all__ = [
    "FAMILIES",
    "FAMILY_NAMES",
    "SCENARIOS",
    "ActivationSpec",
    "Board",
    "BoardState",
    "NormResult",
    "Scenario",
    "SeqState",
    "Sequences",
    "TrainConfig",
    "board_figures",
    "build_board",
    "build_sequences",
    "compare_training",
    "eps_compare",
    "invariance_table",
    "make_activations",
    "matrix_csv",
    "mean_survives",
    "normalize",
    "num_statistics",
    "run_timing",
    "sequence_figures",
    "sequences_run",
    "sequences_snippet",
    "stats_csv",
    "torch_snippet",
]
