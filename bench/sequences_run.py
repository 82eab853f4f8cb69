"""Time the Sequences & padding page's computations, and regenerate its shipped run.

    python -m bench.sequences_run              # time them in a fresh process
    python -m bench.sequences_run --write      # regenerate the shipped file

What a first visitor to a new setting waits for: the real run (three models
trained, seconds on a 2-core CPU, in a worker on a server), and what every
move of a batch control costs the script thread (the batch normalized four
ways with its torch.nn checks, the corruption sweep, the running statistics
of two BatchNorm layers over the training stream).

``--write`` recomputes the default seed's run with the page's code, times it,
and writes assets/sequences_default.json, which the page loads instead of
training on a first visit (`lab.sequences.cache`);
tests/unit/sequences/test_cache.py checks the file matches what the code
computes now.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
import torch
from dataclasses import replace
from lab.sequences import run as R
from lab.sequences.panels import batch_panel, build_page, focus_panel, top_panel
from lab.sequences.state import SeqState
out = {{}}
t = time.perf_counter()
R.compute(1)
out["the real run, seed 1 (3 models)"] = time.perf_counter() - t
for name, state in (
    ("a batch control moved (first view)", SeqState()),
    ("the short length moved (new lengths)", SeqState(short=1)),
    ("the features moved (a new batch)", SeqState(short=1, features=7)),
    ("another family (same batch)", SeqState(short=1, features=7, norm="layer")),
    ("a token clicked (same batch)", SeqState(short=1, features=7, focus=(5, 3))),
):
    t = time.perf_counter()
    n = build_page(state)
    top_panel(n), focus_panel(n), batch_panel(n)
    out[name] = time.perf_counter() - t
print(json.dumps(out))
"""


def write_shipped() -> None:
    """Compute the default run in this process and ship it."""
    sys.path.insert(0, str(ROOT))
    from lab.sequences import cache
    from lab.sequences import run as R

    R.forget()
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    result = R.compute(cache.DEFAULT_SEED)
    seconds = time.perf_counter() - t0
    cache.SHIPPED.write_text(cache.to_json(result), encoding="utf-8")
    print(
        f"computed the default run in {seconds:.2f} s (load {load:.1f}); wrote "
        f"{cache.SHIPPED.relative_to(ROOT)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--write",
        action="store_true",
        help="regenerate assets/sequences_default.json (and time it)",
    )
    args = ap.parse_args()
    if args.write:
        write_shipped()
        return
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        check=True,
    )
    timings = json.loads(done.stdout.strip().splitlines()[-1])
    width = max(map(len, timings))
    for k, v in timings.items():
        print(f"{k:<{width}}  {v * 1000:8.1f} ms")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
