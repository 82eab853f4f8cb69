"""The first move away from a scenario, on a fresh page, as a ratio to a bare
Streamlit app's first click on a fresh page.

Every link a course shares opens on a scenario, and a student's first move of
any control leaves it: the scenario box turns to "Custom" and its sentence to
"… changed". `bench.latency` times repeated moves, which after the first are
all in "Custom"; this times that first one. Each sample opens the page in a
new browser context, waits until it is idle, then times one key press on a
sidebar slider until the scenario box says "Custom" and the app is idle.

    python -m bench.first_move [--rounds 6] [--pages lab,why]
"""

from __future__ import annotations

import argparse
import time

from bench.harness import lab_and_bare, wait_idle
from bench.latency import Bare, summary

# page → (path, widget-key prefix, the sidebar slider moved)
CASES = {
    "lab": ("", "lab", "Batch size"),
    "tensor": ("tensor", "tensor", "N (examples)"),
    "coupling": ("coupling", "coupling", "Batch size"),
    "train_eval": ("train_eval", "traineval", "Momentum"),
    "why": ("why", "why", "Depth (layers)"),
}
VIEWPORT = {"width": 1400, "height": 1000}
SETTLE_MS = 1500  # after idle: the page's components finish their first draw


def first_move(b, url: str, path: str, prefix: str, label: str) -> float:
    ctx = b.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        page.goto(f"{url}/{path}")
        wait_idle(page, 120_000)
        page.wait_for_timeout(SETTLE_MS)
        page.locator(f'input[type="range"][aria-label="{label}"]').focus()
        custom = (
            f"() => document.querySelector('.st-key-{prefix}-scenario input')"
            ".value === 'Custom'"
        )
        t0 = time.perf_counter()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(custom, polling="raf", timeout=30_000)
        wait_idle(page)
        return time.perf_counter() - t0
    finally:
        ctx.close()


def first_click(b, url: str) -> float:
    ctx = b.new_context(viewport=VIEWPORT)
    try:
        bare = Bare(ctx.new_page(), url)
        bare.load()
        bare.page.wait_for_timeout(SETTLE_MS)
        return bare.interact()
    finally:
        ctx.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--pages", default=",".join(CASES))
    args = ap.parse_args()
    names = args.pages.split(",")
    results = {n: ([], []) for n in names}
    with lab_and_bare() as (lab_url, bare_url, b):
        for r in range(args.rounds + 1):  # the first round warms both up
            for name in names:
                lab_t = first_move(b, lab_url, *CASES[name])
                bare_t = first_click(b, bare_url)
                if r:
                    results[name][0].append(lab_t)
                    results[name][1].append(bare_t)
    for name, (lab_t, bare_t) in results.items():
        print(summary(f"{name}: first move from a scenario", lab_t, bare_t))


if __name__ == "__main__":
    main()
