"""The page's figures (lab.why.figures): plain dicts with float32 arrays, as
the canvas gets them, with their guides.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from lab.core.figures import encode
from lab.why.figures import (
    curves_figure,
    landscape_figure,
    lr_figure,
    unit_figure,
    xiong_depth_figure,
    xiong_layers_figure,
)
from lab.why.runs import run_sweep
from lab.why.xiong import xiong_sweep
from tests.app.figures import unpack
from tests.unit.why.cases import TINY


def test_figures_are_plain_dicts_with_float32_arrays_and_mark_diverged_runs():
    sweep = run_sweep(
        replace(TINY, steps=20), variants=("none", "batch"), lrs=(0.05, 1e4)
    )
    lr = 0.05
    fig = lr_figure(sweep, lr)
    lines = [t for t in fig["data"] if t["mode"] == "lines+markers"]
    assert [t["name"] for t in lines] == ["No norm", "BatchNorm"]
    crosses = [t for t in fig["data"] if t.get("marker", {}).get("symbol") == "x-thin"]
    assert sum(len(t["x"]) for t in crosses) == int(
        sum((r.diverged_at >= 0).sum() for r in sweep.runs.values())
    )
    for f in (
        fig,
        curves_figure(sweep, lr),
        landscape_figure(sweep, lr, "loss"),
        landscape_figure(sweep, lr, "grad"),
        unit_figure(sweep, lr),
    ):
        assert isinstance(f, dict)
        for t in f["data"]:
            if isinstance(t.get("y"), np.ndarray):
                assert t["y"].dtype == np.float32
    top = fig["layout"]["yaxis"]["range"][1]
    assert all(np.nanmax(t["y"]) < top for t in lines)


def test_the_canvas_gets_each_figure_with_its_own_numbers_and_guides():
    """The page's canvas charts (lab/ui/figure.py) get the Plotly figure
    itself: every trace, the same numbers as float32, and the guide lines
    and their labels."""
    sweep = run_sweep(
        replace(TINY, steps=20), variants=("none", "batch"), lrs=(0.05, 1e4)
    )
    xiong = xiong_sweep(0, depths=(2, 4), repeats=1)
    figs = [
        lr_figure(sweep, 0.05),
        curves_figure(sweep, 0.05),
        landscape_figure(sweep, 0.05, "loss"),
        landscape_figure(sweep, 0.05, "grad"),
        unit_figure(sweep, 0.05),
        xiong_layers_figure(xiong, 4),
        xiong_depth_figure(xiong, 4),
    ]
    for fig in figs:
        back = unpack(json.loads(json.dumps(encode(fig))))
        assert back["layout"]["title"] == fig["layout"]["title"]
        assert back["layout"]["shapes"] == fig["layout"]["shapes"]
        assert back["layout"]["annotations"] == fig["layout"]["annotations"]
        assert len(back["data"]) == len(fig["data"])
        for t, drawn in zip(fig["data"], back["data"], strict=True):
            assert drawn["name"] == t["name"]
            for k in ("x", "y", "customdata"):
                if k in t:
                    want = np.asarray(t[k], dtype=np.float32)
                    assert np.array_equal(drawn[k], want, equal_nan=True)
            assert drawn.get("visible", True) == t.get("visible", True)
            assert drawn.get("hovertemplate") == t.get("hovertemplate")
    lr_axis = figs[0]["layout"]["xaxis"]
    assert lr_axis["ticktext"] == ["0.05", "1e+04"]
    assert [s["x0"] for s in figs[0]["layout"]["shapes"] if s["xref"] == "x"] == [0.05]


def test_xiong_figures_draw_both_forms_and_the_one_over_root_l_guide():
    res = xiong_sweep(0, depths=(2, 4), repeats=1)
    layers = xiong_layers_figure(res, 4)
    assert [t["name"] for t in layers["data"]] == ["Post-norm", "Pre-norm"]
    assert len(layers["data"][0]["y"]) == 4
    depth = xiong_depth_figure(res, 2)
    guide = depth["data"][-1]
    assert guide["name"] == "∝ 1/√L"
    assert guide["y"][1] == pytest.approx(guide["y"][0] * math.sqrt(2 / 4), rel=1e-6)
