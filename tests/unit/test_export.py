"""Exports round-trip, and the "PyTorch code for this view" reproduces the page."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from lab.board.export import (
    describe,
    matrix_csv,
    read_matrix_csv,
    stats_csv,
    torch_snippet,
)
from lab.board.model import build_board
from lab.board.state import BOARD_FAMILIES, PAGE, BoardState
from lab.core.helpers import divisors

ROOT = Path(__file__).resolve().parents[2]

STATES = [
    BoardState(),
    BoardState(mode="eval"),
    BoardState(mode="eval", stale=2.0, batch=1),
    BoardState(batch=4, outlier=20.0, seed=9),
    BoardState(shift=0.0, drift=1.3, offset=2.0, spread=0.7, gamma=-1.5, beta=0.4),
    BoardState(eps=1e-2, features=12, groups=3, seed=123456),
    BoardState(batch=1),
    PAGE.base("mixed"),
]


@pytest.mark.parametrize("family", BOARD_FAMILIES)
@pytest.mark.parametrize("state", STATES, ids=range(len(STATES)))
def test_the_snippet_computes_what_the_page_shows(state, family):
    state = replace(state, norm=family, beta=0.0 if family == "rms" else state.beta)
    board = build_board(state)
    namespace: dict = {}
    exec(compile(torch_snippet(board.state), "<snippet>", "exec"), namespace)
    assert_close(namespace["x"], torch.from_numpy(board.x), rtol=0, atol=0)
    assert_close(namespace["y"], torch.from_numpy(board.y))


def test_the_snippet_is_plain_torch_and_numpy():
    code = torch_snippet(BoardState(mode="eval"))
    imports = set(re.findall(r"^(?:import|from) (\w+)", code, re.M))
    assert imports == {"numpy", "torch"}
    assert "nn.BatchNorm1d(F" in code and "norm.eval()" in code


@pytest.mark.parametrize("which", ["raw", "normalized"])
@pytest.mark.parametrize("family", BOARD_FAMILIES)
def test_matrix_csv_round_trips_exactly(which, family):
    board = build_board(BoardState(norm=family, outlier=7.0))
    text = matrix_csv(board, which)
    assert text.startswith("# Normalization Lab: ")
    assert "seed=0" in text and "batch=32" in text and "link: ?" in text
    back = read_matrix_csv(text)
    assert np.array_equal(back, board.x if which == "raw" else board.y)


@pytest.mark.parametrize("family", BOARD_FAMILIES)
def test_stats_csv_has_one_row_per_statistic_with_the_engines_numbers(family):
    board = build_board(BoardState(norm=family))
    lines = [ln for ln in stats_csv(board).splitlines() if not ln.startswith("#")]
    header, rows = lines[0].split(","), [ln.split(",") for ln in lines[1:]]
    assert len(rows) == board.result.num_stats
    var = np.array([float(r[3]) for r in rows])
    assert np.array_equal(var, board.result.var.double().numpy())
    if family != "rms":
        mean = np.array([float(r[2]) for r in rows])
        assert np.array_equal(mean, board.result.mean.double().numpy())
    assert header[0] == "statistic"


def test_the_readme_notebook_example_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use it from a notebook", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) <= 6
    exec(compile(code, "<README>", "exec"), {})


# Every edge the page can show: shapes at their limits, group counts at both ends
# and between, and every slider at its low end, its high end and in between.
EXTREMES = {
    "low": {
        "shift": 0.0,
        "drift": 0.0,
        "offset": 0.0,
        "spread": 0.0,
        "outlier": 1.0,
        "gamma": -3.0,
        "beta": -3.0,
        "eps": 1e-8,
        "stale": 0.0,
        "seed": 0,
    },
    "high": {
        "shift": 5.0,
        "drift": 2.0,
        "offset": 5.0,
        "spread": 2.0,
        "outlier": 100.0,
        "gamma": 3.0,
        "beta": 3.0,
        "eps": 1.0,
        "stale": 5.0,
        "seed": 2**31 - 1,
    },
    "between": {
        "gamma": 0.0,
        "beta": 0.7,
        "eps": None,
        "stale": 0.1,
        "outlier": 30.0,
        "seed": 7,
    },
}


def _grid() -> list[BoardState]:
    out = []
    for family in BOARD_FAMILIES:
        for mode in ("train", "eval"):
            for batch in (1, 2, 64):
                for features in (1, 4, 64):
                    groups = sorted(
                        {1, features, divisors(features)[len(divisors(features)) // 2]}
                    )
                    for g in groups if family == "group" else [1]:
                        for extreme in EXTREMES.values():
                            out.append(
                                BoardState(
                                    norm=family,
                                    mode=mode,
                                    batch=batch,
                                    features=features,
                                    groups=g,
                                    scenario="custom",
                                    focus=(batch - 1, features - 1),
                                    **extreme,
                                )
                            )
    return out


GRID = _grid()


@pytest.mark.parametrize("state", GRID, ids=[describe(s) for s in GRID])
def test_the_snippet_runs_and_reproduces_the_page_for_every_edge(state):
    board = build_board(state)
    assert board.state == state  # the grid holds only states the page shows
    namespace: dict = {}
    exec(compile(torch_snippet(state), "<snippet>", "exec"), namespace)
    assert namespace["x"].dtype == torch.float32  # the page's dtype
    assert_close(namespace["x"], torch.from_numpy(board.x), rtol=0, atol=0)
    y = namespace["y"]
    assert torch.isfinite(y).all()
    assert_close(y, torch.from_numpy(board.y), rtol=1e-5, atol=1e-5)


def test_the_snippet_says_why_it_computes_the_formula_where_torch_refuses():
    one = BoardState(norm="group", batch=1, features=4, groups=4)
    code = torch_snippet(one)
    assert "torch refuses" in code and "y = norm(x)" not in code
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        torch.nn.GroupNorm(4, 4)(torch.ones(1, 4))  # what the comment is about
    assert "y = norm(x)" in torch_snippet(replace(one, groups=2))
