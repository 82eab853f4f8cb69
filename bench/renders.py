"""What the browser re-renders per interaction: React commits, the components
each one renders (by region of the page), and the draws of every canvas.

Why: a page's interaction costs the browser far more than the bare app's even
where the page's own code does little, because Streamlit's frontend renders
its whole element tree again on each change of the script's run state, three
times per script run (docs/streamlit.md). This counts it, with the latency
bench's own drivers (bench/pages/), through React's developer-tools hook (the
one React DevTools uses; nothing of the app is changed):

    python -m bench.renders [--pages lab,tensor] [--only slider] [--rounds 4]

A component counts when React called it in that commit (its fiber is new to
the tree and has React's PerformedWork flag); host elements (div, span) are
not counted. Canvases count one draw per ``clearRect`` (``DRAWS``, which
tests/e2e/test_redraws_browser.py uses too).
"""

from __future__ import annotations

import argparse
from collections import Counter

from bench.harness import lab_and_bare, warmed

HOOK = r"""
(() => {
  const stats = { commits: 0, rendered: 0, per: [], by: {} };
  window.normlabRenders = stats;
  const regions =
    /^(stSidebarUserContent|stSidebarNav|stHeader|stColumn|stExpander|stMain)$/;
  function region(fiber) {
    let f = fiber;
    while (f && !(f.stateNode instanceof Element)) f = f.return;
    let el = f ? f.stateNode : null;
    while (el && el.getAttribute) {
      const key = Array.from(el.classList || []).find((c) => c.startsWith("st-key-"));
      if (key) return key;
      const id = el.getAttribute("data-testid");
      if (id && regions.test(id)) return id;
      el = el.parentElement;
    }
    return "(app)";
  }
  function walk(root, visit) {
    const stack = [root.current];
    while (stack.length) {
      const f = stack.pop();
      visit(f);
      if (f.child) stack.push(f.child);
      if (f.sibling) stack.push(f.sibling);
    }
  }
  let previous = new WeakSet();
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject(renderer) { this.renderers.set(1, renderer); return 1; },
    onScheduleFiberRoot() {}, onCommitFiberUnmount() {}, onPostCommitFiberRoot() {},
    checkDCE() {},
    onCommitFiberRoot(id, root) {
      const seen = new WeakSet();
      let count = 0;
      walk(root, (f) => {
        seen.add(f);
        // a fiber kept from the last commit was not worked on; a new one was,
        // and its PerformedWork flag (1) says its component was called
        if (!window.normlabCounting || previous.has(f) || !(f.flags & 1)) return;
        if (typeof f.type === "string" || !f.type) return;
        count++;
        const r = region(f);
        stats.by[r] = (stats.by[r] || 0) + 1;
      });
      previous = seen;
      if (!window.normlabCounting) return;
      stats.commits++;
      stats.rendered += count;
      stats.per.push(count);
    },
  };
})();
"""
"""JS: React's developer-tools hook, counting what each commit renders."""

DRAWS = r"""
(() => {
  // draws of each canvas in each move: window.normlabMove(k) starts move k
  // (k < 0 stops counting); normlabDraws() lists [key, canvas id, draws]
  // per move, the key being the st-key class of the canvas's container when
  // it drew (a canvas a later move removed has none by then)
  let move = -1, next = 0;
  const moves = [], ids = new WeakMap(), names = new WeakMap();
  const clear = CanvasRenderingContext2D.prototype.clearRect;
  CanvasRenderingContext2D.prototype.clearRect = function (...args) {
    if (move >= 0) {
      const c = this.canvas;
      if (!ids.has(c)) ids.set(c, next++);
      const box = c.closest('[class*="st-key-"]');
      const key = box && Array.from(box.classList).find((k) => k.startsWith("st-key-"));
      if (key) names.set(c, key);
      moves[move].set(c, (moves[move].get(c) || 0) + 1);
    }
    return clear.apply(this, args);
  };
  window.normlabMove = (k) => {
    move = k;
    if (k >= 0) moves[k] = new Map();
  };
  window.normlabDraws = () => moves.map((m) => Array.from(m, ([c, n]) => (
    [names.get(c) || "?", ids.get(c), n]
  )));
})();
"""
"""JS: every canvas's draws per move. A canvas is drawn once per ``clearRect``:
``fitCanvas`` (lab/ui/kit.js) clears a canvas once per draw."""


def measure(b, make, kind: str, rounds: int) -> tuple[dict, Counter, Counter]:
    """Load a page with ``make(page)`` (a driver), move twice, then count
    ``rounds`` moves of ``kind``: the render stats, draws and canvases by key."""
    with warmed(b, make, kind, (HOOK, DRAWS)) as (page, d):
        page.evaluate("window.normlabCounting = true")
        for k in range(rounds):
            page.evaluate(f"window.normlabMove({k})")
            getattr(d, kind)()
        page.evaluate("window.normlabCounting = false; window.normlabMove(-1)")
        stats = page.evaluate("window.normlabRenders")
        drawn, seen = Counter(), {}
        for move in page.evaluate("window.normlabDraws()"):
            for key, canvas, n in move:
                drawn[key] += n
                seen.setdefault(key, set()).add(canvas)
        return stats, drawn, Counter({k: len(v) for k, v in seen.items()})


def report(
    label: str, stats: dict, drawn: Counter, canvases: Counter, n: int, top: int
) -> None:
    print(
        f"{label}: {stats['commits'] / n:.1f} commits, "
        f"{stats['rendered'] / n:.0f} components rendered per interaction, "
        f"largest commit {max(stats['per'], default=0)}"
    )
    regions = sorted(stats["by"].items(), key=lambda kv: -kv[1])[:top]
    print("   by region: " + ", ".join(f"{k} {v / n:.0f}" for k, v in regions))
    if drawn:
        print(
            "   canvas draws per interaction: "
            + ", ".join(
                f"{k} {v / n:.1f} ({canvases[k]} canvases)" for k, v in drawn.items()
            )
        )


def main() -> None:
    from bench.latency import Bare
    from bench.pages import DRIVERS, moves

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", default=",".join(DRIVERS))
    ap.add_argument("--only", default="", help="comma-separated interactions")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--top", type=int, default=8, help="regions listed")
    args = ap.parse_args()
    n = args.rounds
    with lab_and_bare() as (url, bare_url, b):
        report(
            "bare app: click",
            *measure(b, lambda page: Bare(page, bare_url), "interact", n),
            n,
            args.top,
        )
        for name, driver, query, kind in moves(args.pages, args.only):
            got = measure(b, lambda page, d=driver, q=query: d(page, url, q), kind, n)
            report(f"{name}: {kind}", *got, n, args.top)


if __name__ == "__main__":
    main()
