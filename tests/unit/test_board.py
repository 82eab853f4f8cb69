"""The main page's numbers and words, computed without a server."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from lab.board.claims import CLAIMS
from lab.board.figures import board_panels, readout_panel
from lab.board.hints import HINT_RULES
from lab.board.model import board_input, build_board, running_statistics
from lab.board.state import (
    BOARD_FAMILIES,
    EPS_CHOICES,
    NUMERIC,
    PAGE,
    SCENARIOS,
    BoardState,
)
from lab.board.texts import DIAGNOSES, HELP, HINTS, INTRO
from lab.core.activations import (
    OUTLIER_ROW,
    ActivationSpec,
    make_activations,
    serving_drift,
    training_batches,
)
from lab.core.figures import DIVERGING, heatmap, symmetric_range
from lab.core.helpers import divisors, fmt

# ---- activations ----


def test_same_spec_same_numbers_different_seed_different_numbers():
    a = make_activations(ActivationSpec(seed=3))
    assert np.array_equal(a, make_activations(ActivationSpec(seed=3)))
    assert not np.array_equal(a, make_activations(ActivationSpec(seed=4)))
    assert a.dtype == np.float32 and a.shape == (32, 16)


def test_growing_the_batch_keeps_the_examples_on_screen():
    small = make_activations(ActivationSpec(batch=4, shift=2, offset=1))
    big = make_activations(ActivationSpec(batch=40, shift=2, offset=1))
    assert np.array_equal(small, big[:4])


def test_shift_moves_feature_means_and_offset_moves_example_means():
    base = ActivationSpec(batch=64, features=64)
    plain = make_activations(base).astype(np.float64)
    shifted = make_activations(replace(base, shift=3.0)).astype(np.float64)
    per_feature = (shifted - plain).std(axis=0)  # constant down each column
    assert np.allclose(per_feature, 0, atol=1e-5)
    assert (shifted - plain)[0].std() > 1  # features moved by different amounts
    offset = make_activations(replace(base, offset=3.0)).astype(np.float64)
    assert np.allclose((offset - plain).std(axis=1), 0, atol=1e-5)


def test_drift_and_spread_scale_features_and_examples():
    base = ActivationSpec(batch=64, features=64)
    plain = make_activations(base).astype(np.float64)
    drift = make_activations(replace(base, drift=1.0)).astype(np.float64)
    ratio = drift / plain
    assert np.allclose(ratio, ratio[0], rtol=1e-5)  # one factor per feature
    spread = make_activations(replace(base, spread=1.0)).astype(np.float64)
    ratio = spread / plain
    assert np.allclose(ratio, ratio[:, :1], rtol=1e-5)  # one factor per example


def test_outlier_scales_only_example_zero():
    base = ActivationSpec()
    plain = make_activations(base)
    out = make_activations(replace(base, outlier=10.0))
    assert np.allclose(out[OUTLIER_ROW], 10 * plain[OUTLIER_ROW], rtol=1e-6)
    assert np.array_equal(np.delete(out, OUTLIER_ROW, 0), np.delete(plain, 0, 0))


def test_training_batches_share_the_features_but_not_the_examples():
    spec = ActivationSpec(shift=3.0, outlier=50.0)
    batches = training_batches(spec, steps=5, batch=32).astype(np.float64)
    assert batches.shape == (5, 32, 16)
    means = batches.reshape(-1, 16).mean(0)
    target = make_activations(replace(spec, batch=64, outlier=1.0)).mean(0)
    assert np.corrcoef(means, target)[0, 1] > 0.9
    assert np.abs(batches).max() < 20  # no outlier in training


def test_serving_drift_is_in_units_of_each_features_scale():
    spec = ActivationSpec(drift=1.0)
    d = serving_drift(spec, 2.0)
    x = make_activations(replace(spec, batch=64)).astype(np.float64)
    assert np.corrcoef(d, x.std(0))[0, 1] > 0.9


@pytest.mark.parametrize("kwargs", [{"batch": 0}, {"features": 65}, {"outlier": 0}])
def test_invalid_specs_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        ActivationSpec(**kwargs)


# ---- the board's numbers ----


def test_running_statistics_match_a_torch_batchnorm_trained_on_the_same_batches():
    spec = ActivationSpec(batch=1, shift=2.0, drift=0.5)
    rm, rv, nbt = running_statistics(spec)
    module = nn.BatchNorm1d(16).train()
    for xb in training_batches(spec, 100, 32):
        module(torch.from_numpy(xb))
    assert nbt == 100
    assert_close(rm, module.running_mean)
    assert_close(rv, module.running_var)


@pytest.mark.parametrize("family", BOARD_FAMILIES)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_board_output_is_torch_nn_on_the_board_input(family, mode):
    state = BoardState(norm=family, mode=mode, gamma=1.5, beta=0.0, stale=1.0, eps=1e-3)
    board = build_board(state)
    x = torch.from_numpy(board_input(state))
    module = {
        "batch": nn.BatchNorm1d(16, eps=1e-3),
        "layer": nn.LayerNorm(16, eps=1e-3),
        "rms": nn.RMSNorm(16, eps=1e-3),
        "group": nn.GroupNorm(4, 16, eps=1e-3),
    }[family]
    with torch.no_grad():
        module.weight.fill_(1.5)
    if family == "batch" and mode == "eval":
        rm, rv, _ = running_statistics(replace(state.activations, batch=1))
        module.running_mean.copy_(rm)
        module.running_var.copy_(rv)
        module.eval()
    expected = module(x)
    assert_close(torch.from_numpy(board.y), expected.detach())


def test_readouts_are_the_statistics_of_the_outlined_set():
    state = BoardState(norm="batch", focus=(3, 5), gamma=2.0, beta=0.5)
    b = build_board(state)
    col_x, col_y = b.x[:, 5].astype(np.float64), b.y[:, 5].astype(np.float64)
    assert b.outline == (0, 31, 5, 5)
    assert b.readouts.raw_std == pytest.approx(col_x.std(), rel=1e-6)
    assert b.readouts.out_mean == pytest.approx(col_y.mean(), abs=1e-9)
    assert b.readouts.out_std == pytest.approx(col_y.std(), rel=1e-9)
    assert (b.readouts.out_mean, b.readouts.out_std) == pytest.approx((0.5, 2.0), 1e-4)
    assert b.readouts.row_mean == pytest.approx(b.y[3].astype(np.float64).mean())
    assert b.readouts.stat_mean == pytest.approx(col_x.mean(), rel=1e-5)
    assert b.readouts.coupled and b.readouts.num_stats == 16


def test_outlines_are_column_row_row_and_group():
    outlines = {
        f: build_board(BoardState(norm=f, focus=(2, 6))).outline for f in BOARD_FAMILIES
    }
    assert outlines == {
        "batch": (0, 31, 6, 6),
        "layer": (2, 2, 0, 15),
        "rms": (2, 2, 0, 15),
        "group": (2, 2, 4, 7),
    }


def test_counts_of_statistics_for_each_family():
    counts = {
        f: build_board(BoardState(norm=f)).readouts.num_stats for f in BOARD_FAMILIES
    }
    assert counts == {"batch": 16, "layer": 32, "rms": 32, "group": 128}


def test_eval_mode_is_per_example_and_train_mode_batchnorm_is_coupled():
    assert build_board(BoardState(norm="batch")).readouts.coupled
    assert not build_board(BoardState(norm="batch", mode="eval")).readouts.coupled
    assert not build_board(BoardState(norm="layer")).readouts.coupled


def test_the_readout_panel_shows_the_boards_numbers_in_words():
    b = build_board(BoardState(norm="batch", focus=(3, 5)))
    ro = readout_panel(b)
    sentence = "".join(text for text, _ in ro["sentence"])
    assert sentence.startswith("Focused cell: example 3, feature 5. Outlined: its")
    assert "(feature 5, 32 cells)" in sentence
    shown = {label: value for label, value, _ in ro["metrics"]}
    assert shown["Raw std"] == fmt(b.readouts.raw_std)
    assert shown["Ex. 3 RMS"] == fmt(b.readouts.row_rms)
    assert shown["(μ, σ) pairs"] == "16"
    assert ro["badge"][0] == "Batch-coupled"
    assert f"σ = {fmt(b.readouts.stat_std)}" in ro["caption"]
    assert "pooled over 32 cells" in ro["caption"]
    rms = readout_panel(build_board(BoardState(norm="rms")))
    assert [m[0] for m in rms["metrics"]][-1] == "RMS values"
    assert rms["caption"].startswith("Statistics for the focused cell: RMS = ")
    assert rms["badge"][0] == "Per-example"
    served = readout_panel(build_board(BoardState(norm="batch", mode="eval")))
    assert "running estimates from training" in served["caption"]


def test_eval_output_of_an_example_does_not_depend_on_its_batch_mates():
    one = build_board(BoardState(norm="batch", mode="eval", batch=1))
    many = build_board(BoardState(norm="batch", mode="eval", batch=32))
    assert_close(one.y[0], many.y[0])
    trained = build_board(BoardState(norm="batch", batch=2))
    assert not np.allclose(trained.y[0], many.y[0], atol=1e-3)


# ---- the words follow the numbers ----

EXPECTED_DIAGNOSIS = {
    ("stable", "batch"): "ok",
    ("stable", "layer"): "ok",
    ("tiny", "batch"): "tiny_batch",
    ("one", "batch"): "batch_of_one",
    ("one", "layer"): "ok",
    ("outlier", "batch"): "outlier",
    ("outlier", "layer"): "ok",
    ("mixed", "batch"): "mixed_scale",
    ("rms_mean", "rms"): "rms_mean",
    ("rms_mean", "layer"): "ok",
    ("grouped", "group"): "ok",
    ("serving", "batch"): "eval_one",
    ("stale", "batch"): "stale",
}


@pytest.mark.parametrize(("scenario", "family"), list(EXPECTED_DIAGNOSIS))
def test_each_scenario_gets_its_diagnosis(scenario, family):
    board = build_board(replace(PAGE.base(scenario), norm=family))
    assert board.diagnosis.code == EXPECTED_DIAGNOSIS[(scenario, family)]
    assert board.diagnosis.title and board.diagnosis.try_next
    assert "{" not in board.diagnosis.body + board.diagnosis.try_next


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (BoardState(norm="layer", features=1, groups=1), "features_of_one"),
        (BoardState(norm="group", groups=16), "group_of_one"),
        (BoardState(norm="layer", shift=0, drift=0, eps=1.0), "eps_dominates"),
        # seed 4's example 0 happens to have a row mean near 0 (0.04 after RMSNorm)
        (BoardState(norm="rms", shift=0, drift=0, seed=4), "rms_ok"),
        (BoardState(norm="rms", shift=0, drift=0, offset=2.0, seed=4), "rms_mean"),
    ],
)
def test_degenerate_settings_are_diagnosed(state, code):
    assert build_board(state).diagnosis.code == code


def check_words(board) -> None:
    """Every claim the diagnosis makes holds on its board, and its hint can be
    followed in this state and does what it says."""
    d = board.diagnosis
    text = DIAGNOSES[d.code]
    assert d.claims == text.claims
    assert "{" not in d.body + d.try_next
    for claim in d.claims:
        assert CLAIMS[claim](board), (claim, board.state, d.body)
    assert d.hint in text.try_next
    rule = HINT_RULES[d.hint]
    assert rule.possible(board.state, d.numbers), (d.hint, board.state)
    if rule.move is None:
        return
    moved = replace(rule.move(board.state), scenario="custom")
    again, note = PAGE.parse(PAGE.to_params(moved))  # a state the controls can reach
    assert note is None and again == moved, (d.hint, board.state, moved)
    if rule.expect is not None:
        after = build_board(moved)
        assert rule.expect(board, after), (d.hint, board.state, d.try_next)


def test_every_claim_and_hint_named_in_the_texts_has_a_rule():
    for code, text in DIAGNOSES.items():
        assert set(text.claims) <= set(CLAIMS), code
        assert set(text.try_next) <= set(HINT_RULES) & set(HINTS), code
    assert set(HINTS) == set(HINT_RULES)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
@pytest.mark.parametrize("family", BOARD_FAMILIES)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_every_scenario_says_only_what_its_numbers_show(scenario, family, mode):
    check_words(build_board(replace(PAGE.base(scenario.key), norm=family, mode=mode)))


def _grid(name: str):
    spec = NUMERIC[name]
    n = round((spec.hi - spec.lo) / spec.step)
    return st.integers(0, n).map(lambda i: round(spec.lo + i * spec.step, 6))


@st.composite
def board_states(draw) -> BoardState:
    features = draw(st.integers(1, 64))
    batch = draw(st.integers(1, 64) | st.integers(1, 8))  # small batches: most rules
    return BoardState(
        norm=draw(st.sampled_from(BOARD_FAMILIES)),
        batch=batch,
        features=features,
        groups=draw(st.sampled_from(divisors(features))),
        shift=draw(_grid("shift")),
        drift=draw(_grid("drift")),
        offset=draw(_grid("offset")),
        spread=draw(_grid("spread")),
        outlier=draw(st.sampled_from([1.0, 2.0, 5.0, 30.0, 100.0]) | _grid("outlier")),
        seed=draw(st.integers(0, 40) | st.just(2**31 - 1)),
        gamma=draw(st.sampled_from([0.0, 1.0, -1.0, 0.1, 3.0, -3.0]) | _grid("gamma")),
        beta=draw(_grid("beta")),
        eps=draw(st.sampled_from(EPS_CHOICES)),
        mode=draw(st.sampled_from(["train", "eval"])),
        stale=draw(st.sampled_from([0.0, 0.1, 2.0, 5.0]) | _grid("stale")),
        focus=(draw(st.integers(0, batch - 1)), draw(st.integers(0, features - 1))),
        scenario="custom",
    )


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(board_states())
def test_every_diagnosis_is_true_for_the_numbers_it_prints(state):
    check_words(build_board(state))


def test_serving_one_example_no_longer_claims_a_spread_close_to_gamma():
    board = build_board(PAGE.base("serving"))
    assert board.diagnosis.code == "eval_one"
    assert "close to β and |γ|" not in board.diagnosis.body
    assert "std 0" in board.diagnosis.body


def test_the_opening_sentence_says_rmsnorm_drops_the_mean():
    recipe, rms = INTRO.split("RMSNorm pools", 1)
    assert "subtract" in recipe and "RMSNorm" not in recipe
    assert "drops the mean" in rms and "β" in rms and "LayerNorm's row" in rms
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    opening = " ".join(readme.split("\n\n")[1].split())
    assert "RMSNorm" in opening and "drops the mean" in opening
    assert "follow one recipe (subtract a mean" not in readme


def test_batch_of_one_output_is_beta_everywhere():
    board = build_board(BoardState(batch=1, beta=0.7))
    assert np.allclose(board.y, 0.7)
    assert board.result.has_note("batch_of_one")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
@pytest.mark.parametrize("family", BOARD_FAMILIES)
def test_every_scenario_and_family_builds_a_finite_board(scenario, family):
    board = build_board(replace(PAGE.base(scenario.key), norm=family))
    assert np.isfinite(board.y).all()


def test_numbers_print_exactly_and_readably():
    assert fmt(-4.6e-10) == "0"
    assert fmt(1.23456) == "1.235"
    assert fmt(-0.5) == "−0.5"
    assert fmt(1e-5, small=True) == "1e−05"
    assert fmt(float("nan")) == "NaN"
    assert fmt(None) == "—"


# ---- figures ----


def test_plotly_heatmap_outlines_the_set_and_hovers_both_values():
    z = np.arange(12, dtype=np.float32).reshape(3, 4)
    fig, config = heatmap(
        z, title="t", zmax=11, outline=(0, 2, 1, 1), focus=(1, 1), other=-z
    )
    (hm,) = fig["data"]
    assert hm["colorscale"] == DIVERGING
    assert hm["zmin"] == -11 and hm["zmax"] == 11
    assert (
        np.array_equal(hm["customdata"], -z) and "%{customdata" in hm["hovertemplate"]
    )
    rect = fig["layout"]["shapes"][1]
    assert (rect["x0"], rect["x1"], rect["y0"], rect["y1"]) == (0.5, 1.5, -0.5, 2.5)
    assert "select2d" in config["modeBarButtonsToRemove"]


def decode(s: str, dtype) -> np.ndarray:
    return np.frombuffer(base64.b64decode(s), dtype=dtype)


@pytest.mark.parametrize("colors", ["shared", "own"])
def test_the_canvas_component_gets_the_boards_exact_numbers(colors):
    board = build_board(BoardState(norm="group", colors=colors, focus=(3, 5)))
    panels = board_panels(board)
    raw, out = panels["charts"]
    assert np.array_equal(decode(raw["z"], np.float32), board.x.ravel())
    assert np.array_equal(decode(out["z"], np.float32), board.y.ravel())
    assert np.array_equal(decode(raw["other"], np.float32), board.y.ravel())
    pool = decode(panels["pool"], np.int32)
    assert np.array_equal(pool, board.result.pool.numpy().ravel())
    assert (panels["rows"], panels["cols"], panels["focus"]) == (32, 16, [3, 5])
    # the set the browser will outline is the one the engine pooled
    mask = (pool == pool[3 * 16 + 5]).reshape(32, 16)
    assert np.array_equal(mask, board.result.pooled_with((3, 5)).numpy())
    if colors == "shared":
        assert raw["zmax"] == out["zmax"] == symmetric_range(board.x, board.y)
        assert not raw["showscale"] and out["showscale"]
    else:
        assert raw["zmax"] == symmetric_range(board.x) and raw["showscale"]
    assert out["title"] == "After GroupNorm" and out["colorscale"] == DIVERGING


def test_symmetric_range_ignores_nan_and_never_collapses():
    assert symmetric_range(np.array([1.0, -3.0, np.nan])) == 3.0
    assert symmetric_range(np.zeros(3)) == 1.0


@pytest.mark.parametrize("family", BOARD_FAMILIES)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_the_output_title_names_the_mode_only_where_it_matters(family, mode):
    _, out = board_panels(build_board(BoardState(norm=family, mode=mode)))["charts"]
    name = {"batch": "BatchNorm", "layer": "LayerNorm", "rms": "RMSNorm"}.get(
        family, "GroupNorm"
    )
    assert out["title"] == (
        f"After {name} ({mode})" if family == "batch" else f"After {name}"
    )


def test_a_set_of_one_cell_is_one_cell():
    ro = readout_panel(build_board(BoardState(norm="group", features=4, groups=4)))
    sentence = "".join(text for text, _ in ro["sentence"])
    assert "1 cell)" in sentence and "1 cells" not in sentence + ro["caption"]


def test_cheat_sheets_do_not_contradict_each_other_or_overclaim():
    from lab.core.families import CHEAT_SHEETS

    layer, rms = CHEAT_SHEETS["layer"], CHEAT_SHEETS["rms"]
    assert "every transformer" not in layer.where.lower()
    assert "Llama" in layer.where and "RMSNorm" in layer.where
    assert "Llama" in rms.where and "most recent" not in rms.where
    assert "7–64%" in rms.why  # what Zhang & Sennrich (2019) measured, no more
    assert "pre-norm does not" not in layer.watch_out
    assert "only in which cells" not in HELP["norm"]
