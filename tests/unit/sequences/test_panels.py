"""The page's pictures and panels (lab/sequences/figures.py, panels.py), built
without a server: pads marked, the pooled set outlined, every number the
engine's, every degenerate batch explained."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lab.core.figures import OUTLINE
from lab.sequences.figures import PAD_FILL, pooled_outlines, token_heatmaps
from lab.sequences.model import build_view
from lab.sequences.panels import (
    batch_panel,
    build_page,
    focus_panel,
    run_head,
    run_panel,
    top_panel,
)
from lab.sequences.run import VARIANTS, RunResult
from lab.sequences.state import FAMILIES, PAGE, SeqState


def words(state: SeqState) -> str:
    page = build_page(state)
    panels = (top_panel(page), focus_panel(page), batch_panel(page))
    return " ".join(p.words() for p in panels)


@pytest.mark.parametrize("key", FAMILIES)
def test_the_heatmaps_grey_every_pad_and_outline_the_pooled_set(key):
    state = SeqState(norm=key, focus=(14, 3))  # sequence 1, position 2
    view = build_view(state.spec)
    b = view.batch
    (_, x_fig), (_, y_fig) = token_heatmaps(view, key, state.focus)
    for fig in (x_fig, y_fig):
        heat, real, pads = fig["data"]
        assert heat["z"].shape == (96, 6)
        assert len(real["x"]) == b.real * 6 and len(pads["x"]) == (96 - b.real) * 6
        assert (
            "pad<br>" in pads["hovertemplate"] and "real token" in real["hovertemplate"]
        )
        boxes = [s for s in fig["layout"]["shapes"] if s.get("fillcolor") == PAD_FILL]
        assert len(boxes) == int((b.lengths < 12).sum())
        for box, k in zip(boxes, [k for k in b.lengths if k < 12], strict=True):
            assert box["line"]["dash"] == "dash" and box["y1"] - box["y0"] == 12 - k
        outlines = [
            s
            for s in fig["layout"]["shapes"]
            if s.get("line", {}).get("color") == OUTLINE and s["type"] == "rect"
        ]
        assert len(outlines) == len(pooled_outlines(b, key, state.focus)) + 1
    assert np.array_equal(x_fig["data"][0]["z"], b.rows())
    assert np.array_equal(y_fig["data"][0]["z"], view.families[key].y)


def test_the_pooled_sets():
    b = build_view(SeqState().spec).batch
    assert pooled_outlines(b, "batch", (5, 2)) == [(0, 95, 2, 2)]
    masked = pooled_outlines(b, "masked", (5, 2))
    assert masked == [
        (i * 12, i * 12 + int(k) - 1, 2, 2) for i, k in enumerate(b.lengths)
    ]
    assert pooled_outlines(b, "layer", (5, 2)) == [(5, 5, 0, 5)]


def test_the_output_colours_are_set_by_the_real_tokens():
    state = SeqState(data="flat", norm="masked")  # pads: (0 − 1)/√ε ≈ −316
    view = build_view(state.spec)
    _, (_, y_fig) = token_heatmaps(view, "masked", (0, 0))
    real = view.families["masked"].y[view.batch.mask.reshape(-1)]
    assert y_fig["data"][0]["zmax"] == pytest.approx(np.abs(real).max())
    assert np.abs(view.families["masked"].y).max() > 300


def test_the_toy_cases_numbers_are_on_the_page():
    text = words(PAGE.base("toy"))
    assert "0 | 3.0 | 1.5 | 2.0 | 3.25" in text  # the channel table
    assert "mean 3.0 and variance 2.0; pooled with the 5 pads, mean 1.5" in text
    assert "μ: 1.5" in text and "σ²: 3.25" in text
    masked = words(replace(PAGE.base("toy"), norm="masked"))
    assert "μ: 3" in masked and "σ²: 2" in masked


@pytest.mark.parametrize("key", list(PAGE.by_key))
@pytest.mark.parametrize("family", FAMILIES)
def test_every_scenario_and_family_reads_out_and_checks(key, family):
    state = replace(PAGE.base(key), norm=family)
    text = words(state)
    for heading in (
        "A padded batch",
        "BatchNorm over tokens, with and without a mask",
        "Checked against torch.nn",
        "How much padding corrupts",
        "Train vs eval with padding",
        "One token at a time",
    ):
        assert heading in text
    assert "LayerNorm: 0 exactly" in text and "RMSNorm: 0 exactly" in text


@pytest.mark.parametrize(
    ("state", "said"),
    [
        (SeqState(lengths="equal", short=0), "Every position is padding"),
        (SeqState(lengths="equal", short=0, norm="masked"), "statistics are undefined"),
        (SeqState(batch=1, tokens=4, lengths="equal", short=1), "torch refuses"),
        (
            SeqState(data="flat"),
            "With the mask: 1 statistic(s) pool cells that are all",
        ),
        (SeqState(features=1, norm="layer"), "One value per example"),
        (SeqState(lengths="equal", short=0), "There is no real token in this batch"),
        (SeqState(tokens=1, short=0, lengths="random"), "8 sequences padded to T = 1"),
        (SeqState(lengths="one_long", short=0, focus=(40, 0)), "(the focused position"),
    ],
)
def test_degenerate_batches_are_explained(state, said):
    assert said in words(state)


def test_the_run_panels_say_what_was_trained_and_what_it_showed():
    assert "seed 4" in run_head(4).words()
    result = RunResult(
        4, VARIANTS, (0.9, 0.98, 0.95), (0.92, 0.96, 0.95), (0.1,) * 3, 300
    )
    now = run_panel(result, trained_now=True).words()
    assert "Trained just now." in now and "The mask helped on both test sets" in now
    assert "Stored result" in run_panel(result, trained_now=False).words()
