"""The canvas figure component's wire format (lab/ui/figure.py): what the
browser decodes must be the figure's own numbers, bit for bit in float32."""

from __future__ import annotations

import json

import numpy as np

from lab.core.figures import encode
from lab.train_eval.figures import matrix_figures, stream_figure
from lab.train_eval.model import build_live
from lab.train_eval.state import TrainEvalState
from tests.app.figures import unpack


def test_numeric_arrays_travel_as_float32_and_come_back_equal():
    z = np.array([[1.5, -2.0, np.nan], [np.inf, 1e-8, 3e38]], dtype=np.float64)
    fig = {"data": [{"type": "heatmap", "z": z, "x": np.arange(3, dtype=np.int16)}]}
    wire = json.loads(json.dumps(encode(fig)))  # what Streamlit sends
    back = unpack(wire)["data"][0]
    np.testing.assert_array_equal(back["z"], z.astype(np.float32))
    assert back["z"].shape == (2, 3)
    np.testing.assert_array_equal(back["x"], [0, 1, 2])


def test_strings_scalars_and_nesting_pass_unchanged():
    fig = {
        "data": [{"x": np.array(["a", "b"]), "y": (1, 2), "name": "n"}],
        "layout": {"height": np.int64(300), "shapes": [{"x0": np.float32(0.5)}]},
    }
    wire = json.loads(json.dumps(encode(fig)))
    assert wire["data"][0]["x"] == ["a", "b"]
    assert wire["data"][0]["y"] == [1, 2]
    assert wire["layout"] == {"height": 300, "shapes": [{"x0": 0.5}]}


def test_the_train_vs_eval_figures_survive_the_trip():
    view = build_live(TrainEvalState(step=37, focus=(3, 1)))
    for fig in [stream_figure(view.trace, 37, 1)] + [
        f for _, f in matrix_figures(view.comparison, (3, 1))
    ]:
        back = unpack(json.loads(json.dumps(encode(fig))))
        for sent, got in zip(fig["data"], back["data"], strict=True):
            for k in ("x", "y", "z", "customdata"):
                if k in sent:
                    np.testing.assert_array_equal(
                        got[k], np.asarray(sent[k], dtype=np.float32)
                    )
        assert back["layout"]["shapes"] == fig["layout"]["shapes"]
