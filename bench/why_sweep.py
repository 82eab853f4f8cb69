"""Time the "Why normalize" page's default runs; optionally write the shipped file.

    python -m bench.why_sweep            # time the default sweep (3 repeats)
    python -m bench.why_sweep --write    # also train every scenario with seeds
                                         # 0–4 and write assets/why_default.npz

The page promises the default sweep "in well under half a minute on a 2-core
CPU"; this measures it (wall clock, single-threaded torch as the page runs it)
and records the numbers in bench/why_sweep.json with the machine's load, since
other work on the same cores slows the runs. ``--write`` regenerates the
shipped default results with exactly the code the page runs, from the default
seed; tests/unit/why/test_arrays.py recomputes part of them and compares. It
also trains every scenario with each seed of `lab.why.verdicts.SEEDS` (no norm,
BatchNorm, LayerNorm, RMSNorm) and ships the seed table the page reads its
spread from, and each scenario's seed-0 sweep, so a scenario opens without
training.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from lab.why.arrays import save_results  # noqa: E402
from lab.why.cache import SHIPPED  # noqa: E402
from lab.why.models import VARIANTS  # noqa: E402
from lab.why.runs import run_sweep  # noqa: E402
from lab.why.state import PAGE, SCENARIOS  # noqa: E402
from lab.why.verdicts import SEEDS, seed_row  # noqa: E402
from lab.why.xiong import xiong_sweep  # noqa: E402

RECORD = ROOT / "bench" / "why_sweep.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write", action="store_true", help=f"write {SHIPPED.name}")
    args = ap.parse_args()

    state = PAGE.initial()
    config = state.config
    sweeps, xiongs = [], []
    for r in range(args.repeats):
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        sweep = run_sweep(config)
        t1 = time.perf_counter()
        xiong = xiong_sweep(state.seed)
        t2 = time.perf_counter()
        sweeps.append({"seconds": round(t1 - t0, 3), "load_1min": round(load, 2)})
        xiongs.append(round(t2 - t1, 3))
        per = ", ".join(f"{v} {run.seconds:.2f}" for v, run in sweep.runs.items())
        print(
            f"repeat {r}: sweep {t1 - t0:.2f} s ({per}); Xiong stacks "
            f"{t2 - t1:.2f} s; load {load:.2f}"
        )
    best = min(s["seconds"] for s in sweeps)
    print(f"default sweep: best {best:.2f} s of {args.repeats}; budget 30 s")
    record = {
        "what": "default sweep of pages/why.py: "
        f"{len(sweep.runs)} variants x {len(sweep.lrs)} learning rates, "
        f"{config.steps} steps, depth {config.depth}, width {config.width}, "
        f"batch {config.batch}; plus Xiong stacks",
        "config": config.__dict__,
        "sweep_runs": sweeps,
        "xiong_seconds": xiongs,
        "best_sweep_seconds": best,
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "torch": torch.__version__,
    }
    RECORD.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"recorded in {RECORD.relative_to(ROOT)}")
    if args.write:
        table, extra = {}, []
        t0 = time.perf_counter()
        for scenario in SCENARIOS:
            base = PAGE.base(scenario.key).config
            rows = []
            for seed in SEEDS:
                c = replace(base, seed=seed)
                if c == config:
                    s = sweep
                else:
                    variants = VARIANTS if seed == 0 else VARIANTS[:4]
                    s = run_sweep(c, variants=variants)
                if seed == 0 and c != config:
                    extra.append(s)
                rows.append(seed_row(s))
                his = rows[-1]["highest"]
                print(f"{scenario.key} seed {seed}: highest {his}", flush=True)
            table[scenario.key] = {"seeds": list(SEEDS), "rows": rows}
        print(f"seed table: {time.perf_counter() - t0:.1f} s")
        record["seed_table_seconds"] = round(time.perf_counter() - t0, 1)
        record["seed_table"] = table
        RECORD.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        save_results(SHIPPED, sweep, xiong, seeds=table, extra=extra)
        size = SHIPPED.stat().st_size / 1024
        print(f"wrote {SHIPPED.relative_to(ROOT)} ({size:.0f} KiB)")


if __name__ == "__main__":
    main()
