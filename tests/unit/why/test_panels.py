"""The page's sections as panels (lab.why.panels): each says the verdict the
verdict functions give for the runs on screen, and carries its charts."""

from __future__ import annotations

from dataclasses import replace

from lab.core.markup import to_html
from lab.core.panel import plain_text
from lab.why import texts as T
from lab.why.arrays import load_results
from lab.why.cache import SHIPPED, seed_table
from lab.why.panels import landscape_panel, noise_panel, stacks_panel, sweep_panel
from lab.why.state import WhyState, lr_label
from lab.why.verdicts import (
    landscape_verdict,
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
