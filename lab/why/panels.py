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
from lab.why.runs import Sweep
from lab.why.verdicts import landscape_verdict, noise_verdict, xiong_verdict
from lab.why.xiong import XiongResult


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
