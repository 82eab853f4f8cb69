"""The live view's numbers (`lab.train_eval.model`) and the figures drawn from
them (`lab.train_eval.figures`)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lab.train_eval.figures import matrix_figures, stream_figure
from lab.train_eval.model import build_live
from lab.train_eval.state import TrainEvalState
from lab.train_eval.stream import MAX_STEPS, PAGE_FAMILIES


def test_build_live_reads_the_focused_feature_and_lag():
    state = TrainEvalState(focus=(3, 2), step=120)
    view = build_live(state)
    ro = view.stream
    assert ro.feature == 2 and ro.step == 120
    assert ro.running_mean == pytest.approx(float(view.trace.running_mean[120, 2]))
    assert ro.lag == pytest.approx(
        (ro.running_mean - ro.true_mean) / math.sqrt(ro.true_var)
    )
    assert view.train_col[0] == pytest.approx(0, abs=1e-6)
    assert view.train_col[1] == pytest.approx(1, abs=1e-3)
    assert set(view.families) == set(PAGE_FAMILIES)


def test_the_stream_figure_draws_up_to_the_step_and_the_truth_to_the_end():
    view = build_live(TrainEvalState(step=37))
    fig = stream_figure(view.trace, 37, 1)
    true, own, running = fig["data"][:3]
    assert len(true["x"]) == MAX_STEPS + 1
    assert len(own["x"]) == 37 and len(running["x"]) == 38
    np.testing.assert_array_equal(running["y"], view.trace.running_mean[:38, 1])
    assert fig["layout"]["shapes"][1]["x0"] == 37


def test_matrix_figures_share_one_range_for_train_and_eval():
    view = build_live(TrainEvalState(batch=5, features=3, focus=(4, 2)))
    figs = dict(matrix_figures(view.comparison, (4, 2)))
    assert set(figs) == {"input", "train", "eval", "diff"}
    assert figs["train"]["data"][0]["zmax"] == figs["eval"]["data"][0]["zmax"]
    assert figs["train"]["data"][0]["z"].shape == (5, 3)
    np.testing.assert_allclose(figs["diff"]["data"][0]["z"], view.comparison.diff)
