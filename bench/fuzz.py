"""The long fuzz: every page, hostile links and random interactions, zero exceptions.

    python -m bench.fuzz                      # 300 examples a page, every page
    python -m bench.fuzz --pages lab why --examples 50

The same fuzzer as the short run in the tests (bench/fuzzing.py), with new
random examples each run. Prints, per page, the examples run, the runs of the
page they made, and the time; stops at the first failure with hypothesis's
shrunk example. The totals are recorded in bench/fuzz.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Pages run in this process (AppTest), with training shortened here: no worker
# pool, whose processes would train at full length (tests/app/conftest.py).
os.environ["NORMLAB_WORKERS"] = "0"

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as hs  # noqa: E402

from bench.fuzzing import PAGES, fuzz_once, light_training  # noqa: E402

RECORD = ROOT / "bench" / "fuzz.json"


def run_page(name: str, examples: int) -> dict:
    page = PAGES[name]
    count = {"examples": 0, "interactions": 0}

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=hs.data())
    def fuzz(data: hs.DataObject) -> None:
        count["examples"] += 1
        count["interactions"] += len(fuzz_once(data, page)) - 1

    start = time.perf_counter()
    fuzz()
    return {**count, "seconds": round(time.perf_counter() - start, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    ap.add_argument("--examples", type=int, default=300)
    args = ap.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # bare-mode chatter
    results = {}
    with light_training():
        for name in args.pages:
            results[name] = run_page(name, args.examples)
            r = results[name]
            print(
                f"{name:11s} {r['examples']:4d} links, {r['interactions']:4d} "
                "interactions, 0 exceptions, "
                f"{r['seconds']:.0f} s",
                flush=True,
            )
    record = json.loads(RECORD.read_text()) if RECORD.exists() else {}
    record.update(
        {
            name: {**r, "date": time.strftime("%Y-%m-%d"), "load": os.getloadavg()[0]}
            for name, r in results.items()
        }
    )
    RECORD.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
