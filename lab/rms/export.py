"""Take the page's numbers home: CSV files and the PyTorch code for the view.

The code rebuilds the invariance table's inputs with numpy (the same draws as
`lab.rms.invariance.inputs`) and computes every cell with torch.nn modules, and
the mean section's example with nn.LayerNorm and nn.RMSNorm: a student checks
the page against torch themselves, and a test runs the code and compares.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from lab.core.norms import FAMILY_NAMES
from lab.rms.invariance import D_IN, FAMILIES, GROUPS, TRANSFORMS, C, N, Table
from lab.rms.rows import WIDTH, EpsCompare
from lab.rms.state import PAGE, RmsState
from lab.rms.timing import IMPLS, PASSES, QUANTILES, Timing
from lab.rms.training import VARIANTS, TrainRun


def _header(state: RmsState, what: str) -> str:
    query = urlencode(PAGE.to_params(state))
    return f"# Normalization Lab, LayerNorm vs RMSNorm: {what}\n# link: ?{query}\n"


def table_csv(state: RmsState, table: Table) -> str:
    """Every cell: the change with the page's ε, with ε → 0, the verdict, why."""
    buf = io.StringIO()
    buf.write(_header(state, f"invariance table, dtype {table.dtype}"))
    buf.write("transformation,family,eps,change,change_eps_to_0,verdict,reasons\n")
    for t in TRANSFORMS:
        for f in FAMILIES:
            cell = table.cell(t.key, f)
            buf.write(
                f"{t.key},{f},{cell.eps:.9g},{cell.change:.9g},{cell.limit:.9g},"
                f"{cell.verdict},{' '.join(cell.reasons)}\n"
            )
    return buf.getvalue()


def eps_csv(state: RmsState, e: EpsCompare) -> str:
    buf = io.StringIO()
    buf.write(_header(state, f"output RMS against input RMS, {e.dtype}"))
    buf.write("input_rms," + ",".join(c.key for c in e.convs) + "\n")
    for j, s in enumerate(e.scales):
        buf.write(f"{s:.9g}," + ",".join(f"{v:.9g}" for v in e.out[:, j]) + "\n")
    return buf.getvalue()


def timing_csv(state: RmsState, t: Timing) -> str:
    """Seconds per call: every dtype, pass, hidden size, implementation, quantile."""
    buf = io.StringIO()
    buf.write(_header(state, f"timing on {t.device_name}, {t.tokens} tokens"))
    buf.write(
        f"# torch {t.torch_version}, threads {t.threads}, load {t.load_before:.2f}"
        f" -> {t.load_after:.2f}, cpu share {t.cpu_share:.3f}\n"
    )
    buf.write("dtype,pass,hidden,implementation,rounds,p10_s,median_s,p90_s\n")
    assert QUANTILES == (0.1, 0.5, 0.9)
    for d, dt in enumerate(t.dtypes):
        for p, pass_ in enumerate(PASSES):
            for h, size in enumerate(t.sizes):
                for i, impl in enumerate(IMPLS):
                    q = t.seconds[d, p, h, i]
                    buf.write(
                        f"{dt},{pass_},{size},{impl},{t.rounds[d, p, h]},"
                        f"{q[0]:.6g},{q[1]:.6g},{q[2]:.6g}\n"
                    )
    return buf.getvalue()


def training_csv(state: RmsState, run: TrainRun) -> str:
    buf = io.StringIO()
    buf.write(_header(state, "training comparison, per step"))
    cols = [f"{v}_{k}" for v in VARIANTS for k in ("loss", "seconds")]
    buf.write("step," + ",".join(cols) + "\n")
    for t in range(run.losses.shape[1]):
        vals = [
            f"{run.losses[i, t]:.9g},{run.step_seconds[i, t]:.6g}"
            for i in range(len(VARIANTS))
        ]
        buf.write(f"{t + 1}," + ",".join(vals) + "\n")
    return buf.getvalue()


def torch_snippet(state: RmsState) -> str:
    """PyTorch code that recomputes the view's table and example with torch.nn."""
    s = state
    dtype = f"torch.{s.dtype}"
    eps = "None" if s.eps is None else repr(float(s.eps))
    names = {f: FAMILY_NAMES[f] for f in FAMILIES}
    return f'''"""The LayerNorm vs RMSNorm page's view, recomputed with torch.nn."""
import math

import numpy as np
import torch
from torch import nn

c, delta, dtype, seed = {float(s.c)!r}, {float(s.delta)!r}, {dtype}, {int(s.seed)}
eps = {eps}  # None: each module's default (RMSNorm: finfo(dtype).eps)

# the layer before the norm: x = h W^T, {N} examples, {D_IN} inputs, {C} features
rng = np.random.default_rng([seed, 16])
h = torch.tensor(rng.standard_normal(({N}, {D_IN})), dtype=dtype)
W = torch.tensor(rng.standard_normal(({C}, {D_IN})) / math.sqrt({D_IN}), dtype=dtype)


def kw(default):
    return {{"eps": default if eps is None else eps}}


def batch_norm(x):  # training mode: the batch's own statistics
    return nn.functional.batch_norm(x, None, None, training=True, **kw(1e-5))


norms = {{
    "{names["batch"]}": batch_norm,
    "{names["layer"]}": nn.LayerNorm({C}, dtype=dtype, **kw(1e-5)),
    "{names["rms"]}": nn.RMSNorm({C}, dtype=dtype, **kw(None)),
    "{names["group"]}": nn.GroupNorm({GROUPS}, {C}, dtype=dtype, **kw(1e-5)),
}}


def transformed(key):
    x = h @ W.T
    if key == "weight_scale":
        return h @ (c * W).T
    if key == "weight_shift":
        return h @ (W + delta).T
    if key == "batch_shift":
        return (h + delta) @ W.T
    x = x.clone()
    if key == "example_scale":
        x[0] = c * x[0]
    elif key == "example_shift":
        x[0] = x[0] + delta
    elif key == "feature_scale":
        x[:, 0] = c * x[:, 0]
    elif key == "batch_scale":
        x = c * x
    return x


changes = {{}}  # (transformation, family) -> max |y' - y|, or None if refused
with torch.no_grad():
    x = h @ W.T
    for key in {[t.key for t in TRANSFORMS]!r}:
        for name, norm in norms.items():
            try:
                y, y2 = norm(x), norm(transformed(key))
            except ValueError:  # BatchNorm refuses eps = 0 in training
                changes[(key, name)] = None
                continue
            ok = bool(torch.isfinite(y).all() and torch.isfinite(y2).all())
            changes[(key, name)] = float((y2 - y).abs().max()) if ok else math.nan
        print(key, {{n: changes[(key, n)] for n in norms}})

# the mean survives RMSNorm: one example of {WIDTH} features, std 1, mean {s.mean:g}
z = np.random.default_rng([seed, 17]).standard_normal({WIDTH})
example = torch.tensor((z - z.mean()) / z.std() + {float(s.mean)!r}, dtype=dtype)
with torch.no_grad():
    y_ln = nn.LayerNorm({WIDTH}, dtype=dtype, **kw(1e-5))(example)
    y_rms = nn.RMSNorm({WIDTH}, dtype=dtype, **kw(None))(example)
a, b = y_ln.double(), y_rms.double()
cos = float(a @ b / (a.norm() * b.norm()))
angle = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
print("LayerNorm output mean", float(y_ln.double().mean()))
print("RMSNorm output mean", float(y_rms.double().mean()), "angle", angle)
'''
