"""Where an interaction's JavaScript time goes, by what React called.

Why: a page's answer costs the browser more than the bare app's mostly in
Streamlit's frontend, and a CPU profile's self times by function do not say
which part of it: React's work loop, emotion's styling and Markdown parsing
are spread over hundreds of minified functions. Here every sample is charged
to the first function outside React that React called on its way down (a
component's render, an effect), with its inclusive time, and printed with the
start of its source in Streamlit's bundle so it can be recognised
(``StreamlitMarkdown ... runSync(t.parse(n))`` is Markdown parsing; emotion's
``useContext(...)`` wrapper is its styled elements). Samples React did not
call are counted by script only. Nothing of the app is changed:

    python -m bench.jsprofile [--pages tensor] [--only slider] [--rounds 10]
                            [--view "largest tensor (8×12×4×4)"] [--top 12]

The lab's own components run from ``blob:`` URLs (lab/ui/components.py) and
are listed as ``(lab components)``. Findings made with it are in
docs/streamlit.md ("Where a page's React time goes").
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import streamlit

from bench.harness import lab_and_bare, warmed

BOUNDARY = ("react-dom",)
"""Scripts that are React itself: the first frame outside them is charged."""
STATIC = Path(streamlit.__file__).parent / "static" / "static" / "js"
"""Streamlit's bundled frontend, where a minified function's source is read."""
IDLE = "(idle)"

Frame = tuple[str, str, int, int]
"""(script, function, line, column) of a profile's call frame."""


def script_of(call_frame: Mapping[str, Any]) -> str:
    """A call frame's script by file name; native work as ``(name)``."""
    url = call_frame.get("url", "")
    if url.startswith("blob:"):
        return "(lab components)"
    name = url.rsplit("/", 1)[-1]
    if name:
        return name
    native = call_frame.get("functionName") or "native"
    return native if native.startswith("(") else f"({native})"


def _times(profile: Mapping[str, Any]) -> Counter:
    """Microseconds per leaf node: each sample lasts until the next one."""
    deltas = list(profile.get("timeDeltas", []))
    spans: Counter = Counter()
    for i, node in enumerate(profile.get("samples", [])):
        spans[node] += deltas[i + 1] if i + 1 < len(deltas) else 0
    return spans


def _stacks(profile: Mapping[str, Any]) -> Iterable[tuple[list[dict], int]]:
    """(call frames root first, microseconds) for every sampled leaf."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", ())}
    for leaf, us in _times(profile).items():
        chain, at = [], leaf
        while at in nodes:
            chain.append(nodes[at]["callFrame"])
            at = parent.get(at)
        yield chain[::-1], us


def by_script(profile: Mapping[str, Any]) -> Counter:
    """Self time (µs) per script, idle excluded."""
    out: Counter = Counter()
    for chain, us in _stacks(profile):
        name = script_of(chain[-1])
        if name != IDLE:
            out[name] += us
    return out


def react_callees(
    profile: Mapping[str, Any], boundary: tuple[str, ...] = BOUNDARY
) -> Counter:
    """Inclusive time (µs) of each function React called: for each sample the
    first frame, from the root, whose caller is React and which is not."""
    out: Counter = Counter()
    for chain, us in _stacks(profile):
        for caller, frame in pairwise(chain):
            inside = script_of(frame)
            if script_of(caller).startswith(boundary) and not inside.startswith(
                boundary
            ):
                out[
                    (
                        inside,
                        frame.get("functionName", ""),
                        frame.get("lineNumber", -1),
                        frame.get("columnNumber", -1),
                    )
                ] += us
                break
    return out


@cache
def _lines(path: Path) -> list[str]:
    """A bundle's lines, read once (index.js is megabytes, and every report
    quotes it a dozen times)."""
    if not path.is_file():
        return []
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


def excerpt(frame: Frame, width: int = 90, static: Path = STATIC) -> str:
    """The first ``width`` characters of a bundled function's source."""
    script, _, line, column = frame
    lines = _lines(static / script)
    return lines[line][column : column + width] if 0 <= line < len(lines) else ""


def measure(b, make, kind: str, rounds: int) -> dict:
    """Load a page with ``make(page)`` (a driver), move twice, then profile
    ``rounds`` moves of ``kind`` (sampling every 100 µs)."""
    with warmed(b, make, kind) as (page, d):
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 100})
        cdp.send("Profiler.start")
        for _ in range(rounds):
            getattr(d, kind)()
        return cdp.send("Profiler.stop")["profile"]


def report(label: str, profile: dict, n: int, top: int) -> None:
    scripts = by_script(profile)
    print(f"{label}: {sum(scripts.values()) / 1000 / n:.1f} ms sampled per move")
    print(
        "   by script: "
        + ", ".join(f"{k} {v / 1000 / n:.1f}" for k, v in scripts.most_common(top))
    )
    callees = react_callees(profile)
    print(f"   called by React: {sum(callees.values()) / 1000 / n:.1f} ms per move")
    for frame, us in callees.most_common(top):
        print(f"   {us / 1000 / n:6.2f}  {frame[0][:26]:26} {excerpt(frame)}")


def main() -> None:
    from bench.latency import Bare
    from bench.pages import DRIVERS, moves

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", default=",".join(DRIVERS))
    ap.add_argument("--only", default="", help="comma-separated interactions")
    ap.add_argument("--view", default="", help="a driver's view (default: first)")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()
    n = args.rounds
    with lab_and_bare() as (url, bare_url, b):
        bare = measure(b, lambda page: Bare(page, bare_url), "interact", n)
        report("bare app: click", bare, n, args.top)
        for name, driver, query, kind in moves(args.pages, args.only, args.view):
            got = measure(b, lambda page, d=driver, q=query: d(page, url, q), kind, n)
            report(f"{name}: {kind}", got, n, args.top)


if __name__ == "__main__":
    main()
