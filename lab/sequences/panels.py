"""The Sequences & padding page's panels, built pure (`lab.core.panel.Panel`:
one element per section, the browser rewriting only what changed): the
padded batch above the token pickers, then everything that depends on the
batch and the focused token below them. A test builds and reads them without
a server; the view draws them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from lab.core.helpers import fmt, noun, plural
from lab.core.panel import Chart, Panel
from lab.sequences import texts as T
from lab.sequences.data import BatchSpec
from lab.sequences.figures import (
    corruption_figure,
    run_figure,
    running_figure,
    token_heatmaps,
)
from lab.sequences.model import NAMES, SeqView, build_view, focus_readout
from lab.sequences.run import RunResult
from lab.sequences.serving import TRAIN_STEPS, OneToken, Serving, one_token, serving
from lab.sequences.state import SeqState
from lab.sequences.sweep import Sweep, corruption_sweep
from lab.sequences.words import (
    channel_sentence,
    corruption_sentence,
    exact,
    one_decimal,
    one_token_sentences,
    run_sentences,
    serving_sentence,
)


@dataclass(frozen=True, eq=False)
class PageNumbers:
    """Everything the panels show for one state."""

    state: SeqState
    view: SeqView
    sweep: Sweep
    serve: Serving
    token: OneToken | None


def build_page(state: SeqState) -> PageNumbers:
    """The numbers for ``state``, memoized on the batch's settings (and the
    lone token's on its place): another family or a click on a token of the
    same batch computes nothing again."""
    n, t, _ = state.cell
    spec = state.spec
    return PageNumbers(
        state,
        build_view(spec),
        corruption_sweep(spec),
        serving(spec),
        _token(spec, n, t),
    )


@lru_cache(maxsize=128)
def _token(spec: BatchSpec, n: int, t: int) -> OneToken | None:
    return one_token(build_view(spec), serving(spec), n, t)


def lengths_line(view: SeqView) -> str:
    b = view.batch
    lengths = ", ".join(str(k) for k in b.lengths.tolist())
    pads = b.positions - b.real
    n = view.spec.batch
    return (
        f"{plural(n, 'sequence')} padded to T = {view.spec.tokens}, "
        f"{noun(n, 'length')} {lengths}: {plural(b.real, 'real token')} and "
        f"{plural(pads, 'pad')} ({100 * b.padded_fraction:.0f}% padded), "
        f"{plural(view.spec.features, 'channel')} each."
    )


def top_panel(page: PageNumbers) -> Panel:
    """The section's heading and what the batch holds: above the pickers."""
    p = Panel()
    p.heading(T.BATCH_TITLE)
    p.text(lengths_line(page.view) + " " + T.BATCH_PADS)
    if page.view.batch.real == 0:
        p.callout("warning", _NO_REAL)
    return p


_NO_REAL = (
    "Every position is padding: there is no real token. BatchNorm without a "
    "mask still computes statistics (of the pads alone); with a mask there is "
    "nothing to pool; LayerNorm and RMSNorm normalize each pad on its own. None "
    "of these outputs is ever used."
)


def focus_panel(page: PageNumbers) -> Panel:
    """What the family and the focused token decide: the heatmaps (clickable),
    the readouts, and the token served alone."""
    p = Panel()
    _heatmaps(p, page)
    _one_token(p, page)
    return p


def batch_panel(page: PageNumbers) -> Panel:
    """What the batch alone decides: BatchNorm's statistics with and without a
    mask and the checks against torch.nn, the corruption, train vs eval. A
    click or another family leaves it as it is (lab/sequences/view.py)."""
    p = Panel()
    _batchnorm(p, page)
    _corruption(p, page)
    _serving(p, page)
    return p


def _heatmaps(p: Panel, page: PageNumbers) -> None:
    s, view = page.state, page.view
    key = s.norm
    figs = token_heatmaps(view, key, s.focus)
    p.figures(
        [
            Chart(name, fig, f"tokens-{name}-{key}", clickable=True, focus=s.focus)
            for name, fig in figs
        ],
        cols=2,
    )
    r = focus_readout(view, key, s.focus)
    what = "a pad" if r.is_pad else "a real token"
    p.text(
        f"**Focused cell:** sequence {r.sequence}, position {r.position} (row "
        f"{r.row}), channel {r.channel}: {what}."
    )
    stat = "mean square" if key == "rms" else "σ²"
    p.metrics(
        [
            ("x", fmt(r.x), "Its value before normalization."),
            (f"y, {NAMES[key]}", fmt(r.y), "Its output in the padded batch."),
            (
                "y without padding",
                "— (a pad)" if r.is_pad else fmt(r.y_alone),
                "The same family on the real tokens alone, packed: no pad anywhere.",
            ),
            ("μ", "—" if r.mean is None else fmt(r.mean), "The mean it subtracted."),
            (stat, fmt(r.var, small=True), "What it divided by, as √(· + ε)."),
            (
                "Pooled",
                f"{r.pooled} ({plural(r.pads_pooled, 'pad')})",
                "Cells the statistic was computed over, and how many were padding.",
            ),
        ]
    )
    pads = view.batch.positions - view.batch.real
    p.caption(
        T.POOLED[key].format(
            positions=view.batch.positions,
            pads=pads,
            real=view.batch.real,
            features=view.spec.features,
        )
    )
    for note in view.families[key].result.notes:
        p.caption(note.message)


def _batchnorm(p: Panel, page: PageNumbers) -> None:
    view = page.view
    ch = view.channels
    p.heading(T.BN_TITLE)
    p.text(T.BN_INTRO)
    p.table(
        [
            "Channel",
            "Mean, real",
            "Mean, with pads",
            "Variance, real",
            "Variance, with pads",
        ],
        [
            [
                str(i),
                one_decimal(ch.real_mean[i]),
                one_decimal(ch.all_mean[i]),
                one_decimal(ch.real_var[i]),
                one_decimal(ch.all_var[i]),
            ]
            for i in range(view.spec.features)
        ],
        align="lrrrr",
    )
    p.text(channel_sentence(view))
    for note in view.families["masked"].result.notes:
        p.caption(f"With the mask: {note.message}")
    p.heading(T.CHECK_TITLE)
    b, c = view.batch, view.spec.features
    refs = {
        "batch": f"`BatchNorm1d({c})` on the padded ({b.positions}, C) matrix",
        "masked": f"`BatchNorm1d({c})` on the {b.real} packed real tokens",
        "layer": f"`nn.LayerNorm({c})` on (N, T, C)",
        "rms": f"`nn.RMSNorm({c})` on (N, T, C)",
    }
    rows = []
    for key, fam in view.families.items():
        if fam.torch_error:
            check = f"torch refuses: {fam.torch_error.split(',')[0]}"
        elif fam.torch_diff is None:
            check = "no real token to compare"
        else:
            check = exact(fam.torch_diff)
        unpadded = "—" if key in ("batch", "masked") else exact(fam.unpadded_diff)
        rows.append([NAMES[key], refs[key], check, unpadded])
    p.table(
        [
            "Family",
            "torch.nn reference",
            "Largest |engine − torch|",
            "torch: padded vs each sequence alone",
        ],
        rows,
        align="llrr",
    )
    same = all(view.families[k].unpadded_diff == 0 for k in ("layer", "rms"))
    p.caption(
        _CHECK_CAPTION + (": a real token's output is the same." if same else ".")
    )


_CHECK_CAPTION = (
    "The engine computes every number; torch.nn recomputes them (γ = 1, β = 0, "
    "its default ε). A difference that is not 0 is float32 rounding: torch.nn "
    "adds the same numbers in another order. The last column runs LayerNorm and "
    "RMSNorm by torch.nn on the padded batch and on each sequence alone, unpadded"
)


def _corruption(p: Panel, page: PageNumbers) -> None:
    view = page.view
    p.heading(T.CORRUPT_TITLE)
    p.text(T.CORRUPT_INTRO)
    p.metrics(
        [
            (
                NAMES[k],
                exact(view.families[k].change),
                "Largest |output with padding − output without| over the real tokens.",
            )
            for k in NAMES
        ]
    )
    p.text(corruption_sentence(view))
    p.figures(
        [
            Chart(
                "sweep",
                corruption_figure(page.sweep, view.batch.padded_fraction),
                "corruption-vs-padding",
            )
        ]
    )
    p.caption(T.SWEEP_CAPTION)


def _serving(p: Panel, page: PageNumbers) -> None:
    serve, view = page.serve, page.view
    p.heading(T.SERVE_TITLE)
    p.text(T.SERVE_INTRO.format(steps=TRAIN_STEPS, real=view.batch.real))
    p.figures([Chart("running", running_figure(serve), "running-statistics")])
    p.metrics(
        [
            (
                "Largest |pads pooled − masked|, served",
                exact(serve.gap),
                "Over this batch's real tokens, served without padding in eval mode.",
            ),
            (
                "LayerNorm: |served − in training|",
                exact(serve.layer_gap),
                "LayerNorm keeps no running statistics: nothing to learn or miss.",
            ),
        ]
    )
    p.text(serving_sentence(serve))
    p.text(T.SERVE_LAYER.format(gap=exact(serve.layer_gap)))
    diffs = [
        d for d in (serve.padded.torch_diff, serve.masked.torch_diff) if d is not None
    ]
    if diffs:
        p.caption(
            "Checked: `BatchNorm1d(C, momentum=None)` fed the same padded matrices "
            "(and the packed real tokens) ends with running statistics whose "
            f"largest difference from the engine's is {exact(max(diffs))}."
        )


def _one_token(p: Panel, page: PageNumbers) -> None:
    tok, s = page.token, page.state
    p.heading(T.ONE_TITLE)
    if tok is None:
        p.text(T.ONE_NONE)
        return
    n, t, _ = s.cell
    moved = "" if (tok.sequence, tok.position) == (n, t) else T.ONE_MOVED
    p.text(T.ONE_INTRO.format(n=tok.sequence, t=tok.position, moved=moved))
    bn_out = tok.train_alone.output[0].numpy()
    p.table(
        [
            "Channel",
            "x",
            "BN train, alone",
            "BN eval, pads pooled",
            "BN eval, masked",
            "BN train, in its batch (masked)",
        ],
        [
            [
                str(i),
                fmt(tok.x[i]),
                fmt(bn_out[i]),
                fmt(tok.eval_padded[i]),
                fmt(tok.eval_masked[i]),
                fmt(tok.in_batch[i]),
            ]
            for i in range(len(tok.x))
        ],
        align="rrrrrr",
    )
    p.table(
        [
            "Channel",
            "LayerNorm alone",
            "LayerNorm in the batch",
            "RMSNorm alone",
            "RMSNorm in the batch",
        ],
        [
            [
                str(i),
                fmt(tok.alone["layer"][i]),
                fmt(tok.inside["layer"][i]),
                fmt(tok.alone["rms"][i]),
                fmt(tok.inside["rms"][i]),
            ]
            for i in range(len(tok.x))
        ],
        align="rrrrr",
    )
    for sentence in one_token_sentences(tok):
        p.text(sentence)
    p.caption(
        "Checked with torch.nn on the token alone, (1, 1, C), against the padded "
        f"batch, (N, T, C): LayerNorm {exact(tok.torch_diff['layer'])}, RMSNorm "
        f"{exact(tok.torch_diff['rms'])}."
    )


def run_head(seed: int) -> Panel:
    """The real run's heading and what it trains: above its seed control."""
    p = Panel()
    p.heading(T.RUN_TITLE)
    p.text(T.RUN_INTRO.format(seed=seed))
    return p


def run_panel(result: RunResult, trained_now: bool) -> Panel:
    """What the run showed: the accuracies, in a chart and in words."""
    p = Panel()
    p.figures([Chart("run", run_figure(result), f"real-run-seed{result.seed}")])
    for sentence in run_sentences(result):
        p.text(sentence)
    p.caption(T.RUN_EVAL_NOTE)
    p.caption(T.RUN_TRAINED_NOW if trained_now else T.RUN_STORED)
    return p
