"""The page's sentences (lab.rms.words) say what the numbers say."""

from __future__ import annotations

import numpy as np
import pytest

from lab.rms.invariance import invariance_table
from lab.rms.rows import eps_compare, mean_survives
from lab.rms.timing import IMPLS, PASSES, Timing
from lab.rms.training import TrainConfig, TrainRun
from lab.rms.words import (
    cell_text,
    eps_words,
    mean_words,
    num,
    saved_phrase,
    seed_rows,
    table_notes,
    timing_words,
    training_words,
)


def test_cells_print_their_numbers():
    assert num(0.0) == "0" and num(float("nan")) == "NaN"
    assert (
        num(0.0014) == "0.0014"
        and num(2.4e-7) == "2.4e−07"
        and num(0.89) == "0.89"
        and num(1.7) == "1.7"
    )
    t = invariance_table()
    cell = t.cell("example_shift", "rms")
    assert cell_text(cell) == f"✗ {num(cell.change)}"


@pytest.mark.parametrize(
    ("kw", "reason", "words"),
    [
        ({"c": -1.0}, "sign", "c = −1 < 0"),
        ({"c": 1e-3}, "eps", "c² = 1e−06"),
        ({"c": 0.0}, "zero", "scaling by 0"),
        ({"c": 1.0, "delta": 0.0}, "identity", "c = 1 and δ = 0"),
        ({"delta": 1e8}, "precision", "where float32 numbers are"),
        ({"eps": 0.0}, "refused", "eps must be positive"),
        ({"c": float("nan")}, "nan", "NaN"),
        ({"c": 0.0, "eps": 0.0}, "zero", "0/0, NaN"),
        ({"delta": 1e30, "eps": 0.0}, "nan_out", "divides 0 by 0"),
    ],
)
def test_each_disagreement_is_named_with_its_numbers(kw, reason, words):
    notes = dict(table_notes(invariance_table(**kw)))
    assert reason in notes, notes
    assert words in notes[reason]


def test_the_precision_note_quotes_the_dtype_s_spacing():
    import re

    text = dict(table_notes(invariance_table(delta=1e8)))["precision"]
    big, gap = re.search(
        r"about ([\d.e+]+), where float32 numbers are (\d+) apart", text
    ).groups()
    assert float(gap) == np.spacing(np.float32(float(big)))


def test_the_default_table_explains_only_eps():
    notes = dict(table_notes(invariance_table()))
    assert set(notes) == {"eps"}
    table = invariance_table()
    for key, f in (("example_scale", "group"), ("weight_scale", "batch")):
        assert cell_text(table.cell(key, f)) in notes["eps"]


def test_the_mean_sentences_carry_the_example_s_numbers():
    m = mean_survives(3.0)
    first, second = mean_words(m)
    assert "0.949" in first and "71.6°" in first and "positive" in first
    assert f"{m.shrink:.3f}" in second and "W·1" in second
    neg = mean_words(mean_survives(-5.0))[0]
    assert "negative" in neg
    zero = mean_words(mean_survives(0.0))[0]
    assert "agree" in zero


def test_eps_words_quote_the_table():
    e = eps_compare()
    text = eps_words(e)
    assert "0.707" in text and "0.999" in text and "0.302" in text
    assert "√(ε/3) inside, ε outside" in text


def _timing(fused: float, ref: float, kernel: str = "MulBackward0") -> Timing:
    """A made-up run whose RMSNorm ÷ LayerNorm ratios are ``fused`` and ``ref``."""
    sizes = (256, 512)
    ratio = np.zeros((1, len(PASSES), 2, 2, 3))
    ratio[..., 0, :] = fused
    ratio[..., 1, :] = ref
    return Timing(
        tokens=16,
        device="cpu",
        device_name="test CPU",
        dtypes=("float32",),
        sizes=sizes,
        seconds=np.full((1, len(PASSES), 2, len(IMPLS), 3), 1e-5),
        ratio=ratio,
        rounds=np.full((1, len(PASSES), 2), 5),
        kernels={"layer": "NativeLayerNormBackward0", "rms": kernel},
        torch_version="x",
        threads=1,
        load_before=0.5,
        load_after=0.6,
        cpu_share=0.97,
        started=0.0,
        wall=1.0,
    )


def test_timing_words_follow_the_measurement():
    slow = timing_words(_timing(2.0, 0.6), "float32", "forward")
    assert "took 2.0× to 2.0× F.layer_norm's time" in slow[0]
    assert "slower, not faster" in slow[0] and "separate tensor ops" in slow[0]
    assert "saved 40%–40%" in slow[1] and "inside the paper's" in slow[1]
    fast = timing_words(
        _timing(0.5, 0.97, "FusedRmsNormBackward0"), "float32", "backward"
    )
    assert "F.rms_norm saved 50%–50%" in fast[0] and "separate" not in fast[0]
    assert "outside the paper's" in fast[1]
    assert saved_phrase(-13, 50) == "took 13% more to 50% less"
    assert saved_phrase(-40, -10) == "took 10%–40% more"


def _run(final_layer: float, final_rms: float, ms: tuple[float, float]) -> TrainRun:
    steps = 20
    ev = np.array([[2.0, final_layer], [2.0, final_rms]], dtype=np.float32)
    return TrainRun(
        config=TrainConfig(steps=steps),
        losses=np.ones((2, steps), dtype=np.float32),
        step_seconds=np.stack(
            [np.full(steps, ms[0] / 1e3), np.full(steps, ms[1] / 1e3)]
        ),
        eval_steps=np.array([10, 20]),
        eval_loss=ev,
        accuracy=np.array([0.9, 0.95]),
        baseline=1.3,
        load_before=0.1,
        load_after=0.1,
        cpu_share=1.0,
        started=0.0,
        wall=1.0,
    )


def test_training_words_report_what_the_run_showed():
    a = training_words(_run(0.20, 0.10, (2.0, 1.0)))
    assert "RMSNorm 50.0% lower" in a[0] and "90.0% and 95.0%" in a[0]
    assert "2.00 ms with LayerNorm and 1.00 ms with RMSNorm (50% less)" in a[1]
    assert "after 20 steps" in a[2]
    b = training_words(_run(0.10, 0.1005, (1.0, 1.1)))
    assert "the same to within 1%" in b[0] and "(10% more)" in b[1]
    assert "did not reach" in b[2]


def test_the_seed_table_quotes_the_page():
    t, m = invariance_table(), mean_survives(3.0)
    rows = {r[0]: r[1:] for r in seed_rows(t, m, 4096, 2000.0, 1400.0)}
    assert rows["Bias parameter"] == ["β: 4,096", "none: 0"]
    assert rows["Computational cost"] == [
        "2 reductions, 2,000 µs",
        "1 reduction, 1,400 µs",
    ]
    assert rows["Mean subtraction"][1] == "no: mean 0.949"
    assert rows["Representation shift"][0].startswith("invariant: ✓")
    assert rows["Representation shift"][1].startswith("not invariant: ✗")
    none = {r[0]: r[1:] for r in seed_rows(t, m, 768, None, None)}
    assert "not timed yet" in none["Computational cost"][0]
    shifted = invariance_table(delta=1e8)
    moved = {r[0]: r[1:] for r in seed_rows(shifted, m, 768, None, None)}
    assert moved["Representation shift"][0].startswith("not invariant")
