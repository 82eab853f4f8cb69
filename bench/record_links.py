"""Record how links open today, so a later change can be checked against them.

    python -m bench.record_links tests/data/links_<date>.jsonl

For every page: the empty link, every scenario, a few good and bad values of
every parameter, 120 links the page writes for random views, and hostile ones
(unknown names, repeated keys, script tags, long values). One JSON line per
link: the page, the query string, the settings it opens, the note the page
shows (or null) and the link the page then writes. tests/unit/test_old_links.py
opens every recorded link and compares; record before a change to a page's
settings, links or scenarios, and keep the old record: links are forever.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import asdict
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from lab.board.state import PAGE as LAB
from lab.choose.state import PAGE as CHOOSE
from lab.core.page import PageSpec
from lab.core.params import Choice, Eps, Ints, Num, OnGrid
from lab.coupling.state import PAGE as COUPLING
from lab.rms.state import PAGE as RMS
from lab.sequences.state import PAGE as SEQUENCES
from lab.tensor.state import PAGE as TENSOR
from lab.train_eval.state import PAGE as TRAIN_EVAL
from lab.why.state import PAGE as WHY

PAGES: dict[str, PageSpec] = {
    "lab": LAB,
    "tensor": TENSOR,
    "coupling": COUPLING,
    "train_eval": TRAIN_EVAL,
    "why": WHY,
    "sequences": SEQUENCES,
    "rms": RMS,
    "choose": CHOOSE,
}
HOSTILE = (
    "zzz=1",
    "norm=instance",
    "batch=1&batch=2",
    "scenario=nope&seed=3",
    "focus=%3Cscript%3E",
    "a=" + "x" * 100,
    "seed=" + "9" * 50,
)


def samples(spec: object) -> list[str]:
    """Raw values of one parameter: good ones, edges, and bad ones."""
    if isinstance(spec, Num):
        good = [spec.lo, spec.hi, (spec.lo + spec.hi) / 2, spec.lo + spec.step]
        return [spec.format(spec.snap(v)) for v in good] + [
            str(spec.hi * 3 + 1),
            "-5",
            "abc",
            "nan",
            "1.37",
        ]
    if isinstance(spec, Choice):
        return [*spec.options, spec.options[0].upper(), "nonsense"]
    if isinstance(spec, Eps):
        return ["default", "1e-5", "0.001", "3e-4", "-1", "zzz"]
    if isinstance(spec, Ints):
        return [",".join(["1"] * spec.arity), ",".join(["99"] * spec.arity), "1", "a,b"]
    if isinstance(spec, OnGrid):
        return [spec.format(o) for o in spec.options] + ["0.33", "-1", "x"]
    return ["none", "0.1", "1", "0.37", "2", "x"]  # momentum


def random_link(page: PageSpec, rnd: random.Random) -> str:
    """The link the page writes for a random view."""
    raw: dict[str, str] = {}
    for name, spec in page.specs.items():
        if name == "scenario" or rnd.random() < 0.5:
            continue
        good = [v for v in samples(spec) if spec.parse(v)[1] is None]
        if good:
            raw[name] = rnd.choice(good)
    raw["scenario"] = rnd.choice(page.keys)
    state, _ = page.parse(raw)
    return urlencode(page.to_params(state))


def record(seed: int = 20261205, pages: list[str] | None = None) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for name, page in PAGES.items():
        if pages is not None and name not in pages:
            continue
        queries = ["", *(f"scenario={k}" for k in page.keys)]
        for param, spec in page.specs.items():
            queries += [urlencode({param: v}) for v in samples(spec)]
        queries += [random_link(page, rnd) for _ in range(120)]
        queries += HOSTILE
        for q in dict.fromkeys(queries):
            state, note = page.parse(parse_qs(q, keep_blank_values=True))
            fields = {
                k: list(v) if isinstance(v, tuple) else v
                for k, v in asdict(state).items()
            }
            out.append(
                {
                    "page": name,
                    "query": q,
                    "state": fields,
                    "note": note,
                    "params": page.to_params(state),
                }
            )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument(
        "--pages", help="comma-separated pages to record (default: every page)"
    )
    args = ap.parse_args()
    rows = record(pages=args.pages.split(",") if args.pages else None)
    with args.out.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{len(rows)} links written to {args.out}")


if __name__ == "__main__":
    main()
