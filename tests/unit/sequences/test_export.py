"""The page's downloads (lab/sequences/export.py): the code rebuilds the page's
numbers with torch.nn, and the CSVs hold the engine's."""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import replace

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from lab.sequences.export import read_tokens_csv, stats_csv, tokens_csv, torch_snippet
from lab.sequences.model import build_view
from lab.sequences.state import FAMILIES, PAGE, SeqState

STATES = [
    *(PAGE.base(k) for k in PAGE.by_key),
    SeqState(lengths="equal", short=0),
    SeqState(batch=1, tokens=1, lengths="equal", short=1),
    SeqState(batch=1, tokens=4, lengths="equal", short=1),
    SeqState(pad="constant", padval=-3.5, features=1, seed=77),
    SeqState(batch=16, tokens=24, features=16, pad="embedding", outlier=9.0),
]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("state", STATES, ids=range(len(STATES)))
def test_the_snippet_computes_what_the_page_shows(state, family):
    state = replace(state, norm=family)
    view = build_view(state.spec)
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(torch_snippet(state), "<snippet>", "exec"), namespace)
    assert torch.equal(namespace["x"], torch.from_numpy(view.batch.x))
    assert torch.equal(namespace["mask"], torch.from_numpy(view.batch.mask))
    real = view.batch.mask.reshape(-1)
    want = torch.from_numpy(view.families[family].y[real])
    # float32: torch's kernels add in another order (and with another thread
    # count) than the engine, so large outputs differ in their last bits
    scale = max(1.0, float(want.abs().max())) if want.numel() else 1.0
    assert_close(namespace["y"], want, rtol=1e-5, atol=1e-5 * scale)


def test_the_snippet_is_plain_torch():
    code = torch_snippet(SeqState())
    assert set(re.findall(r"^(?:import|from) (\w+)", code, re.M)) == {"torch"}
    assert "nn.BatchNorm1d(C)" in code and "nn.LayerNorm(C)" in code


@pytest.mark.parametrize("family", FAMILIES)
def test_the_token_csv_round_trips_exactly(family):
    state = SeqState(norm=family, outlier=7.0)
    view = build_view(state.spec)
    text = tokens_csv(state)
    assert text.startswith("# Normalization Lab, Sequences & padding: ")
    assert "link: ?" in text and "seed=0" in text
    x, y, real = read_tokens_csv(text)
    assert np.array_equal(x, view.batch.rows())
    assert np.array_equal(y, view.families[family].y)
    assert np.array_equal(real, view.batch.mask.reshape(-1))


@pytest.mark.parametrize("family", FAMILIES)
def test_the_statistics_csv_holds_the_engines_numbers(family):
    state = PAGE.base("toy") if family == "batch" else SeqState(norm=family)
    result = build_view(state.spec).families[family].result
    lines = [ln for ln in stats_csv(state).splitlines() if not ln.startswith("#")]
    rows = [ln.split(",") for ln in lines[1:]]
    assert len(rows) == result.num_stats
    col = lines[0].split(",").index("mean_square" if family == "rms" else "variance")
    var = np.array([float(r[col]) for r in rows])
    assert np.array_equal(var, result.var.double().numpy())
    if family == "batch":  # the toy case
        assert rows == [["0", "10", "5", "1.5", "3.25", rows[0][5]]]
