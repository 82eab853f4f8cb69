"""Take the page's numbers home: the token matrix and the statistics as CSV,
and "PyTorch code for this view".

The CSVs say what produced them (the settings and the link) and print float32
values with 9 significant digits, enough to read back the exact float32. The
code writes the batch's values out (the real tokens of each sequence and the
pad) and normalizes them with ``torch.nn`` modules, so a student can check the
page against torch themselves; a test runs it and compares with the page.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import numpy as np

from lab.sequences.model import NAMES, build_view
from lab.sequences.state import PAGE, SeqState


def describe(s: SeqState) -> str:
    """One line naming everything that determines the numbers."""
    parts = [
        f"family={NAMES[s.norm]}",
        f"N={s.batch}",
        f"T={s.tokens}",
        f"C={s.features}",
        f"lengths={s.lengths}",
        f"short={s.short}",
        f"pad={s.pad}" + (f"({s.padval:g})" if s.pad == "constant" else ""),
        f"data={s.data}",
    ]
    if s.data != "count":
        parts += [
            f"shift={s.shift:g}",
            f"drift={s.drift:g}",
            f"offset={s.offset:g}",
            f"spread={s.spread:g}",
            f"outlier={s.outlier:g}",
        ]
    return ", ".join([*parts, f"seed={s.seed}"])


def _header(s: SeqState, what: str) -> str:
    query = urlencode(PAGE.to_params(s))
    return (
        f"# Normalization Lab, Sequences & padding: {what}\n"
        f"# {describe(s)}\n# link: ?{query}\n"
    )


def _g(v: float) -> str:
    return f"{float(v):.9g}"


def tokens_csv(state: SeqState) -> str:
    """Every position of the padded batch: where it is, whether it is real,
    its C values x and the shown family's outputs y."""
    view = build_view(state.spec)
    b = view.batch
    n, t, c = b.x.shape
    x, y = b.rows(), view.families[state.norm].y
    buf = io.StringIO()
    buf.write(_header(state, f"token matrix, y = {NAMES[state.norm]}"))
    cols = [f"x_{j}" for j in range(c)] + [f"y_{j}" for j in range(c)]
    buf.write("row,sequence,position,real," + ",".join(cols) + "\n")
    for r in range(n * t):
        seq, pos = divmod(r, t)
        values = ",".join(_g(v) for v in (*x[r], *y[r]))
        buf.write(f"{r},{seq},{pos},{int(b.mask[seq, pos])},{values}\n")
    return buf.getvalue()


def stats_csv(state: SeqState) -> str:
    """Every statistic the shown family used: what it pooled (how many cells,
    how many of them pads), μ, σ² (RMSNorm: the mean square), √(σ² + ε)."""
    view = build_view(state.spec)
    r = view.families[state.norm].result
    b = view.batch
    buf = io.StringIO()
    buf.write(_header(state, f"statistics of {NAMES[state.norm]} (eps={r.eps:g})"))
    second = "mean_square" if state.norm == "rms" else "variance"
    var = r.var.double().numpy()
    mean = None if r.mean is None else r.mean.double().numpy()
    divisor = r.std.double().numpy()
    if state.norm in ("batch", "masked"):
        buf.write(f"channel,pooled,pads_pooled,mean,{second},divisor\n")
        pads = b.positions - b.real
        pooled, pads_pooled = (
            (b.real, 0) if state.norm == "masked" else (b.positions, pads)
        )
        for i in range(var.shape[0]):
            buf.write(
                f"{i},{pooled},{pads_pooled},{mean[i]:.17g},{var[i]:.17g},"
                f"{divisor[i]:.17g}\n"
            )
        return buf.getvalue()
    buf.write(f"row,sequence,position,real,pooled,mean,{second},divisor\n")
    t = state.tokens
    for i in range(var.shape[0]):
        seq, pos = divmod(i, t)
        m = "" if mean is None else f"{mean[i]:.17g}"
        buf.write(
            f"{i},{seq},{pos},{int(b.mask[seq, pos])},{state.features},{m},"
            f"{var[i]:.17g},{divisor[i]:.17g}\n"
        )
    return buf.getvalue()


def read_tokens_csv(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, real) from `tokens_csv` (for tests and notebooks)."""
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    head = lines[0].split(",")
    c = sum(1 for h in head if h.startswith("x_"))
    rows = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]])
    x = rows[:, 4 : 4 + c].astype(np.float32)
    return x, rows[:, 4 + c :].astype(np.float32), rows[:, 3].astype(bool)


def _floats(values: np.ndarray) -> str:
    """Python float literals (``1.0``, not ``1``: torch reads those as floats)."""
    out = []
    for v in values:
        s = _g(v)
        out.append(s + ".0" if s.lstrip("-").isdigit() else s)
    return "[" + ", ".join(out) + "]"


_BN_ONE = [
    "",
    "",
    "def batchnorm(v):",
    "    # torch refuses one value per channel in training ('Expected more than 1",
    "    # value per channel when training'): each channel's mean is that value, so",
    "    # x - mean = 0 and the output is beta (0). The formula, as the page does:",
    "    if v.shape[0] == 1:",
    "        return torch.zeros_like(v)",
    "    return nn.BatchNorm1d(C)(v)",
]


def torch_snippet(state: SeqState) -> str:
    """Runnable Python that rebuilds this batch and normalizes it with torch.nn;
    its ``y`` (the shown family's output at the real tokens, in order) equals
    the page's."""
    view = build_view(state.spec)
    b = view.batch
    n, t, c = b.x.shape
    lines = [
        "import torch",
        "from torch import nn",
        "",
        f"# {describe(state)}",
        f"N, T, C = {n}, {t}, {c}",
        f"pad = torch.tensor({_floats(b.pad)})  # what a padded position holds",
        "f32 = torch.float32",
        "tokens = [  # the real tokens of each sequence, one list of C values each",
    ]
    for i, length in enumerate(b.lengths.tolist()):
        rows = ", ".join(_floats(b.x[i, k]) for k in range(length))
        lines.append(f"    [{rows}],  # sequence {i}: {length} real")
    lines += [
        "]",
        "x = pad.repeat(N, T, 1)  # N,T,C: pads everywhere, then the real tokens",
        "mask = torch.zeros(N, T, dtype=torch.bool)  # True at a real token",
        "for i, seq in enumerate(tokens):",
        "    if seq:",
        "        x[i, : len(seq)] = torch.tensor(seq, dtype=f32)",
        "        mask[i, : len(seq)] = True",
        "rows, real = x.reshape(N * T, C), mask.reshape(N * T)",
        *_BN_ONE,
        "",
        "",
        "with torch.no_grad():",
        "    # BatchNorm over all N*T positions: the pads are in its statistics",
        "    y_batch = batchnorm(rows)[real]",
        "    # with a padding mask: the real tokens only, packed (no pad anywhere)",
        "    y_masked = batchnorm(rows[real]) if real.any() else rows[real]",
        "    # LayerNorm and RMSNorm: each token over its own C features",
        "    y_layer = nn.LayerNorm(C)(x)[mask]",
        "    y_rms = nn.RMSNorm(C)(x)[mask]",
        "    alone = {",
        '        "LayerNorm": nn.LayerNorm(C)(x.reshape(N * T, C)[real]),',
        '        "RMSNorm": nn.RMSNorm(C)(x.reshape(N * T, C)[real]),',
        "    }",
        "",
        "if real.any():",
        '    print("largest change padding made to a real token:")',
        '    print("  BatchNorm", (y_batch - y_masked).abs().max().item())',
        '    print("  LayerNorm", (y_layer - alone["LayerNorm"]).abs().max().item())',
        '    print("  RMSNorm  ", (y_rms - alone["RMSNorm"]).abs().max().item())',
        f"y = y_{state.norm}  # {NAMES[state.norm]} at the real tokens, in order",
        "print(y)",
    ]
    return "\n".join(lines) + "\n"
