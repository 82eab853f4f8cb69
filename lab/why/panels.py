"""The "Why normalize" page's sections drawn from its runs, as panels
(`lab.core.panel`): pure, so a test builds them without a server.

Why panels: a run control or the learning-rate picker redraws every section
below it, and each Streamlit element a rerun sends costs the browser a
re-render (docs/streamlit.md); a panel is one element that rewrites only the
blocks whose content changed.
"""

from __future__ import annotations

from lab.core.panel import Chart, Panel
from lab.why import figures as F
from lab.why import texts as T
from lab.why.models import VARIANT_NAMES
from lab.why.runs import Sweep
from lab.why.state import lr_label
from lab.why.verdicts import (
    highest_spread,
    landscape_verdict,
    lr_verdict,
    noise_verdict,
    xiong_verdict,
)
from lab.why.xiong import XiongResult


def ceiling_delta(hi: float | None, plain: float | None) -> tuple[str, str] | None:
    """A variant's highest trainable rate against the plain network's, as a
    readout's delta (`Panel.metrics`); None where one of them trains at no
    rate, so there is no ratio to show."""
    if hi is None or plain is None:
        return None
    r = hi / plain
    if r > 1.01:
        return f"{r:.2g}× no norm", "up"
    if r < 0.99:
        return f"{1 / r:.2g}× below no norm", "down"
    return "same as no norm", "off"


def header_panel(sweep: Sweep, trained: bool) -> Panel:
    """The sweep's title, what was trained, and each variant's highest rate.

    A panel rather than Streamlit's subheader, caption and five metrics: a
    run control reruns them with new numbers, and as one element they cost
    the browser's main thread ~6 ms less per depth change (docs/streamlit.md)."""
    cfg = sweep.config
    p = Panel()
    p.heading(T.SECTIONS["sweep"])
    p.caption(
        T.SWEEP_CAPTION.format(
            runs=len(sweep.runs) * len(sweep.lrs),
            variants=len(sweep.runs),
            lrs=len(sweep.lrs),
            steps=cfg.steps,
            depth=cfg.depth,
            width=cfg.width,
            batch=cfg.batch,
            seed=cfg.seed,
        )
        + " "
        + (T.TRAINED_NOW.format(seconds=sweep.seconds) if trained else T.STORED_RESULT)
    )
    plain = sweep.highest_lr("none")
    items, deltas = [], []
    for v in sweep.runs:
        hi = sweep.highest_lr(v)
        name = VARIANT_NAMES[v]
        items.append(
            (
                name,
                lr_label(hi) if hi is not None else "—",
                T.CEILING_HELP.format(name=name),
            )
        )
        deltas.append(None if v == "none" else ceiling_delta(hi, plain))
    p.metrics(items, deltas)
    return p


def verdict_panel(sweep: Sweep, seeds: dict | None) -> Panel:
    """The sweep in words (with the spread over seeds where the scenario has
    one) and the rule for "trains"."""
    level, text = lr_verdict(sweep)
    if seeds is not None:
        text += " " + highest_spread(seeds)
    p = Panel()
    p.callout(level, text)
    p.caption(T.TRAINS_RULE.format(threshold=f"{sweep.threshold:.3f}"))
    return p


def sweep_panel(sweep: Sweep, lr: float) -> Panel:
    """The learning-rate sweep and the loss curves at ``lr``, side by side."""
    p = Panel()
    p.figures(
        [
            Chart("lr", F.lr_figure(sweep, lr), "why-lr-sweep"),
            Chart("curves", F.curves_figure(sweep, lr), "why-loss-curves"),
        ],
        cols=2,
    )
    return p


def landscape_panel(sweep: Sweep, lr: float, seeds: dict | None) -> Panel:
    """Santurkar et al.'s two measures along the gradient, and the verdict on
    the runs on screen (with the seed spread where the scenario has one)."""
    p = Panel()
    p.heading(T.SECTIONS["landscape"])
    level, text = landscape_verdict(sweep, lr, seeds)
    if seeds is None:
        text += " " + T.SEEDS_CUSTOM
    p.callout(level, text)
    p.figures(
        [
            Chart("loss", F.landscape_figure(sweep, lr, "loss"), "why-loss-landscape"),
            Chart(
                "grad",
                F.landscape_figure(sweep, lr, "grad"),
                "why-gradient-predictiveness",
            ),
        ],
        cols=2,
    )
    p.caption(T.LANDSCAPE_CAPTION)
    return p


def noise_panel(sweep: Sweep, lr: float) -> Panel:
    """Noisy BatchNorm: the verdict, then one unit's output over training."""
    p = Panel()
    p.heading(T.SECTIONS["noise"])
    p.callout(*noise_verdict(sweep, lr))
    p.figures(
        [Chart("unit", F.unit_figure(sweep, lr), "why-noisy-unit")],
        widths=[3, 2],
    )
    p.caption(T.NOISE_CAPTION)
    return p


def stacks_panel(xiong: XiongResult, blocks: int) -> Panel:
    """Xiong et al.'s gradient norms by layer and by depth at ``blocks``."""
    p = Panel()
    p.callout("info", xiong_verdict(xiong, blocks))
    p.figures(
        [
            Chart(
                "layers",
                F.xiong_layers_figure(xiong, blocks),
                "why-prenorm-postnorm-layers",
            ),
            Chart(
                "depth",
                F.xiong_depth_figure(xiong, blocks),
                "why-prenorm-postnorm-depth",
            ),
        ],
        cols=2,
    )
    return p
