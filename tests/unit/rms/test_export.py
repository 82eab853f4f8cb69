"""The view's downloads (lab.rms.export): the PyTorch code runs and gives the
page's numbers with torch.nn; the CSVs hold every number of their section."""

from __future__ import annotations

import math

import pytest

from lab.core.norms import FAMILY_NAMES
from lab.rms.export import eps_csv, table_csv, timing_csv, torch_snippet, training_csv
from lab.rms.invariance import FAMILIES, TRANSFORMS
from lab.rms.model import eps_of, mean_of, table_of
from lab.rms.state import RmsState
from lab.rms.timing import run_timing
from lab.rms.training import TrainConfig, train

STATES = [
    RmsState(),
    RmsState(c=-1.0, delta=10.0, dtype="float64"),
    RmsState(c=1e-3, eps=1e-8, mean=-5.0, seed=7),
    RmsState(eps=0.0, dtype="float64", mean=10.0),
    RmsState(c=0.0, delta=1e8),
]


@pytest.mark.parametrize("state", STATES, ids=lambda s: f"c={s.c},d={s.delta}")
def test_the_code_for_the_view_gives_the_page_s_numbers(state, capsys):
    scope: dict = {}
    exec(compile(torch_snippet(state), "<snippet>", "exec"), scope)
    table = table_of(state)
    for t in TRANSFORMS:
        for f in FAMILIES:
            cell = table.cell(t.key, f)
            got = scope["changes"][(t.key, FAMILY_NAMES[f])]
            if cell.verdict == "refused":
                assert got is None
            elif math.isnan(cell.change):
                assert math.isnan(got)
            elif "precision" in cell.reasons:
                assert got > cell.tol
            else:
                assert abs(got - cell.change) <= 2 * cell.tol + 1e-5 * got, (t.key, f)
    m = mean_of(state)
    assert scope["angle"] == pytest.approx(m.angle, abs=1e-3)
    assert float(scope["y_rms"].double().mean()) == pytest.approx(m.mean_rms, abs=1e-5)
    assert "RMSNorm output mean" in capsys.readouterr().out


def test_the_csvs_hold_every_number():
    s = RmsState()
    lines = table_csv(s, table_of(s)).splitlines()
    assert lines[0].startswith("# Normalization Lab") and "link: ?" in lines[1]
    assert len(lines) == 3 + len(TRANSFORMS) * len(FAMILIES)
    e = eps_of(s)
    assert len(eps_csv(s, e).splitlines()) == 3 + len(e.scales)
    t = run_timing(1, sizes=(256,), budget=0.01, max_rounds=3)
    rows = timing_csv(s, t).splitlines()
    assert len(rows) == 4 + len(t.dtypes) * 2 * 1 * 4
    run = train(TrainConfig(blocks=1, width=32, steps=10))
    assert len(training_csv(s, run).splitlines()) == 3 + 10


def test_the_readme_notebook_example_for_the_page_runs():
    import re
    from pathlib import Path

    import lab

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text("utf-8")
    section = readme.split("## Use it from a notebook", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    block = next(b for b in blocks if "invariance_table" in b)
    scope = {"lab": lab}
    exec(compile(block, "<README>", "exec"), scope)
    assert scope["t"].cell("example_shift", "layer").reasons == ("precision",)
    assert scope["run"].losses.shape == (2, 50)
