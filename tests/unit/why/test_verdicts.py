"""What the page says (lab.why.verdicts): every verdict and hint agrees with
the numbers it is shown with, on made-up sweeps, tiny real ones, random
landscapes and every shipped scenario.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.why import texts as T
from lab.why.arrays import load_extra, load_results
from lab.why.cache import SHIPPED, seed_table
from lab.why.landscape import MEASURES, both_train, classify, compare_at
from lab.why.runs import LR_GRID, Sweep, SweepConfig, run_sweep
from lab.why.state import PAGE, SCENARIOS, WhyState, lr_label
from lab.why.verdicts import (
    MAX_WORK,
    compare,
    landscape_verdict,
    lr_verdict,
    noise_verdict,
    rates_hint,
    seed_table_for,
    summary_rows,
    sweep_work,
    xiong_verdict,
)
from lab.why.xiong import XiongResult
from tests.unit.why.cases import LRS, TINY, fake_sweep, probed_sweep


def test_sweep_work_is_relative_to_the_default_and_grows_with_every_setting():
    assert sweep_work(SweepConfig()) == 1.0
    for change in ({"steps": 300}, {"depth": 20}, {"width": 128}, {"batch": 256}):
        assert sweep_work(replace(SweepConfig(), **change)) > 1.0
    for key in PAGE.by_key:
        assert sweep_work(PAGE.base(key).config) <= MAX_WORK
    heavy = SweepConfig(depth=20, width=128, batch=256, steps=400)
    assert sweep_work(heavy) > MAX_WORK


def test_the_verdict_says_when_a_norm_raises_the_ceiling_and_when_it_does_not():
    sweep = fake_sweep(
        {
            "none": [0.4, 0.4, None, None],
            "batch": [0.4, 0.4, 0.4, 0.4],
            "layer": [0.4, 0.4, None, None],
            "rms": [0.4, None, None, None],
        }
    )
    level, text = lr_verdict(sweep)
    assert level == "success"
    assert f"highest rate that trains is {lr_label(LR_GRID[1])}" in text
    assert f"BatchNorm trains up to {lr_label(LR_GRID[3])}: 10× no norm's" in text
    assert "LayerNorm does not raise the ceiling here" in text
    assert "RMSNorm does worse here" in text


def test_the_verdict_is_a_warning_when_no_norm_wins():
    sweep = fake_sweep({"none": [0.4, 0.4], "batch": [0.4, 1.3], "layer": [1.3, 1.3]})
    level, text = lr_verdict(sweep)
    assert level == "warning"
    assert "LayerNorm trains at no rate here" in text
    assert "BatchNorm does worse here" in text


def test_the_verdict_when_nothing_trains_without_normalization():
    sweep = fake_sweep({"none": [1.3, None], "batch": [0.4, 1.3]})
    level, text = lr_verdict(sweep)
    assert level == "success"
    assert "no learning rate trains in 150 steps" in text
    assert "BatchNorm trains up to 0.01." in text


def test_summary_rows_name_the_highest_rate_the_best_loss_and_divergence():
    rows = summary_rows(
        fake_sweep({"none": [0.6, 0.3, None], "noisy": [None, None, None]})
    )
    assert rows[0].highest == lr_label(LR_GRID[1]) and rows[0].diverged == lr_label(
        LR_GRID[2]
    )
    assert rows[0].best == f"0.300 at lr {lr_label(LR_GRID[1])}"
    assert rows[1].highest == "none" and rows[1].best == "all diverged"


def test_the_landscape_verdict_says_when_a_run_diverged_before_most_measurements():
    sweep = run_sweep(replace(TINY, steps=25), variants=("none", "batch"), lrs=(1e3,))
    d = int(sweep.runs["none"].diverged_at[0])
    assert 0 <= d < 10  # diverged before the second measurement
    _, text = landscape_verdict(sweep, 1e3)
    # Changed on purpose (issue 12): a run that diverged is not compared at all.
    assert f"No norm diverged at step {d}." in text
    assert "compared only where both networks train" in text


def test_factors_are_written_as_people_write_them():
    assert compare(0.5, 1.0) == "2× less"
    assert compare(1.0, 0.0019) == "526× more"
    assert compare(0.0001, 1.25) == "12,500× less"
    assert compare(1.1, 1.0) == "about as much"


def test_noise_verdict_speaks_of_the_runs_noise_level():
    sweep = run_sweep(
        replace(TINY, noise=2.0), variants=("none", "batch", "noisy"), lrs=LRS
    )
    _, text = noise_verdict(sweep, LRS[0])
    assert "up to ±2" in text and "0.37× to 2.72×" in text
    quiet = run_sweep(
        replace(TINY, noise=0.0), variants=("none", "batch", "noisy"), lrs=LRS
    )
    assert noise_verdict(quiet, LRS[0]) == ("info", T.NOISE_OFF)
    assert np.array_equal(quiet.runs["noisy"].losses, quiet.runs["batch"].losses)


def test_xiong_verdict_reads_the_measured_ratios():
    post = np.array([[1.0, 2.0, np.nan, np.nan], [1.0, 1.5, 2.0, 4.0]], np.float32)
    pre = np.array([[1.0, 0.9, np.nan, np.nan], [1.0, 0.9, 0.8, 0.5]], np.float32)
    res = XiongResult(seed=0, depths=(2, 4), post=post, pre=pre)
    text = xiong_verdict(res, 4)
    assert (
        "post-norm's gradient grows toward the output (last layer 4× the first)" in text
    )
    assert "its last layer gets 8× pre-norm's" in text
    assert "pre-norm's gradient shrinks toward the output (0.5×)" in text
    assert "from 2 to 4 in post-norm and from 0.9 to 0.5 in pre-norm" in text
    assert "1/√L would give ×0.71" in text


def check_landscape_text(sweep: Sweep, lr: float, text: str, level: str) -> None:
    """The claims of one landscape verdict against the sweep's own numbers."""
    i = sweep.lrs.index(lr)
    c = compare_at(sweep, lr)
    assert "Try a higher learning rate" not in text
    assert "what lets the larger step work" not in text
    if c.status == "ok":
        p, n = c.plain, c.norm
        for x in (p.loss_var, n.loss_var, p.grad_change, n.grad_change, p.beta, n.beta):
            assert f"{x:.3g}" in text
        kinds = [classify(r) for r in c.ratios]
        if level == "success":
            assert kinds == ["smaller"] * 3 and T.LANDSCAPE_SMOOTHER in text
        if "**not** smoother" in text:
            assert "smaller" not in kinds and "larger" in kinds
        if T.LANDSCAPE_SAME in text:
            assert set(kinds) <= {"same"}
        for m, k in zip(MEASURES, kinds, strict=True):
            if k == "smaller" and level != "success":
                assert "maller with BatchNorm: " in text
                assert m in text.split("maller with BatchNorm: ")[1].split(";")[0]
    else:
        assert "compared only where both networks train" in text or (
            c.status == "no_overlap"
        )
        for v in ("none", "batch"):
            if not sweep.trains(v)[i]:
                d = int(sweep.runs[v].diverged_at[i])
                assert (f"diverged at step {d}" if d >= 0 else "ends at loss") in text
    both = both_train(sweep)
    if "both train at lr" in text:
        rates = text.split("both train at lr ")[1].split(":")[0]
        for r in rates.replace(" and ", ", ").split(", "):
            assert float(r) in [float(lr_label(x)) for x in both]
            assert float(r) != float(lr_label(lr))
    if not both:
        assert "look there too" not in text
    if sweep.highest_lr("none") is None:
        assert "no plain landscape" in text or "Neither" in text or not both


def shipped_sweeps() -> list[Sweep]:
    return [load_results(SHIPPED)[0], *load_extra(SHIPPED)]


def test_every_shipped_scenario_and_rate_gets_a_verdict_true_to_its_numbers():
    table = seed_table()
    seen_levels = set()
    sweeps = shipped_sweeps()
    assert len(sweeps) == len(SCENARIOS)
    for sweep in sweeps:
        state = replace(WhyState(), **asdict_config(sweep.config))
        entry = seed_table_for(table, state)
        assert entry is not None
        for lr in sweep.lrs:
            level, text = landscape_verdict(sweep, lr, entry)
            seen_levels.add(level)
            check_landscape_text(sweep, lr, text, level)
            check_seed_text(entry, lr, text)
        assert "Try" not in lr_verdict(sweep)[1]
    assert {"success", "info"} <= seen_levels


def asdict_config(config: SweepConfig) -> dict:
    return {f: getattr(config, f) for f in config.__dataclass_fields__}


def check_seed_text(entry: dict, lr: float, text: str) -> None:
    rows = entry["rows"]
    got = [r["ratios"][lr_label(lr)]["batch"] for r in rows]
    ok = [g for g in got if g is not None]
    if not ok:
        assert f"none of the {len(rows)} seeds" in text
        return
    for k, m in enumerate(MEASURES):
        vals = [g[k] for g in ok]
        n_small = sum(v < 0.8 for v in vals)
        assert f"{m} {min(vals):.2g}–{max(vals):.2g}× (below 0.8× in {n_small} of" in (
            text
        )
    every = [
        all(g[k] < 0.8 for g in got if g is not None) and None not in got
        for k in range(3)
    ]
    if "effect is robust here" in text:
        assert all(every)
    if "effect is not robust here" in text:
        assert not any(every)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(0.3, 1.4), min_size=4, max_size=8),
    st.lists(st.floats(0.05, 1.4), min_size=4, max_size=8),
    st.lists(st.floats(0.001, 10), min_size=8, max_size=8),
    st.lists(st.floats(0.001, 10), min_size=8, max_size=8),
)
def test_random_landscapes_get_verdicts_true_to_their_numbers(pa, pb, va, vb):
    sweep = probed_sweep(
        {"none": sorted(pa, reverse=True), "batch": sorted(pb, reverse=True)},
        {"none": va[: len(pa)], "batch": vb[: len(pb)]},
    )
    lr = sweep.lrs[0]
    level, text = landscape_verdict(sweep, lr)
    check_landscape_text(sweep, lr, text, level)


def test_hints_are_possible_in_the_state_they_are_shown_in():
    never = fake_sweep({"none": [1.3, 1.3, None], "batch": [0.4, 0.4, 0.4]})
    assert "no plain landscape" in rates_hint(never, LR_GRID[0])
    both = fake_sweep({"none": [0.4, 0.4, None], "batch": [0.4, 0.4, 0.4]})
    assert rates_hint(both, LR_GRID[0]) == (
        f"No norm and BatchNorm both train at lr {lr_label(LR_GRID[1])}: "
        "look there too."
    )
    assert rates_hint(both, LR_GRID[2]).count(" and ") == 2  # 0.01 and 0.032
    one = fake_sweep({"none": [0.4, None], "batch": [0.4, 1.3]})
    assert rates_hint(one, LR_GRID[0]) == ""
    apart = fake_sweep({"none": [0.4, 1.3], "batch": [1.3, 0.4]})
    assert "No learning rate trains both" in rates_hint(apart, LR_GRID[0])


def test_the_shipped_xiong_verdict_explains_the_toy_with_its_own_numbers():
    xiong = load_results(SHIPPED)[1]
    assert xiong.pre_resid is not None
    lq = xiong.last("pre")
    measured = lq[-1] / lq[0]
    predicted = math.sqrt(xiong.depths[0] / xiong.depths[-1])
    text = xiong_verdict(xiong, 12)
    assert f"×{measured:.2g}; 1/√L would give ×{predicted:.2g}" in text
    if "became alike" in text:
        assert xiong.pre_token_cos[-1] > xiong.pre_token_cos[0] + 0.1
        assert measured > predicted
    if "did shrink" in text:
        assert xiong.pre_token_grad[-1] < xiong.pre_token_grad[0]
    post = xiong.layers(12, "post")
    assert ("post-norm's gradient grows toward the output" in text) == (
        post[-1] / post[0] > 1.25
    )
