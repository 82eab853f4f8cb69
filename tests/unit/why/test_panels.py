"""The page's sections as panels (lab.why.panels): each says the verdict the
verdict functions give for the runs on screen, and carries its charts."""

from __future__ import annotations

from dataclasses import replace

from lab.core.markup import to_html
from lab.core.panel import plain_text
from lab.why import texts as T
from lab.why.arrays import load_results
from lab.why.cache import SHIPPED, seed_table
from lab.why.models import VARIANT_NAMES
from lab.why.panels import (
    ceiling_delta,
    header_panel,
    landscape_panel,
    noise_panel,
    stacks_panel,
    sweep_panel,
    verdict_panel,
)
from lab.why.state import WhyState, lr_label
from lab.why.verdicts import (
    highest_spread,
    landscape_verdict,
    lr_verdict,
    noise_verdict,
    seed_table_for,
    xiong_verdict,
)
from lab.why.xiong import xiong_sweep


def blocks(panel, kind: str) -> list[dict]:
    return [b for b in panel.blocks if b["t"] == kind]


def chart_titles(panel) -> list[str]:
    return [
        c["figure"]["layout"]["title"]["text"]
        for b in blocks(panel, "figures")
        for c in b["items"]
    ]


def callout(panel) -> tuple[str, str]:
    (b,) = blocks(panel, "callout")
    return b["level"], plain_text(b["html"])


def test_each_section_says_the_verdict_on_the_shipped_runs_at_every_rate():
    sweep = load_results(SHIPPED)[0]
    entry = seed_table_for(seed_table(), replace(WhyState()))
    assert entry is not None
    for lr in sweep.lrs:
        lr_chart, curves = chart_titles(sweep_panel(sweep, lr))
        assert curves == f"Loss curves at lr {lr_label(lr)}", lr_chart
        level, text = landscape_verdict(sweep, lr, entry)
        assert callout(landscape_panel(sweep, lr, entry)) == (
            level,
            plain_text(to_html(text)),
        )
        level, text = noise_verdict(sweep, lr)
        assert callout(noise_panel(sweep, lr)) == (level, plain_text(to_html(text)))
    assert len(chart_titles(landscape_panel(sweep, 0.1, entry))) == 2
    assert len(chart_titles(noise_panel(sweep, 0.1))) == 1


def test_a_custom_view_says_its_seed_spread_is_the_scenarios():
    sweep = load_results(SHIPPED)[0]
    words = landscape_panel(sweep, 0.1, None).words()
    assert plain_text(to_html(T.SEEDS_CUSTOM)) in words


def test_the_stacks_panel_follows_the_depth_looked_at():
    xiong = xiong_sweep(0, repeats=1)
    for depth in (2, 12, 24):
        panel = stacks_panel(xiong, depth)
        assert callout(panel) == (
            "info",
            plain_text(to_html(xiong_verdict(xiong, depth))),
        )
        assert any(f"{depth} layers" in t for t in chart_titles(panel))


def test_a_rate_is_compared_with_the_plain_network_s_only_where_both_train():
    assert ceiling_delta(3.2, 0.32) == ("10× no norm", "up")
    assert ceiling_delta(0.1, 0.32) == ("3.2× below no norm", "down")
    assert ceiling_delta(0.32, 0.32) == ("same as no norm", "off")
    assert ceiling_delta(None, 0.32) is None
    assert ceiling_delta(1.0, None) is None


def test_the_header_reads_each_variant_s_highest_rate_from_the_runs():
    sweep = load_results(SHIPPED)[0]
    for trained in (False, True):
        panel = header_panel(sweep, trained)
        (metrics,) = blocks(panel, "metrics")
        plain = sweep.highest_lr("none")
        for (label, value, _), delta, v in zip(
            metrics["items"], metrics["deltas"], sweep.runs, strict=True
        ):
            hi = sweep.highest_lr(v)
            assert label == VARIANT_NAMES[v]
            assert value == ("—" if hi is None else lr_label(hi))
            want = None if v == "none" else ceiling_delta(hi, plain)
            assert (None if delta is None else tuple(delta)) == want
        said = panel.words()
        cfg = sweep.config
        assert f"{cfg.depth} layers of {cfg.width} units" in said
        assert ("Trained just now" in said) == trained
        assert ("Stored result" in said) == (not trained)


def test_the_verdict_panel_says_the_sweep_s_verdict_and_the_seed_spread():
    sweep = load_results(SHIPPED)[0]
    entry = seed_table_for(seed_table(), replace(WhyState()))
    level, text = lr_verdict(sweep)
    assert callout(verdict_panel(sweep, None)) == (level, plain_text(to_html(text)))
    with_seeds = text + " " + highest_spread(entry)
    assert callout(verdict_panel(sweep, entry)) == (
        level,
        plain_text(to_html(with_seeds)),
    )
    assert "trains when its mean loss" in verdict_panel(sweep, None).words()
