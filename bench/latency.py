"""Interaction latency of every page as a ratio to a bare Streamlit app.

Starts the lab (app.py, its own settings) and a bare app (bench/bare/app.py,
Streamlit's defaults) on loopback and drives both in headless Chromium,
interleaved in one run, so machine noise hits both alike. Each sample is timed
from the input event (a raw click or key press; the target is found before the
timer starts) until the changed output is on screen and the app is idle.

    python -m bench.latency [--rounds 15] [--pages lab,tensor] [--only click,load]
                            [--bare-settings default|lab]

Prints median, p90 and the page/bare ratio of the medians for each page's main
interactions (its driver in bench/pages/ names them) on each of its views, and
its first view (page load until interactive). The budget is 1.5× for an
interaction and 2× for a first view.

The ratio's denominator is the median of every bare sample of the run (its
interactions for an interaction, its loads for a first view), not of the
bare samples taken beside that one interaction. A bare click lands on whole
animation frames — its samples cluster near 45, 60, 78 and 95 ms — so the
median of ten of them jumps between clusters from one interaction to the
next (43.7 and 74.5 ms in one run of 2026-12-06) and moved a ratio by a third
for nothing the page did. The run's pooled bare median is steady; the paired
ratio is printed beside it.

Which bare app: by default Streamlit's defaults, the budget's yardstick. Those
include a full ``gc.collect(2)`` after every script run (``runner.postScriptGC``),
which holds the GIL, so the bare app's answer waits ~35 ms for it: a bare click
took 74–80 ms with it and 37–39 ms without on 2026-12-06 (the lab turns it off,
docs/streamlit.md). ``--bare-settings lab`` runs the bare app with the lab's own
.streamlit/config.toml instead, and so measures what a page costs above
Streamlit's floor with the same settings.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.harness import ROOT, browser, serve, wait_idle

MAIN_TEXT = "(document.querySelector(\"[data-testid='stMain']\")?.textContent ?? '')"
"""JS: the text of the page's main area. Read as textContent, never innerText:
``timed`` polls its predicate on every animation frame, and innerText lays the
page out each time, which costs a page of charts and panels far more than the
bare app's two lines (a trivial fragment rerun on Train vs eval measured
130 ms with it, 69 ms without)."""


def says(words: str) -> str:
    """JS predicate: the main area's text includes ``words``."""
    return f"() => {MAIN_TEXT}.includes({words!r})"


def timed(action, changed, page) -> float:
    """Seconds from ``action`` until the JS predicate ``changed`` holds and the
    app is idle. The predicate must not hold before the action: one that does
    would time nothing (a text that is on the page already, say)."""
    if page.evaluate(f"({changed})()"):
        raise RuntimeError(f"the change is there before the action: {changed}")
    t0 = time.perf_counter()
    action()
    page.wait_for_function(changed, polling="raf", timeout=30_000)
    wait_idle(page)
    return time.perf_counter() - t0


class Bare:
    def __init__(self, page, url):
        self.page, self.url = page, url
        self.i = 0

    def load(self) -> float:
        t0 = time.perf_counter()
        self.page.goto(self.url)
        self.page.wait_for_selector("text=You chose the first option.")
        wait_idle(self.page)
        return time.perf_counter() - t0

    def interact(self) -> float:
        self.i += 1
        target = ["first", "second"][self.i % 2]
        x, y = centre(self.page.get_by_text(target, exact=True))
        return timed(
            lambda: self.page.mouse.click(x, y),
            says(f"You chose the {target} option."),
            self.page,
        )


def centre(locator) -> tuple[float, float]:
    """Page coordinates of an element's centre, found before the timer starts:
    every sample is a raw mouse click or key press, so Playwright's own checks
    (visible, stable for two frames) are timed for neither app."""
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def cell_centre(
    box: dict, shape: str, plot: str, r: int, c: int
) -> tuple[float, float]:
    """Page coordinates of cell (r, c)'s centre, from a heatmap canvas's bounding
    box and its ``data-shape`` ("rows,cols") and ``data-plot`` ("x0,y0,w,h")."""
    rows, cols = (int(v) for v in shape.split(","))
    x0, y0, w, h = (float(v) for v in plot.split(","))
    return box["x"] + x0 + (c + 0.5) / cols * w, box["y"] + y0 + (r + 0.5) / rows * h


def cell_point(page, chart: int, r: int, c: int) -> tuple[float, float]:
    """Page coordinates of cell (r, c)'s centre in heatmap ``chart``."""
    canvas = page.locator(".normlab-heatmap canvas").nth(chart)
    return cell_centre(
        canvas.bounding_box(),
        canvas.get_attribute("data-shape"),
        canvas.get_attribute("data-plot"),
        r,
        c,
    )


def summary(
    name: str, lab: list[float], bare: list[float], pooled: list[float] | None = None
) -> str:
    """One line: the lab's median and p90, the bare app's, and their ratio;
    with ``pooled`` (every bare sample of the run), the ratio to the pooled
    median and, after it, the ratio to the paired samples' median."""

    def p90(v):
        return statistics.quantiles(v, n=10)[-1] if len(v) > 1 else v[0]

    ml, mb = statistics.median(lab), statistics.median(bare)
    line = (
        f"{name:<28} lab {ml * 1000:7.1f} ms (p90 {p90(lab) * 1000:7.1f})   "
        f"bare {mb * 1000:7.1f} ms (p90 {p90(bare) * 1000:7.1f})   "
    )
    if pooled is None:
        return line + f"ratio {ml / mb:5.2f}"
    mp = statistics.median(pooled)
    return line + f"ratio {ml / mp:5.2f} (paired {ml / mb:5.2f})"


@contextlib.contextmanager
def bare_app(settings: str) -> Iterator[Path]:
    """The bare app's folder: bench/bare as it is (Streamlit's defaults), or,
    for ``settings == "lab"``, a copy of it beside the lab's config.toml."""
    bare = ROOT / "bench" / "bare"
    if settings == "default":
        yield bare
        return
    with tempfile.TemporaryDirectory(prefix="normlab-bare-") as tmp:
        folder = Path(tmp)
        shutil.copy(bare / "app.py", folder / "app.py")
        (folder / ".streamlit").mkdir()
        shutil.copy(ROOT / ".streamlit" / "config.toml", folder / ".streamlit")
        yield folder


def main() -> None:
    from bench.pages import DRIVERS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument(
        "--pages", default=",".join(DRIVERS), help="comma-separated pages to time"
    )
    ap.add_argument(
        "--only", default="", help="comma-separated interactions (default: all)"
    )
    ap.add_argument(
        "--families",
        default="BatchNorm,LayerNorm",
        help="the Lab's family switch cycles through these (a switch to or from "
        "RMSNorm or GroupNorm also redraws the beta or groups slider)",
    )
    ap.add_argument(
        "--app",
        type=Path,
        default=ROOT,
        help="the lab checkout to serve (default: this one): another worktree "
        "times an older or newer version with these same drivers",
    )
    ap.add_argument(
        "--bare-settings",
        choices=("default", "lab"),
        default="default",
        help="the bare app's settings: Streamlit's defaults (the budget's "
        "yardstick; they include a gc.collect after every run) or the lab's "
        "own .streamlit/config.toml",
    )
    args = ap.parse_args()
    DRIVERS["lab"].FAMILIES = tuple(args.families.split(","))
    only = set(filter(None, args.only.split(",")))
    viewport = {"width": 1400, "height": 1000}
    results: dict[str, tuple[list[float], list[float]]] = {}
    with (
        serve("app.py", cwd=args.app) as lab_url,
        bare_app(args.bare_settings) as bare_dir,
        serve("app.py", cwd=bare_dir) as bare_url,
        browser() as b,
    ):
        bare = Bare(b.new_page(viewport=viewport), bare_url)
        bare.load()
        for name in args.pages.split(","):
            driver = DRIVERS[name]
            kinds = [k for k in driver.INTERACTIONS if not only or k in only]
            for view, query in driver.VIEWS.items():
                if not kinds:
                    break
                page = b.new_page(viewport=viewport)
                d = driver(page, lab_url, query)
                d.load()
                for kind in kinds:
                    lab_t, bare_t = [], []
                    for _ in range(2):  # warm-up, not counted
                        getattr(d, kind)()
                        bare.interact()
                    for _ in range(args.rounds):
                        lab_t.append(getattr(d, kind)())
                        bare_t.append(bare.interact())
                    results[f"{name}: {kind}, {view}"] = (lab_t, bare_t)
                page.close()
            if only and "load" not in only:
                continue
            lab_t, bare_t = [], []
            first = next(iter(driver.VIEWS.values()))
            for _ in range(max(3, args.rounds // 3)):
                ctx = b.new_context(viewport=viewport)
                lab_t.append(driver(ctx.new_page(), lab_url, first).load())
                ctx.close()
                ctx = b.new_context(viewport=viewport)
                bare_t.append(Bare(ctx.new_page(), bare_url).load())
                ctx.close()
            results[f"{name}: first view"] = (lab_t, bare_t)
    print(f"bare app with {args.bare_settings} settings")
    pooled = {True: [], False: []}  # first views, interactions
    for name, (_, bare_t) in results.items():
        pooled[name.endswith("first view")] += bare_t
    for first, what in ((False, "interactions"), (True, "first views")):
        if pooled[first]:
            ms = statistics.median(pooled[first]) * 1000
            print(f"bare app, all {what}: median {ms:.1f} ms of {len(pooled[first])}")
    for name, (lab_t, bare_t) in results.items():
        print(summary(name, lab_t, bare_t, pooled[name.endswith("first view")]))


if __name__ == "__main__":
    main()
