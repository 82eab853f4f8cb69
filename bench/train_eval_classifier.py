"""Time the Train vs eval page's computations, cold (a fresh process) and warm.

    python -m bench.train_eval_classifier              # 3 cold repeats, print
    python -m bench.train_eval_classifier --record     # also write the .json
    python -m bench.train_eval_classifier --write      # regenerate the shipped file

What the first visitor waits for is the cold number: importing torch is not
counted, but its first autograd and optimizer calls are. The page promises the
default view (three classifiers trained, the serving pitfall measured) in
under ~5 s on a 2-core CPU. Other work on the same cores slows everything, so
the machine's load average is recorded with the numbers.

``--write`` recomputes the default view's classifier results (every pitfall at
the default seed and shift) with the page's code, times it, and writes
assets/train_eval_default.json, which the page loads instead of training on a
first visit (`lab.train_eval.cache`); tests/unit/train_eval/test_cache.py checks
the file matches what the code computes now.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "bench" / "train_eval_classifier.json"

STEPS = {
    "default view (3 trainings + serving)": """
for fam in C.FAMILIES:
    K.serving_costs(fam, 0)
""",
    "stale pitfall (after the default view)": "K.stale_costs(0)",
    "fine-tuning pitfall, one shift": "K.finetune_costs(0, 1.0)",
    "stream trace (200 engine steps)": "S.stream_trace(S.StreamSpec(), 0.1)",
    "live panels, one new step": """
build_live(TrainEvalState(step=101))
""",
}

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
import torch
from lab.train_eval import classifier as C
from lab.train_eval import costs as K
from lab.train_eval import stream as S
from lab.train_eval.model import build_live
from lab.train_eval.state import TrainEvalState
out = {{}}
for name, code in {steps!r}.items():
    t = time.perf_counter()
    exec(code)
    out[name] = time.perf_counter() - t
t = time.perf_counter()
exec({warm!r})
out["live panels, warm (another step)"] = time.perf_counter() - t
print(json.dumps(out))
"""


def cold_run() -> dict[str, float]:
    code = CHILD.format(
        root=str(ROOT),
        steps=STEPS,
        warm="build_live(TrainEvalState(step=102))",
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_shipped() -> None:
    """Compute the default view's results in this process and ship them."""
    sys.path.insert(0, str(ROOT))
    from lab.train_eval import cache
    from lab.train_eval import classifier as C

    C.MEMO.clear()
    seed, shift = cache.DEFAULT.cseed, cache.DEFAULT.cshift
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    results = cache.compute(seed, shift)
    seconds = time.perf_counter() - t0
    cache.save(cache.SHIPPED, results, seed, shift)
    size = cache.SHIPPED.stat().st_size / 1024
    print(
        f"computed the default view's classifier results in {seconds:.2f} s "
        f"(load {load:.1f}); wrote {cache.SHIPPED.relative_to(ROOT)} ({size:.0f} KiB)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--record", action="store_true", help=f"write {RECORD.name}")
    ap.add_argument(
        "--write",
        action="store_true",
        help="regenerate assets/train_eval_default.json (and time it)",
    )
    args = ap.parse_args()
    if args.write:
        write_shipped()
        if not args.record:
            return
    load_before = os.getloadavg()
    runs = [cold_run() for _ in range(args.repeats)]
    load_after = os.getloadavg()
    medians = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    width = max(map(len, medians))
    for k, v in medians.items():
        spread = ", ".join(f"{r[k]:.2f}" for r in runs)
        print(f"{k:<{width}}  median {v:6.2f} s   ({spread})")
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}")
    if args.record:
        RECORD.write_text(
            json.dumps(
                {
                    "when": time.strftime("%Y-%m-%d %H:%M"),
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                    "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
                    "repeats": args.repeats,
                    "median_seconds": {k: round(v, 3) for k, v in medians.items()},
                    "runs_seconds": [
                        {k: round(v, 3) for k, v in r.items()} for r in runs
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"wrote {RECORD.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
