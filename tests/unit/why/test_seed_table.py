"""The shipped seed table (lab.why.verdicts' seed rows and sentences): what
seeds 0–4 showed, and the intro and scenario sentences that quote it.
"""

from __future__ import annotations

import json

import pytest

from lab.why import texts as T
from lab.why.arrays import load_results
from lab.why.cache import SHIPPED, seed_table
from lab.why.runs import LR_GRID
from lab.why.state import DEFAULT_SCENARIO, PAGE, lr_label
from lab.why.verdicts import SEEDS, highest_spread, seed_row, seed_sentence


def test_the_intro_says_what_the_default_runs_show_over_every_seed():
    entry = seed_table()[DEFAULT_SCENARIO]
    assert entry["seeds"] == list(SEEDS)
    for row in entry["rows"]:
        hi = row["highest"]
        assert hi["batch"] / hi["none"] == pytest.approx(10.0)
        assert hi["layer"] == hi["none"]
    rms_higher = [
        row["highest"]["rms"] > row["highest"]["none"] for row in entry["rows"]
    ]
    assert any(rms_higher) and not all(rms_higher)
    assert "BatchNorm trains at 10× the highest rate" in T.INTRO
    assert "LayerNorm does not raise that rate" in T.INTRO
    assert "RMSNorm does in some seeds only" in T.INTRO
    assert "showed the reason" not in T.INTRO


def test_the_default_scenario_shows_the_effect_in_every_seed_at_its_rate():
    """The default was picked where the effect is robust: at lr 0.1 BatchNorm's
    gradient change and β-smoothness are below 0.8× no norm's in every seed."""
    entry = seed_table()[DEFAULT_SCENARIO]
    for row in entry["rows"]:
        r = row["ratios"][lr_label(LR_GRID[2])]["batch"]
        assert r is not None and r[1] < 0.8 and r[2] < 0.8


def test_the_seed_table_rows_are_what_seed_row_computes():
    sweep = load_results(SHIPPED)[0]
    row = seed_table()[DEFAULT_SCENARIO]["rows"][0]
    assert row == json_round(seed_row(sweep))
    text = highest_spread(seed_table()[DEFAULT_SCENARIO])
    assert text.startswith("Over seeds 0–4 of this scenario")


def json_round(x):
    return json.loads(json.dumps(x))


def test_seed_sentence_counts_the_seeds_below_the_line():
    rows = [
        {"highest": {}, "ratios": {"1": {"batch": [0.5, 0.5, 0.9]}}},
        {"highest": {}, "ratios": {"1": {"batch": [0.7, 0.6, 0.7]}}},
        {"highest": {}, "ratios": {"1": {"batch": None}}},
    ]
    text = seed_sentence({"seeds": [0, 1, 2], "rows": rows}, 1.0)
    assert "loss variation 0.5–0.7× (below 0.8× in 2 of 2)" in text
    assert "β-smoothness 0.7–0.9× (below 0.8× in 1 of 2)" in text
    assert "(Both trained at this rate in 2 of 3 seeds.)" in text
    assert "not robust here" in text  # a seed without a comparison is not "every"


def test_the_scenario_sentences_agree_with_the_seed_table():
    table = seed_table()
    at_01 = lr_label(LR_GRID[2])
    shallow = table["shallow"]["rows"]
    for row in shallow:  # every variant trains; BatchNorm tolerates the highest
        hi = row["highest"]
        assert all(h is not None for h in hi.values())
        assert hi["batch"] > max(h for v, h in hi.items() if v != "batch")
    for row in table["deep"]["rows"]:  # mixed: gradient change down, β up
        r = row["ratios"][at_01]["batch"]
        assert r[1] < 0.8 and r[2] > 1.0
        assert row["highest"]["batch"] > (row["highest"]["none"] or 0)
    betas = [row["ratios"][at_01]["batch"][2] for row in table["deep"]["rows"]]
    deep = PAGE.by_key["deep"].sentence
    assert f"({min(betas):.2g}–{max(betas):.2g}× no norm's)" in deep
    for row in table["deeper"]["rows"] + table["plain_init"]["rows"]:
        assert row["highest"]["none"] is None  # "no plain landscape to compare"
    six = [row["ratios"][at_01]["batch"] for row in table[DEFAULT_SCENARIO]["rows"]]
    assert all(r[1] < 0.8 for r in six)  # the intro: gradient, every seed
    assert any(r[0] < 0.8 for r in six) and not all(r[0] < 0.8 for r in six)
    assert PAGE.base(DEFAULT_SCENARIO).lr == LR_GRID[2]
    assert "At lr 0.1, where both train" in T.INTRO
