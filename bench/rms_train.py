"""Train the LayerNorm vs RMSNorm page's default comparison; optionally write
the shipped file.

    python -m bench.rms_train            # train the default view, print, record
    python -m bench.rms_train --write    # also the scenarios' runs, and write
                                         # assets/rms_train.json

The page shows the default view's training runs without training them on a
first visit: ``--write`` trains them (and every scenario's) with exactly the
code the page runs and ships them as JSON with a hash of that code
(`lab.rms.store.preload` loads them only while the hash matches;
tests/unit/rms/test_store.py retrains the default and compares). The losses
repeat on any machine; the step times are this machine's, with its load
average, and the page says so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from lab.rms.state import PAGE, SCENARIOS  # noqa: E402
from lab.rms.store import SHIPPED, save_shipped  # noqa: E402
from lab.rms.training import TrainConfig, train  # noqa: E402
from lab.rms.words import training_words  # noqa: E402

RECORD = ROOT / "bench" / "rms_train.json"


def config_of(key: str) -> TrainConfig:
    s = PAGE.base(key)
    return TrainConfig(s.blocks, s.width, s.steps, s.lr, s.tseed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"write {SHIPPED.name}")
    args = ap.parse_args()
    configs = [config_of(PAGE.default)]
    if args.write:
        for s in SCENARIOS:
            c = config_of(s.key)
            if c not in configs:
                configs.append(c)
    runs, record = [], []
    for c in configs:
        run = train(c)
        runs.append(run)
        words = training_words(run)
        print(f"{c}: {run.wall:.2f} s, load {run.load_before:.2f}")
        for w in words:
            print("  " + w)
        record.append(
            {
                "config": c.__dict__,
                "seconds": round(run.wall, 3),
                "final": {v: run.final(v) for v in ("layer", "rms")},
                "median_step_ms": {
                    v: round(run.median_step(v) * 1e3, 4) for v in ("layer", "rms")
                },
                "load_1min": round(run.load_before, 2),
                "cpu_share": round(run.cpu_share, 3),
            }
        )
    RECORD.write_text(
        json.dumps(
            {
                "runs": record,
                "cpu_count": os.cpu_count(),
                "machine": platform.machine(),
                "torch": torch.__version__,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"recorded in {RECORD.relative_to(ROOT)}")
    if args.write:
        save_shipped(SHIPPED, runs)
        size = SHIPPED.stat().st_size / 1024
        print(f"wrote {SHIPPED.relative_to(ROOT)} ({size:.0f} KiB)")


if __name__ == "__main__":
    main()
