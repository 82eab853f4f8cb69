"""The page's sections as panels (lab.rms.panels): built for any view, and
their words are the numbers' (read with Panel.words, as a student reads them)."""

from __future__ import annotations

import numpy as np
import pytest

from lab.rms import model as M
from lab.rms import panels as P
from lab.rms.state import PAGE, SCENARIOS, RmsState
from lab.rms.texts import SECTIONS
from lab.rms.timing import run_timing
from lab.rms.training import TrainConfig, train
from lab.rms.words import cell_text


@pytest.mark.parametrize("key", [s.key for s in SCENARIOS])
def test_every_scenario_builds_its_sections(key):
    s = PAGE.base(key)
    table = M.table_of(s)
    words = P.table_panel(table).words()
    assert SECTIONS["table"] in words
    for cell in table.cells.values():
        assert cell_text(cell) in words
    mean = P.mean_panel(M.mean_of(s)).words()
    assert f"{M.mean_of(s).angle:.1f}°" in mean
    eps = P.eps_panel(M.eps_of(s)).words()
    assert "halves at" in eps
    mem = P.memory_panel(M.counts_for(s.hidden), M.memory_of(s), "intro").words()
    assert f"{s.hidden:,}" in mem and SECTIONS["timing"] in mem


def test_the_timing_panel_says_when_there_is_none_and_shows_one_when_there_is():
    none = P.timing_panel(None, 128, "float32", "forward").words()
    assert "has not timed 128 tokens yet" in none
    t = run_timing(16, sizes=(256, 512), budget=0.02, max_rounds=3)
    p = P.timing_panel(t, 16, "bfloat16" if "bfloat16" in t.dtypes else "x", "backward")
    words = p.words()
    assert "Timed on" in words and "interleaved rounds" in words
    charts = [c for b in p.blocks if b["t"] == "figures" for c in b["items"]]
    assert [c["name"] for c in charts] == ["time", "saving"]


def test_the_training_panel_and_its_figures():
    run = train(TrainConfig(blocks=1, width=32, steps=20))
    p = P.training_panel(run, "Stored.")
    words = p.words()
    assert f"{run.final('layer'):.4f}" in words and "Stored." in words
    figs = [c["figure"] for b in p.blocks if b["t"] == "figures" for c in b["items"]]
    assert len(figs) == 2 and len(figs[0]["data"]) == 2


def test_the_mean_figure_draws_the_three_rows_and_their_means():
    from lab.rms.figures import mean_figure

    m = M.mean_of(RmsState(mean=10.0))
    fig = mean_figure(m)
    assert [t["name"] for t in fig["data"]] == ["input x", "LayerNorm(x)", "RMSNorm(x)"]
    means = [s["y0"] for s in fig["layout"]["shapes"]]
    assert means == pytest.approx([m.mean_in, m.mean_layer, m.mean_rms])
    np.testing.assert_allclose(fig["data"][2]["y"], m.y_rms, rtol=1e-6)
