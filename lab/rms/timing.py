"""How much faster is RMSNorm, measured on this server: LayerNorm and RMSNorm,
fused and unfused, timed over hidden sizes, dtypes and passes.

Zhang & Sennrich (2019) report that RMSNorm cuts running time by 7%–64%
against LayerNorm. Whether it does here depends on the kernels this build of
torch has: `run_timing` times ``F.layer_norm`` against ``F.rms_norm`` (the
library's own kernels) and an unfused reference of each written with tensor
ops, forward and forward + backward, float32 and (where the device supports
it) bfloat16, and records how ``F.rms_norm`` ran (one kernel, or several ops)
so the page can say why the numbers look as they do.

Honest timing on a shared machine:

- the four implementations are timed *interleaved*, one call each per round,
  so a burst of load from another process hits all four alike, and the
  RMSNorm/LayerNorm ratio of each round is kept (the ratio's spread is that
  of paired rounds);
- warm-up calls first, then rounds until a time budget or a round count;
  medians and the 10th/90th percentiles are kept;
- the load average before and after, and the share of a core the timing
  process got (CPU time ÷ wall time) are recorded, because a worker timing
  while another process runs measures the other process too.

Runs single-threaded on the CPU, as this server runs torch (lab/core/threads.py);
on a CUDA device the same code times on the GPU, synchronizing after each call.
Pure torch and numpy: runs in a worker process (lab.core.workers).
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from lab.core.threads import one_thread
from lab.core.workers import Report

HIDDEN_SIZES: tuple[int, ...] = (256, 512, 1024, 2048, 4096, 8192)
TOKENS: tuple[int, ...] = (1, 16, 128, 512)
"""Token counts a run may time: one token (a decoding step) up to 512 (a
short prefill). Larger counts would take longer than a few seconds per run
with the unfused backward passes on one CPU core."""
IMPLS: tuple[str, ...] = ("layer", "rms", "layer_ref", "rms_ref")
IMPL_NAMES: Mapping[str, str] = {
    "layer": "F.layer_norm",
    "rms": "F.rms_norm",
    "layer_ref": "LayerNorm, tensor ops",
    "rms_ref": "RMSNorm, tensor ops",
}
PASSES: tuple[str, ...] = ("forward", "backward")
""""forward": the norm alone; "backward": forward and backward together."""
DTYPES: tuple[str, ...] = ("float32", "bfloat16")
EPS = 1e-6  # the same ε for every implementation: the work does not depend on it
WARMUP = 2
MIN_ROUNDS = 3
MAX_ROUNDS = 21
BUDGET = 2.0
"""Seconds a whole run may take, about: split evenly over its groups (one
hidden size, dtype and pass), each timed for at least MIN_ROUNDS rounds."""
QUANTILES = (0.1, 0.5, 0.9)


def layer_ref(x: Tensor, w: Tensor, b: Tensor, eps: float) -> Tensor:
    """LayerNorm written with tensor ops: two reductions (mean, variance)."""
    mu = x.mean(-1, keepdim=True)
    xc = x - mu
    var = xc.pow(2).mean(-1, keepdim=True)
    return xc * torch.rsqrt(var + eps) * w + b


def rms_ref(x: Tensor, w: Tensor, eps: float) -> Tensor:
    """RMSNorm written with tensor ops: one reduction (the mean square)."""
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def implementations(
    hidden: int,
) -> dict[str, Callable[[Tensor, Tensor, Tensor], Tensor]]:
    """Each implementation as ``f(x, weight, bias)`` (RMSNorm ignores the bias)."""
    shape = (hidden,)
    return {
        "layer": lambda x, w, b: F.layer_norm(x, shape, w, b, EPS),
        "rms": lambda x, w, b: F.rms_norm(x, shape, w, EPS),
        "layer_ref": lambda x, w, b: layer_ref(x, w, b, EPS),
        "rms_ref": lambda x, w, b: rms_ref(x, w, EPS),
    }


def device_name(device: str) -> str:
    """What ran the timing, in words: the GPU's name, or the CPU's."""
    if device == "cuda":
        return torch.cuda.get_device_name(0)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu} ({torch.backends.cpu.get_cpu_capability()})"


def bf16_supported(device: str) -> bool:
    """Whether bfloat16 runs natively here: a GPU that says so, or a CPU with
    the instructions oneDNN needs (AVX-512 BF16 or AMX)."""
    if device == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def kernel_of(impl: str, device: str, dtype: torch.dtype) -> str:
    """The autograd node that ``impl`` leaves behind: one node named after a
    norm means one fused kernel; ``MulBackward0`` means the norm ran as
    several tensor ops (what ``F.rms_norm`` does on CPU in torch 2.13)."""
    x = torch.randn(2, 8, device=device, dtype=dtype, requires_grad=True)
    w = torch.ones(8, device=device, dtype=dtype, requires_grad=True)
    b = torch.zeros(8, device=device, dtype=dtype, requires_grad=True)
    y = implementations(8)[impl](x, w, b)
    return type(y.grad_fn).__name__


@dataclass(frozen=True, eq=False)
class Timing:
    """One run's measurements: seconds per call, indexed [dtype, pass, hidden,
    impl, quantile], NaN where not timed; ``ratio``: RMSNorm ÷ LayerNorm time
    over paired rounds, [dtype, pass, hidden, pair, quantile] with pair 0 the
    library kernels and 1 the tensor-op references."""

    tokens: int
    device: str
    device_name: str
    dtypes: tuple[str, ...]
    sizes: tuple[int, ...]
    seconds: np.ndarray  # D,P,H,I,Q
    ratio: np.ndarray  # D,P,H,2,Q
    rounds: np.ndarray  # D,P,H  rounds timed
    kernels: Mapping[str, str]  # impl → autograd node of its output (float32)
    torch_version: str
    threads: int
    load_before: float
    load_after: float
    cpu_share: float  # CPU time ÷ wall time of this process during the run
    started: float  # time.time() at the start
    wall: float  # seconds the run took
    extra: Mapping[str, str] = field(default_factory=dict)

    def median(self, dtype: str, pass_: str, impl: str) -> np.ndarray:
        """Median seconds per call at every hidden size (H,)."""
        return self.seconds[
            self.dtypes.index(dtype), PASSES.index(pass_), :, IMPLS.index(impl), 1
        ]


def _stopwatch(device: str) -> Callable[[], float]:
    if device == "cuda":

        def now() -> float:
            torch.cuda.synchronize()
            return time.perf_counter()

        return now
    return time.perf_counter


def _group(
    hidden: int,
    tokens: int,
    dtype: torch.dtype,
    pass_: str,
    device: str,
    budget: float,
    max_rounds: int,
) -> np.ndarray:
    """Seconds of every call of each implementation: (rounds, I)."""
    g = torch.Generator(device="cpu").manual_seed(hidden * 7919 + tokens)
    x0 = torch.randn(tokens, hidden, generator=g).to(device=device, dtype=dtype)
    w = (1 + 0.1 * torch.randn(hidden, generator=g)).to(device=device, dtype=dtype)
    b = (0.1 * torch.randn(hidden, generator=g)).to(device=device, dtype=dtype)
    dy = torch.randn(tokens, hidden, generator=g).to(device=device, dtype=dtype)
    backward = pass_ == "backward"
    leaves = [t.requires_grad_(backward) for t in (x0, w, b)]
    fns = implementations(hidden)
    clock = _stopwatch(device)

    def call(fn: Callable) -> None:
        if not backward:
            with torch.no_grad():
                fn(x0, w, b)
            return
        for t in leaves:
            t.grad = None
        fn(x0, w, b).backward(dy)

    for fn in fns.values():
        for _ in range(WARMUP):
            call(fn)
    times: list[list[float]] = []
    end = clock() + budget
    while len(times) < max_rounds and (len(times) < MIN_ROUNDS or clock() < end):
        row = []
        for fn in fns.values():
            t0 = clock()
            call(fn)
            row.append(clock() - t0)
        times.append(row)
    return np.asarray(times, dtype=np.float64)  # R,I


def run_timing(
    tokens: int,
    progress: Report | None = None,
    *,
    sizes: tuple[int, ...] = HIDDEN_SIZES,
    budget: float = BUDGET,
    max_rounds: int = MAX_ROUNDS,
    device: str | None = None,
) -> Timing:
    """Time every implementation at ``tokens`` tokens for each hidden size.

    ``progress`` is called after each group; an exception from it abandons
    the run (nothing partial is returned).
    """
    if tokens < 1:
        raise ValueError("tokens must be at least 1")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtypes = tuple(d for d in DTYPES if d == "float32" or bf16_supported(device))
    shape = (len(dtypes), len(PASSES), len(sizes))
    seconds = np.full((*shape, len(IMPLS), len(QUANTILES)), np.nan)
    ratio = np.full((*shape, 2, len(QUANTILES)), np.nan)
    rounds = np.zeros(shape, dtype=np.int64)
    groups = math.prod(shape)
    with Meter() as meter, one_thread():
        threads = torch.get_num_threads() if device == "cpu" else 0
        kernels = {impl: kernel_of(impl, device, torch.float32) for impl in IMPLS}
        done = 0
        for d, name in enumerate(dtypes):
            dtype = getattr(torch, name)
            for p, pass_ in enumerate(PASSES):
                for h, hidden in enumerate(sizes):
                    if progress is not None:
                        progress(
                            done / groups, f"{name}, {pass_}, hidden size {hidden}"
                        )
                    t = _group(
                        hidden,
                        tokens,
                        dtype,
                        pass_,
                        device,
                        budget / groups,
                        max_rounds,
                    )  # R,I
                    seconds[d, p, h] = np.quantile(t, QUANTILES, axis=0).T
                    pairs = np.stack([t[:, 1] / t[:, 0], t[:, 3] / t[:, 2]], 1)
                    ratio[d, p, h] = np.quantile(pairs, QUANTILES, axis=0).T
                    rounds[d, p, h] = len(t)
                    done += 1
    if progress is not None:
        progress(1.0, "done")
    return Timing(
        tokens=int(tokens),
        device=device,
        device_name=device_name(device),
        dtypes=dtypes,
        sizes=tuple(sizes),
        seconds=seconds,
        ratio=ratio,
        rounds=rounds,
        kernels=kernels,
        torch_version=torch.__version__,
        threads=threads,
        **meter.record(),
    )


def _load() -> float:
    try:
        return float(os.getloadavg()[0])
    except OSError:
        return float("nan")


class Meter:
    """What a measurement on shared cores needs said with it: the load
    average before and after, the share of a core this process got (CPU time
    ÷ wall time), when it started and how long it took. ``with Meter() as m:``
    then ``m.record()`` gives them as keyword arguments of a run's result."""

    def __enter__(self) -> Meter:
        self.load_before = _load()
        self.started = time.time()
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        self.load_after = _load()

    def record(self) -> dict[str, float]:
        return {
            "load_before": self.load_before,
            "load_after": self.load_after,
            "cpu_share": self.cpu / self.wall if self.wall > 0 else math.nan,
            "started": self.started,
            "wall": self.wall,
        }


# ---- a worker's result as plain arrays (lab.core.workers) ----

_ARRAYS = ("seconds", "ratio", "rounds")


def timing_to_arrays(t: Timing) -> dict[str, np.ndarray]:
    meta = {k: v for k, v in asdict(t).items() if k not in _ARRAYS}
    return {"meta": np.array(json.dumps(meta))} | {k: getattr(t, k) for k in _ARRAYS}


def timing_from_arrays(arrays: Mapping[str, np.ndarray]) -> Timing:
    meta = json.loads(str(arrays["meta"]))
    meta["dtypes"] = tuple(meta["dtypes"])
    meta["sizes"] = tuple(int(s) for s in meta["sizes"])
    return Timing(**meta, **{k: np.asarray(arrays[k]) for k in _ARRAYS})


def timing_task(tokens: int, progress: Report) -> Timing:
    """`run_timing` for a worker process."""
    return run_timing(int(tokens), progress)
