"""bench/latency.py's ratio: the lab's median over the median of every bare
sample of the run, with the paired ratio beside it."""

from __future__ import annotations

import re

from bench.latency import summary


def ratios(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"(?:ratio|paired)\s+([\d.]+)", line)]


def test_the_ratio_divides_by_the_pooled_bare_median_and_shows_the_paired_one():
    lab = [0.090, 0.100, 0.110]
    paired = [0.045, 0.046, 0.047]  # one frame's cluster of the bare app
    pooled = [*paired, 0.060, 0.061, 0.062, 0.078, 0.079, 0.060]
    line = summary("lab: slider", lab, paired, pooled)
    assert ratios(line) == [round(0.100 / 0.060, 2), round(0.100 / 0.046, 2)]
    assert "bare    46.0 ms" in line  # the paired samples' own median stays shown


def test_without_a_pool_the_ratio_is_the_paired_one():
    line = summary("probe", [0.05, 0.06, 0.07], [0.05, 0.06, 0.07])
    assert ratios(line) == [1.0]
    assert "paired" not in line


def test_the_bare_app_keeps_streamlits_defaults_unless_asked_for_the_labs():
    from bench.harness import ROOT
    from bench.latency import bare_app

    with bare_app("default") as folder:
        assert folder == ROOT / "bench" / "bare"
        assert not (folder / ".streamlit").exists()  # so gc.collect runs per run
    with bare_app("lab") as folder:
        app = (folder / "app.py").read_text(encoding="utf-8")
        assert app == (ROOT / "bench" / "bare" / "app.py").read_text(encoding="utf-8")
        config = (folder / ".streamlit" / "config.toml").read_text(encoding="utf-8")
        assert config == (ROOT / ".streamlit" / "config.toml").read_text("utf-8")
        assert "postScriptGC = false" in config
    assert not folder.exists()  # the copy is gone with the run
