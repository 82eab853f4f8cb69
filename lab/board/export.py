"""Take the Lab's numbers home: CSV files and "PyTorch code for this view".

The CSVs carry a header saying what produced them, and print float32 values with
9 significant digits, which is enough to read back the exact float32. The code
snippet rebuilds the very same input with numpy and normalizes it with
``torch.nn`` modules, so a student can check the page against torch themselves;
a test runs it and compares with the page.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import numpy as np

from lab.board.model import WARMUP_BATCH, WARMUP_MOMENTUM, WARMUP_STEPS, Board
from lab.board.state import PAGE, BoardState
from lab.core.activations import MAX_BATCH, MAX_FEATURES, OUTLIER_ROW
from lab.core.families import SET_NAME
from lab.core.norms import FAMILY_NAMES


def describe(state: BoardState) -> str:
    """One line naming everything that determines the numbers."""
    s = state
    eps = "default" if s.eps is None else f"{s.eps:g}"
    parts = [
        f"family={FAMILY_NAMES[s.norm]}",
        f"mode={s.mode}",
        f"batch={s.batch}",
        f"features={s.features}",
    ]
    if s.norm == "group":
        parts.append(f"groups={s.groups}")
    parts += [
        f"shift={s.shift:g}",
        f"drift={s.drift:g}",
        f"offset={s.offset:g}",
        f"spread={s.spread:g}",
        f"outlier={s.outlier:g}",
        f"seed={s.seed}",
        f"gamma={s.gamma:g}",
        f"beta={s.beta:g}",
        f"eps={eps}",
    ]
    if not s.training:
        parts.append(f"stale={s.stale:g}")
    return ", ".join(parts)


def _header(board: Board, what: str) -> str:
    query = urlencode(PAGE.to_params(board.state))
    return f"# Normalization Lab: {what}\n# {describe(board.state)}\n# link: ?{query}\n"


def matrix_csv(board: Board, which: str) -> str:
    """The raw (``"raw"``) or normalized (``"out"``/``"normalized"``) matrix as CSV."""
    if which not in ("raw", "out", "normalized"):
        raise ValueError("which must be 'raw' or 'out'")
    data = board.x if which == "raw" else board.y
    what = "raw activations x" if which == "raw" else "normalized output y"
    buf = io.StringIO()
    buf.write(_header(board, what))
    cols = ",".join(f"feature_{j}" for j in range(data.shape[1]))
    buf.write(f"example,{cols}\n")
    for i, row in enumerate(data):
        buf.write(f"{i}," + ",".join(f"{v:.9g}" for v in row) + "\n")
    return buf.getvalue()


def stats_csv(board: Board) -> str:
    """Every statistic the layer used: what it pooled, μ, σ², √(σ² + ε)."""
    r = board.result
    s = board.state
    k = r.num_stats
    pool = r.pool.numpy()
    buf = io.StringIO()
    source = (
        "running estimates from training"
        if r.from_running
        else f"pooled over {r.pool_size} cell{'s' if r.pool_size > 1 else ''}"
    )
    buf.write(_header(board, f"statistics ({source}, eps={r.eps:g})"))
    mean_name = "mean" if r.mean is not None else "mean (not used by RMSNorm)"
    var_name = "mean_square" if s.norm == "rms" else "variance"
    buf.write(f"statistic,{SET_NAME[s.norm]},{mean_name},{var_name},divisor\n")
    var = r.var.double().numpy()
    mean = None if r.mean is None else r.mean.double().numpy()
    divisor = r.std.double().numpy()
    for i in range(k):
        rows, cols = np.nonzero(pool == i)
        where = _where(s, rows, cols)
        m = "" if mean is None else f"{mean[i]:.17g}"
        buf.write(f"{i},{where},{m},{var[i]:.17g},{divisor[i]:.17g}\n")
    return buf.getvalue()


def _where(s: BoardState, rows: np.ndarray, cols: np.ndarray) -> str:
    if s.norm == "batch":
        return f"feature {cols[0]}"
    if s.norm == "group":
        return f"example {rows[0]} features {cols.min()}-{cols.max()}"
    return f"example {rows[0]}"


def read_matrix_csv(text: str) -> np.ndarray:
    """Read a matrix written by `matrix_csv` back (for tests and notebooks)."""
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return np.array(
        [[float(v) for v in ln.split(",")[1:]] for ln in lines[1:]], dtype=np.float32
    )


def _n(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _eps_value(state: BoardState) -> float:
    """The ε the snippet's module uses (RMSNorm's default is the float32 one)."""
    if state.eps is not None:
        return state.eps
    return float(np.finfo(np.float32).eps) if state.norm == "rms" else 1e-5


def torch_snippet(state: BoardState) -> str:
    """Runnable Python that rebuilds this view's input and output with torch.nn.

    It reproduces `lab.core.activations` draw for draw (same numpy generators, same
    order of operations, float32 at the same point) so its ``y`` equals the page.
    Where torch.nn refuses the input or rounds a degenerate one differently
    (BatchNorm on one example in training; GroupNorm with one value per group),
    the code says so in a comment and computes the formula instead, as the
    engine does, so it runs for every view the page can show.
    """
    s = state
    fam = s.norm
    eps = s.eps
    lines = [
        "import numpy as np",
        "import torch",
        "from torch import nn",
        "",
        f"# The Lab's input: seed {s.seed}, {_n(s.batch, 'example')} x "
        f"{_n(s.features, 'feature')}.",
        f"SEED, B, F = {s.seed}, {s.batch}, {s.features}",
        f"u, v = np.random.default_rng([SEED, 1]).standard_normal((2, {MAX_FEATURES}))"
        "[:, :F]  # per feature",
        "",
        "",
        "def make_batch(rng, n, outlier=1.0):",
        f"    z = rng.standard_normal(({MAX_BATCH}, {MAX_FEATURES}))[:n, :F]"
        "  # examples x features",
        f"    w, s = rng.standard_normal((2, {MAX_BATCH}))[:, :n]  # per example",
        f"    x = z * np.exp({s.drift!r} * v) + {s.shift!r} * u"
        "  # feature scale drift, mean shift",
        f"    x = x * np.exp({s.spread!r} * s)[:, None] + {s.offset!r} * w[:, None]"
        "  # example scale, offset",
        f"    x[{OUTLIER_ROW}] *= outlier  # the outlier example",
        "    return torch.from_numpy(x.astype(np.float32))",
        "",
        "",
        f"x = make_batch(np.random.default_rng([SEED, 2]), B, outlier={s.outlier!r})",
    ]
    if fam == "batch":
        eps_arg = 1e-5 if eps is None else eps
        lines += [
            f"norm = nn.BatchNorm1d(F, eps={eps_arg!r}, momentum={WARMUP_MOMENTUM!r})",
        ]
    elif fam == "layer":
        lines += [f"norm = nn.LayerNorm(F, eps={1e-5 if eps is None else eps!r})"]
    elif fam == "rms":
        lines += [
            f"norm = nn.RMSNorm(F, eps={eps!r})"
            + ("  # None: float32 machine epsilon" if eps is None else "")
        ]
    else:
        lines += [
            f"norm = nn.GroupNorm({s.groups}, F, eps={1e-5 if eps is None else eps!r})"
        ]
    lines += ["with torch.no_grad():", f"    norm.weight.fill_({s.gamma!r})"]
    if fam != "rms":
        lines += [f"    norm.bias.fill_({s.beta!r})"]
    if fam == "batch" and not s.training:
        lines += [
            "",
            f"# Running statistics from {WARMUP_STEPS} training batches of "
            f"{WARMUP_BATCH} (no outlier).",
            "train_rng = np.random.default_rng([SEED, 3])",
            "with torch.no_grad():",
            f"    for _ in range({WARMUP_STEPS}):",
            f"        norm(make_batch(train_rng, {WARMUP_BATCH}))",
            "norm.eval()",
        ]
    if not s.training and s.stale:
        lines += [
            "# The data moved since training: each feature by "
            f"{s.stale!r} of its own std.",
            f"x = x + torch.from_numpy(({s.stale!r} * np.exp({s.drift!r} * v))"
            ".astype(np.float32))",
        ]
    eps_used = _eps_value(s)
    if fam == "batch" and s.training and s.batch == 1:
        lines += [
            "",
            "# torch refuses this ('Expected more than 1 value per channel when "
            "training'):",
            "# each column holds one value, its own mean, so x - mean = 0 and every",
            "# output is beta. The formula, as the Lab computes it:",
            "mean = x.mean(0)",
            "var = x.var(0, unbiased=False)",
            f"y = (x - mean) / torch.sqrt(var + {eps_used!r}) * norm.weight.detach() "
            "+ norm.bias.detach()",
            "print(y)",
        ]
    elif fam == "group" and s.groups == s.features:
        lines += [
            "",
            "# One value per group. torch refuses a batch of one here ('Expected "
            "more than 1",
            "# value per channel when training'), and with more examples its float32",
            "# rounding leaves x - mean slightly off 0, then divides by sqrt(eps).",
            "# Each group's mean is its one value, so x - mean = 0 and every output "
            "is beta.",
            "# The formula, as the Lab computes it:",
            "xg = x.reshape(B, norm.num_groups, -1)  # examples x groups x features",
            "mean = xg.mean(-1, keepdim=True)",
            "var = xg.var(-1, unbiased=False, keepdim=True)",
            f"xhat = ((xg - mean) / torch.sqrt(var + {eps_used!r})).reshape(B, F)",
            "y = xhat * norm.weight.detach() + norm.bias.detach()",
            "print(y)",
        ]
    else:
        lines += ["", "y = norm(x).detach()", "print(y)"]
    return "\n".join(lines) + "\n"
