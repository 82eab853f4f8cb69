"""Load test: concurrent browser sessions on the Lab page, and memory per session.

    python -m bench.load [--sessions 20] [--interactions 20] [--churn 200] [--rounds 3]

Starts the lab on loopback (its own settings) and one headless Chromium, then:

1. Concurrency: ``--sessions`` browser contexts open the Lab page at once and
   each makes ``--interactions`` interactions (clicking a heatmap cell, moving
   the batch-size slider one step, switching family, in turn), each timed from
   the input event until the changed output is on screen and the app is idle.
   Prints errors (exceptions on the page, timeouts) and the latency p50/p95.
2. Churn, ``--rounds`` times: ``--churn`` sessions are opened (``--sessions``
   at a time), make one interaction, and close. The server's resident memory is
   read from /proc before, right after, and once Streamlit has dropped the
   closed sessions (it keeps a disconnected session for
   ``server.disconnectedSessionTTL``, 120 s by default, for reconnects). A
   per-session leak shows as memory growing from round to round.

The figures are recorded in bench/load.json with the machine's load average:
the 2-core machines here are shared, and 20 Chromium tabs on them are
CPU-bound, so the latency under this load is mostly the browsers'.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402

from bench.harness import CHROMIUM, CHROMIUM_ARGS, IDLE, serve  # noqa: E402
from bench.latency import cell_centre  # noqa: E402

RECORD = ROOT / "bench" / "load.json"
CHART = "document.querySelectorAll('.normlab-heatmap canvas')"
TTL = 120  # Streamlit's default server.disconnectedSessionTTL, seconds


def server_pid(url: str) -> int:
    port = url.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(cmd) and port.encode() in cmd:
            return int(entry.name)
    raise RuntimeError(f"no streamlit process on port {port}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Session:
    """One student: a browser context on the Lab page."""

    def __init__(self, context, url: str, n: int) -> None:
        self.context, self.url, self.n = context, url, n
        self.rows, self.cols, self.fam, self.i = 32, 16, 0, 0
        self.errors: list[str] = []

    async def open(self) -> None:
        self.page = await self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        await self.page.goto(self.url, timeout=120_000)  # as every wait here
        await self.page.wait_for_function(
            f"() => {CHART}.length === 2 && {CHART}[1].dataset.plot", timeout=120_000
        )
        await self.page.wait_for_selector(IDLE, timeout=120_000)

    async def _timed(self, action, changed: str) -> float:
        t0 = time.perf_counter()
        await action()
        try:
            await self.page.wait_for_function(changed, timeout=120_000)
        except Exception as err:
            seen = await self.page.evaluate(
                f"() => Array.from({CHART}, (c) => [c.dataset.title,"
                " c.dataset.shape, c.dataset.focus])"
            )
            raise RuntimeError(f"never true: {changed} (drawn: {seen})") from err
        await self.page.wait_for_selector(IDLE, timeout=120_000)
        if await self.page.locator("[data-testid='stException']").count():
            self.errors.append("exception shown on the page")
        return time.perf_counter() - t0

    async def _settled_cell(self, r: int, c: int) -> tuple[float, float]:
        """Where cell (r, c) is once the page has stopped moving: under this
        load the page can still be settling after the app reports idle (it did
        when the scenario's sentence left as the view turned Custom; the box now
        stays, but can change height on a narrow page), and a click at a place
        read a moment earlier lands on another cell."""
        last = None
        for _ in range(50):
            place = await self.page.evaluate(
                """() => {
                const c = document.querySelector('.normlab-heatmap canvas');
                const b = c.getBoundingClientRect();
                return [b.x, b.y, b.width, b.height, c.dataset.shape,
                        c.dataset.plot]; }"""
            )
            if place == last:
                break
            last = place
            await self.page.wait_for_timeout(100)
        bx, by, _, _, shape, plot = last
        return cell_centre({"x": bx, "y": by}, shape, plot, r, c)

    async def interact(self) -> float:
        self.i += 1
        kind = self.i % 3
        if kind == 0:
            self.fam += 1
            name = ["BatchNorm", "LayerNorm"][self.fam % 2]
            button = self.page.locator(
                "[data-testid='stSidebar'] button", has_text=name
            )
            return await self._timed(
                button.click, f"() => {CHART}[1]?.dataset.title.includes('{name}')"
            )
        if kind == 1:
            key = "ArrowLeft" if self.i % 2 else "ArrowRight"
            self.rows += -1 if key == "ArrowLeft" else 1
            thumb = self.page.get_by_role("slider", name="Batch size")
            await thumb.focus()
            return await self._timed(
                lambda: thumb.press(key),
                f"() => {CHART}[0]?.dataset.shape === '{self.rows},{self.cols}'",
            )
        r, c = (self.i * 7 + self.n) % self.rows, (self.i * 5 + self.n) % self.cols
        x, y = await self._settled_cell(r, c)
        return await self._timed(
            lambda: self.page.mouse.click(x, y),
            f"() => {CHART}[1].dataset.focus === '{r},{c}'",
        )


async def _session(browser, url: str, n: int, interactions: int) -> tuple[list, list]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    s = Session(context, url, n)
    times: list[float] = []
    try:
        await s.open()
        for _ in range(interactions):
            times.append(await s.interact())
    except Exception as err:  # a timeout is an error of the load test, recorded
        s.errors.append(f"{type(err).__name__}: {str(err).splitlines()[0]}")
    finally:
        await context.close()
    return times, s.errors


async def run(args) -> dict:
    out: dict = {}
    with serve("app.py") as url:
        pid = server_pid(url)
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            # warm-up: imports, caches, the first run of every code path
            await _session(browser, url, 0, 6)
            out["rss_start_mb"] = round(rss_mb(pid), 1)

            t0 = time.perf_counter()
            results = await asyncio.gather(
                *(
                    _session(browser, url, n, args.interactions)
                    for n in range(args.sessions)
                )
            )
            times = [t for ts, _ in results for t in ts]
            errors = [e for _, es in results for e in es]
            out["concurrency"] = {
                "sessions": args.sessions,
                "interactions_each": args.interactions,
                "interactions_done": len(times),
                "errors": len(errors),
                "error_samples": errors[:5],
                "p50_ms": round(statistics.median(times) * 1000),
                "p95_ms": round(
                    statistics.quantiles(times, n=20, method="inclusive")[-1] * 1000
                ),
                "max_ms": round(max(times) * 1000),
                "wall_s": round(time.perf_counter() - t0, 1),
            }
            print("concurrency:", out["concurrency"], flush=True)
            out["rss_after_concurrency_mb"] = round(rss_mb(pid), 1)

            # Churn in rounds: resident memory is a high-water mark (Python's
            # allocator keeps freed arenas), so one round cannot tell a leak
            # from the allocator; a leak keeps growing round after round.
            out["churn"] = []
            for round_ in range(args.rounds if args.churn else 0):
                churn_errors: list[str] = []
                base = rss_mb(pid)
                for start in range(0, args.churn, args.sessions):
                    batch = range(start, min(start + args.sessions, args.churn))
                    res = await asyncio.gather(
                        *(_session(browser, url, n, 1) for n in batch)
                    )
                    churn_errors += [e for _, es in res for e in es]
                record = {
                    "round": round_ + 1,
                    "sessions": args.churn,
                    "errors": len(churn_errors),
                    "error_samples": churn_errors[:5],
                    "rss_before_mb": round(base, 1),
                    "rss_right_after_mb": round(rss_mb(pid), 1),
                }
                print(f"churn: waiting {args.wait} s for the TTL", flush=True)
                await asyncio.sleep(args.wait)
                await _session(browser, url, 0, 1)  # touches the session store
                await asyncio.sleep(2)
                record["rss_after_ttl_mb"] = round(rss_mb(pid), 1)
                with urllib.request.urlopen(f"{url}/_stcore/health") as r:
                    record["server_healthy"] = r.status == 200
                out["churn"].append(record)
                print("churn:", record, flush=True)
            await browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--interactions", type=int, default=20)
    ap.add_argument("--churn", type=int, default=200)
    ap.add_argument("--wait", type=float, default=TTL + 10, help="seconds after churn")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of churn")
    ap.add_argument(
        "--out", type=Path, default=RECORD, help="where to write the record"
    )
    args = ap.parse_args()
    out = asyncio.run(run(args))
    out["date"] = time.strftime("%Y-%m-%d %H:%M")
    out["load_average"] = os.getloadavg()[0]
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
