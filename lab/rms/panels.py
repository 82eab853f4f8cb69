"""The LayerNorm vs RMSNorm page's sections as panels (`lab.core.panel.Panel`),
built pure: headings, words, readouts, tables and charts of one section are
one element in the browser, and a test builds and reads them without a server.
"""

from __future__ import annotations

from lab.core.helpers import fmt
from lab.core.norms import FAMILY_NAMES
from lab.core.panel import Chart, Panel
from lab.rms import figures as F
from lab.rms import texts as T
from lab.rms import words as W
from lab.rms.cost import Counts, Memory
from lab.rms.invariance import FAMILIES, GROUPS, NEAR, TRANSFORMS, C, N, Table
from lab.rms.rows import TABLE_SCALES, EpsCompare, MeanSurvives
from lab.rms.timing import IMPL_NAMES, IMPLS, PASSES, Timing
from lab.rms.training import TrainRun


def _eps_label(eps: float | None) -> str:
    if eps is None:
        return "torch's defaults (1e-5; RMSNorm: the dtype's machine epsilon)"
    return f"{eps:g}"


def table_panel(table: Table) -> Panel:
    """Section 1: the invariance table and why cells differ from the paper's."""
    p = Panel()
    p.heading(T.SECTIONS["table"])
    p.text(
        T.TABLE_INTRO.format(
            n=N,
            c_feat=C,
            groups=GROUPS,
            c=W.plain(table.c),
            delta=W.plain(table.delta),
            eps=_eps_label(table.eps),
            dtype=table.dtype,
        )
    )
    head = [
        "Transformation",
        *(FAMILY_NAMES[f] for f in FAMILIES),
        "Paper: BN · LN · RMS",
    ]
    rows = [
        [
            f"{t.name}: {t.what}",
            *(W.cell_text(table.cell(t.key, f)) for f in FAMILIES),
            W.paper_text(t),
        ]
        for t in TRANSFORMS
    ]
    p.table(head, rows, align="lrrrrl")
    any_tol = max(c.tol for c in table.cells.values())
    p.caption(T.TABLE_LEGEND.format(tol=fmt(any_tol, small=True), near=f"{NEAR:g}"))
    notes = W.table_notes(table)
    if notes:
        p.text("\n\n".join(text for _, text in notes))
    p.caption(T.TABLE_REFERENCE)
    return p


def mean_panel(m: MeanSurvives) -> Panel:
    """Section 2: one example with a large mean through both norms."""
    p = Panel()
    p.heading(T.SECTIONS["mean"])
    p.metrics(
        [
            ("Input mean", fmt(m.mean_in), "The example's mean; its std is 1."),
            (
                "LayerNorm output mean",
                fmt(m.mean_layer, small=True),
                "0 by construction, up to rounding.",
            ),
            (
                "RMSNorm output mean",
                fmt(m.mean_rms),
                "μ/√(μ² + σ² + ε): the mean's sign, and its size in RMS units.",
            ),
            (
                "Angle between outputs",
                f"{m.angle:.1f}°",
                "arccos of the cosine between the two output vectors: arctan(|μ|/σ) "
                "when ε is negligible.",
            ),
        ]
    )
    p.figures([Chart("mean", F.mean_figure(m), "mean-survives-rmsnorm")])
    first, second = W.mean_words(m)
    p.text(first)
    p.text(f"**For the next layer.** {second}")
    return p


def eps_panel(e: EpsCompare) -> Panel:
    """Section 3: the ε conventions for inputs of small norm."""
    p = Panel()
    p.heading(T.SECTIONS["eps"])
    p.text(T.EPS_INTRO)
    p.figures([Chart("eps", F.eps_figure(e), "eps-conventions")])
    head = [
        "Output RMS at input RMS s",
        *(f"s = {s:g}" for s in TABLE_SCALES),
        "halves at s =",
    ]
    rows = [
        [
            c.name,
            *(fmt(float(v), small=True) for v in e.table[i]),
            fmt(float(e.half[i]), small=True),
        ]
        for i, c in enumerate(e.convs)
    ]
    p.table(head, rows, align="l" + "r" * (len(TABLE_SCALES) + 1))
    p.text(W.eps_words(e))
    return p


def memory_panel(counts: dict[str, Counts], mem: Memory, timing_intro: str) -> Panel:
    """Section 4 (parameters, buffers, bytes per token) and the head of
    section 5, which sits under the same controls."""
    p = Panel()
    h, t, b = mem.hidden, mem.tokens, mem.dtype
    cols = ("layer", "rms", "batch")
    p.table(
        ["Per layer, hidden size " + f"{h:,}", "LayerNorm", "RMSNorm", "BatchNorm"],
        [
            ["γ (weight)", *(f"{counts[k].gamma:,}" for k in cols)],
            ["β (bias)", *(f"{counts[k].beta:,}" for k in cols)],
            ["Running buffers", *(f"{counts[k].buffers:,}" for k in cols)],
        ],
        align="lrrr",
    )
    p.table(
        [f"Bytes per token, {t} tokens, {b}", "LayerNorm", "RMSNorm"],
        [
            ["Read, forward (row + γ, β shared)", *_bytes(mem.read)],
            ["Written, forward (row)", *_bytes(mem.written)],
        ],
        align="lrr",
    )
    p.table(
        ["Kept for backward per token (measured)", *(IMPL_NAMES[i] for i in IMPLS)],
        [["bytes", *(f"{mem.saved[i]:,.0f}" for i in IMPLS)]],
        align="lrrrr",
    )
    p.text(
        T.MEMORY_WORDS.format(
            h=f"{h:,}",
            diff=f"{counts['layer'].params - counts['rms'].params:,}",
            row=f"{mem.written['rms']:,.0f}",
            shared=f"{mem.read['layer'] - mem.read['rms']:,.1f}".removesuffix(".0"),
            tokens=t,
        )
    )
    p.heading(T.SECTIONS["timing"])
    p.text(timing_intro)
    return p


def cost_head() -> Panel:
    p = Panel()
    p.heading(T.SECTIONS["memory"])
    return p


def training_head() -> Panel:
    p = Panel()
    p.heading(T.SECTIONS["training"])
    p.text(T.TRAIN_INTRO)
    return p


def _bytes(d: dict[str, float]) -> list[str]:
    return [f"{d[k]:,.1f}".removesuffix(".0") for k in ("layer", "rms")]


def timing_panel(t: Timing | None, tokens: int, dtype: str, pass_: str) -> Panel:
    """Section 5's results: the charts, the table and the words, or why
    there are none yet."""
    p = Panel()
    if t is None:
        p.callout("info", T.NOT_TIMED.format(tokens=tokens))
        return p
    if dtype not in t.dtypes:
        p.callout("warning", T.NO_BF16.format(device=t.device_name))
        dtype = t.dtypes[0]
    for text in W.timing_words(t, dtype, pass_):
        p.text(text)
    p.figures(
        [
            Chart("time", F.timing_figure(t, dtype, pass_), "rms-timing"),
            Chart("saving", F.saving_figure(t, dtype, pass_), "rms-saving"),
        ],
        cols=2,
    )
    d, q = t.dtypes.index(dtype), PASSES.index(pass_)
    rows = []
    for h, size in enumerate(t.sizes):
        cells = []
        for i, _ in enumerate(IMPLS):
            lo, mid, hi = t.seconds[d, q, h, i] * 1e6
            cells.append(f"{W.us(mid)} [{W.us(lo)}–{W.us(hi)}]")
        rows.append([f"{size:,}", *cells])
    p.table(
        ["hidden", *(f"{IMPL_NAMES[i]}, µs" for i in IMPLS)],
        rows,
        align="rrrrr",
    )
    p.caption(W.timing_caption(t))
    return p


def training_panel(run: TrainRun, source: str) -> Panel:
    """Section 6's results: two charts, readouts, the run in words."""
    p = Panel()
    p.figures(
        [
            Chart("steps", F.loss_figure(run, "steps"), "rms-train-steps"),
            Chart("clock", F.loss_figure(run, "seconds"), "rms-train-clock"),
        ],
        cols=2,
    )
    p.metrics(
        [
            ("LayerNorm final loss", f"{run.final('layer'):.4f}", T.FINAL_HELP),
            ("RMSNorm final loss", f"{run.final('rms'):.4f}", T.FINAL_HELP),
            (
                "Median step, LayerNorm",
                f"{run.median_step('layer') * 1e3:.2f} ms",
                T.STEP_HELP,
            ),
            (
                "Median step, RMSNorm",
                f"{run.median_step('rms') * 1e3:.2f} ms",
                T.STEP_HELP,
            ),
        ]
    )
    for text in W.training_words(run):
        p.text(text)
    cfg = run.config
    p.caption(
        T.TRAIN_CAPTION.format(
            blocks=cfg.blocks,
            width=cfg.width,
            steps=cfg.steps,
            lr=f"{cfg.lr:g}",
            seed=cfg.seed,
            load=f"{run.load_before:.2f}",
            share=f"{run.cpu_share * 100:.0f}",
        )
        + " "
        + source
    )
    return p


def seed_panel(rows: list[list[str]], timed: str) -> Panel:
    """The side panel's table (`lab.rms.words.seed_rows`); ``timed`` says
    which timing its cost row quotes ("" when none yet)."""
    p = Panel()
    p.table(["", "LayerNorm", "RMSNorm"], rows, align="lll")
    what = T.SEED_TIMED.format(label=timed) if timed else T.SEED_UNTIMED
    p.caption(T.SEED_CAPTION.format(timed=what))
    return p


def pass_label(pass_: str) -> str:
    return {"forward": "Forward", "backward": "Forward + backward"}[pass_]
