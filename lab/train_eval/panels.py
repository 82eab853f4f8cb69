"""The Train vs eval page's live panels, built pure: the stream, the two modes
on the next batch, serving alone, and the variance readout for one `LiveView`.

Apart from the view because they are all numbers and words and no widget: a
step redraws two `lab.core.panel.Panel`s (one element each, lab/core/panel.py
says why) that a test builds and reads without a server; the view draws them
around the focus pickers, the only widgets between them.
"""

from __future__ import annotations

from lab.core.helpers import fmt
from lab.core.norms import FAMILY_NAMES
from lab.core.panel import Chart, Panel
from lab.train_eval import texts as T
from lab.train_eval.figures import matrix_figures, stream_figure
from lab.train_eval.model import LiveView
from lab.train_eval.stream import MAX_STEPS, PAGE_FAMILIES


def top_panel(view: LiveView) -> Panel:
    """The stream and the heading of the train/eval comparison: what sits
    above the focus pickers."""
    p = Panel()
    _stream(p, view)
    _compare_head(p, view)
    return p


def body_panel(view: LiveView) -> Panel:
    """The four heatmaps (clickable: a cell is the focus), the families side
    by side, serving alone and the variance readout: what sits below them."""
    p = Panel()
    _compare_body(p, view)
    _serving(p, view)
    _variance(p, view)
    return p


def _stream(p: Panel, view: LiveView) -> None:
    s, ro = view.state, view.stream
    p.heading(T.STREAM_TITLE)
    p.figures(
        [
            Chart(
                "stream",
                stream_figure(view.trace, s.step, s.focus[1]),
                "running-statistics",
            )
        ]
    )
    p.metrics(
        [
            (
                f"running_mean[{ro.feature}]",
                fmt(ro.running_mean),
                "What eval mode subtracts from this feature.",
            ),
            (
                "Data's mean",
                fmt(ro.true_mean),
                "The mean of the distribution the next batch comes from.",
            ),
            (
                "Running − data",
                f"{ro.lag:+.2f} σ".replace("-", "−"),
                "(running_mean − the data's mean) in units of the data's std: 0 "
                "when the estimate is up to date, negative when it lags below.",
            ),
            (
                "Var ÷ truth",
                fmt(ro.var_ratio),
                "running_var / the data's variance: 1 when the estimate is right.",
            ),
        ]
    )
    p.caption(T.STREAM_CAPTION + f" num_batches_tracked = {ro.num_batches_tracked}.")
    if s.norm != "batch":
        p.caption(T.STREAM_NOT_BN.format(name=FAMILY_NAMES[s.norm]))
    if s.batch == 1:
        p.callout("warning", T.STREAM_ONE)
    if view.torch_diff is None:
        p.caption(T.TORCH_CHECK_ONE)
    else:
        p.caption(
            T.TORCH_CHECK.format(
                features=s.features,
                momentum="None" if s.momentum is None else f"{s.momentum:g}",
                steps=MAX_STEPS,
                diff=f"{view.torch_diff:.1e}" if view.torch_diff else "0",
            )
        )


def _compare_head(p: Panel, view: LiveView) -> None:
    s = view.state
    p.heading(T.COMPARE_TITLE)
    p.text(T.COMPARE_INTRO.format(next=s.step + 1, step=s.step))
    if s.step == 0 and s.norm == "batch":
        p.caption(T.COMPARE_FRESH)


def _exact(v: float) -> str:
    return "0 exactly" if v == 0 else fmt(v, small=True)


def _compare_body(p: Panel, view: LiveView) -> None:
    s, comp = view.state, view.comparison
    figs = dict(matrix_figures(comp, s.focus))
    p.figures(
        [
            Chart(key, figs[key], f"{key}-mode-heatmap", clickable=True, focus=s.focus)
            for key in ("train", "eval", "input", "diff")
        ],
        cols=2,
    )
    f = s.focus[1]
    p.metrics(
        [
            ("Largest |eval − train|", _exact(comp.max_diff), "Over the whole batch."),
            (
                f"Eval mean, feature {f}",
                fmt(view.eval_col[0]),
                f"Mean of feature {f}'s outputs over the batch in eval mode. In "
                f"train mode it is {fmt(view.train_col[0])}.",
            ),
            (
                f"Eval std, feature {f}",
                fmt(view.eval_col[1]),
                f"Their standard deviation in eval mode (train mode: "
                f"{fmt(view.train_col[1])}). 0 and 1 only if the running statistics "
                "match this batch.",
            ),
            (
                "Largest |alone − eval|",
                _exact(comp.max_alone_diff),
                "Each example served alone in train mode, against its eval output.",
            ),
        ]
    )
    if s.norm != "batch" and comp.max_diff == 0:
        p.callout("success", T.SAME_EXACTLY.format(name=FAMILY_NAMES[s.norm]))
    rows = []
    for fam in PAGE_FAMILIES:
        c = view.families[fam]
        keeps = "yes: eval differs" if fam == "batch" else "none"
        rows.append(
            [FAMILY_NAMES[fam], keeps, _exact(c.max_diff), _exact(c.max_alone_diff)]
        )
    p.table(
        [
            "Family",
            "Running statistics",
            "Largest |eval − train|",
            "Largest |served alone − eval|",
        ],
        rows,
        align="llrr",
    )
    p.caption(T.FAMILIES_CAPTION)
    seen = set()
    for note in (*comp.train.notes, *comp.eval.notes):
        if note.code not in seen:
            seen.add(note.code)
            p.caption(note.message)


def _serving(p: Panel, view: LiveView) -> None:
    s, comp = view.state, view.comparison
    n = s.focus[0]
    p.heading(T.SERVE_TITLE)
    p.text(T.SERVE_INTRO.format(n=n))
    x = comp.x[n]
    in_train = comp.train.output.numpy()[n]
    in_eval = comp.eval.output.numpy()[n]
    p.table(
        [
            "Feature",
            "x",
            "Train, in its batch",
            "**Train, alone**",
            "Eval, in its batch",
            "**Eval, alone**",
        ],
        [
            [
                str(f),
                fmt(float(x[f])),
                fmt(float(in_train[f])),
                f"**{fmt(float(comp.alone_train[n, f]))}**",
                fmt(float(in_eval[f])),
                f"**{fmt(float(comp.alone_eval[n, f]))}**",
            ]
            for f in range(s.features)
        ],
        align="rrrrrr",
    )
    if s.norm == "batch":
        p.text(T.SERVE_BN)
    else:
        p.text(T.SERVE_OTHER.format(name=FAMILY_NAMES[s.norm]))


def _variance(p: Panel, view: LiveView) -> None:
    v = view.variance
    p.heading(T.VAR_TITLE)
    p.formula(T.VAR_FORMULA)
    if v is None:
        p.caption(T.VAR_NONE)
        return
    if v.unbiased is None:
        p.text(T.VAR_ONE.format(step=v.step, f=v.feature, before=fmt(v.var_before)))
        return
    nbt = int(view.trace.num_batches_tracked[v.step])
    m = f"1/{nbt}" if v.cumulative else fmt(v.factor)
    p.text(
        T.VAR_BODY.format(
            step=v.step,
            f=v.feature,
            n=v.n,
            mean=fmt(v.mean),
            ss=fmt(v.sum_sq),
            biased=fmt(v.biased),
            unbiased=fmt(v.unbiased),
            ratio=fmt(v.n / (v.n - 1)),
            m=m,
            before=fmt(v.var_before),
            after=fmt(v.var_after),
            mbefore=fmt(v.mean_before),
            mafter=fmt(v.mean_after),
        )
    )
    if v.cumulative:
        p.caption(T.VAR_CUMULATIVE.format(nbt=nbt, step=v.step))
    p.caption(T.VAR_WHY)
