"""Interaction latency of the Lab page as a ratio to a bare Streamlit app.

Starts the lab (app.py, its own settings) and a bare app (bench/bare/app.py,
Streamlit's defaults) on loopback and drives both in headless Chromium,
interleaved in one run, so machine noise hits both alike. Each sample is timed
from the input event (a raw click or key press; the target is found before the
timer starts) until the changed output is on screen and the app is idle.

    python -m bench.latency [--rounds 15] [--only family,slider,click]

Prints median, p90 and the lab/bare ratio of the medians for: switching family,
one step of the batch-size slider, clicking a heatmap cell — on the default view
and on a 64×64 matrix — and the first view (page load until interactive).
"""

from __future__ import annotations

import argparse
import statistics
import time

from tests.e2e.harness import ROOT, browser, serve, wait_idle

CHART = "document.querySelectorAll('.normlab-heatmap canvas')"


def _ready(page) -> None:
    page.wait_for_function(f"() => {CHART}.length === 2 && {CHART}[1].dataset.plot")
    wait_idle(page)


def _timed(action, changed, page) -> float:
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
        return _timed(
            lambda: self.page.mouse.click(x, y),
            f"() => document.body.innerText.includes('You chose the {target} option.')",
            self.page,
        )


class Lab:
    FAMILIES = ("BatchNorm", "LayerNorm")

    def __init__(self, page, url, query):
        self.page, self.url, self.query = page, url, query
        self.fam = 0
        self.step = 0
        self.cell = 0
        rows = cols = 64 if "batch=64" in query else None
        self.rows, self.cols = rows or 32, cols or 16

    def load(self) -> float:
        t0 = time.perf_counter()
        self.page.goto(self.url + "/" + self.query)
        _ready(self.page)
        return time.perf_counter() - t0

    def family(self) -> float:
        self.fam += 1
        name = self.FAMILIES[self.fam % len(self.FAMILIES)]
        button = self.page.locator("[data-testid='stSidebar'] button", has_text=name)
        x, y = centre(button)
        return _timed(
            lambda: self.page.mouse.click(x, y),
            f"() => {CHART}[1]?.dataset.title.includes('{name}')",
            self.page,
        )

    def slider(self) -> float:
        self.step += 1
        key = "ArrowLeft" if self.step % 2 else "ArrowRight"
        thumb = self.page.get_by_role("slider", name="Batch size")
        before = self.rows
        self.rows = before - 1 if key == "ArrowLeft" else before + 1
        thumb.focus()
        return _timed(
            lambda: self.page.keyboard.press(key),
            f"() => {CHART}[0]?.dataset.shape === '{self.rows},{self.cols}'",
            self.page,
        )

    def click(self) -> float:
        self.cell += 1
        r, c = (self.cell * 7) % self.rows, (self.cell * 5) % self.cols
        x, y = cell_point(self.page, 0, r, c)
        return _timed(
            lambda: self.page.mouse.click(x, y),
            f"() => {CHART}[1].dataset.focus === '{r},{c}' && "
            f"document.body.innerText.includes('example {r}, feature {c}.')",
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


def summary(name: str, lab: list[float], bare: list[float]) -> str:
    def p90(v):
        return statistics.quantiles(v, n=10)[-1] if len(v) > 1 else v[0]

    ml, mb = statistics.median(lab), statistics.median(bare)
    return (
        f"{name:<28} lab {ml * 1000:7.1f} ms (p90 {p90(lab) * 1000:7.1f})   "
        f"bare {mb * 1000:7.1f} ms (p90 {p90(bare) * 1000:7.1f})   "
        f"ratio {ml / mb:5.2f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument(
        "--only", default="family,slider,click", help="comma-separated interactions"
    )
    ap.add_argument(
        "--families",
        default="BatchNorm,LayerNorm",
        help="the family switch cycles through these (a switch to or from RMSNorm "
        "or GroupNorm also redraws the beta or groups slider)",
    )
    args = ap.parse_args()
    Lab.FAMILIES = tuple(args.families.split(","))
    with (
        serve("app.py") as lab_url,
        serve("app.py", cwd=ROOT / "bench" / "bare") as bare_url,
        browser() as b,
    ):
        views = {"default view": "", "64×64 matrix": "?batch=64&features=64"}
        bare_page = b.new_page(viewport={"width": 1400, "height": 1000})
        bare = Bare(bare_page, bare_url)
        bare.load()
        results: dict[str, tuple[list[float], list[float]]] = {}
        for view, query in views.items():
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            lab = Lab(page, lab_url, query)
            lab.load()
            for kind in args.only.split(","):
                lab_t, bare_t = [], []
                for _ in range(2):  # warm-up, not counted
                    getattr(lab, kind)()
                    bare.interact()
                for _ in range(args.rounds):
                    lab_t.append(getattr(lab, kind)())
                    bare_t.append(bare.interact())
                results[f"{kind}, {view}"] = (lab_t, bare_t)
            page.close()
        lab_t, bare_t = [], []
        for _ in range(max(3, args.rounds // 3)):
            ctx = b.new_context(viewport={"width": 1400, "height": 1000})
            lab_t.append(Lab(ctx.new_page(), lab_url, "").load())
            ctx.close()
            ctx = b.new_context(viewport={"width": 1400, "height": 1000})
            bare_t.append(Bare(ctx.new_page(), bare_url).load())
            ctx.close()
        results["first view"] = (lab_t, bare_t)
    for name, (lab_t, bare_t) in results.items():
        print(summary(name, lab_t, bare_t))


if __name__ == "__main__":
    main()
