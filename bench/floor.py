"""The floor of each page: what a click that changes nothing of the page costs.

A radio in a fragment of its own, with one line of text under it, is put at
the top of every page (a copy of app.py that draws it before the page; the lab
itself is not changed), and is clicked as the bare app's radio is clicked, in
turn with it. Nothing of the page reruns, yet Streamlit re-renders every
element of the page in the browser on each run (docs/streamlit.md), so the
ratio is the least any interaction of that page can cost against the bare app
as things stand: a page whose floor is near its budget has nothing left for
its own work.

    python -m bench.floor [--rounds 10] [--pages lab,tensor] [--app ../other]
                          [--bare-settings default|lab]

``--bare-settings lab`` runs the bare app with the lab's settings, as
bench/latency.py's option of that name says (Streamlit's default settings
collect garbage after every run, ~35 ms of a bare click).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.harness import ROOT, browser, serve, wait_idle
from bench.latency import Bare, bare_app, centre, summary, timed

PAGES = {
    "lab": "",
    "tensor": "tensor",
    "coupling": "coupling",
    "train_eval": "train_eval",
    "sequences": "sequences",
    "why": "why",
    "rms": "rms",
    "choose": "choose",
}
PROBE = """

@st.fragment
def _floor_probe() -> None:
    with st.container(key="floor-probe"):
        choice = st.radio("Probe", ["alpha", "omega"], horizontal=True)
        st.write(f"You chose the {choice} probe.")


_floor_probe()
"""
SHOWN = (
    "() => (document.querySelector('.st-key-floor-probe')?.textContent ?? '')"
    ".includes('You chose the {} probe.')"
)


def probed_app(folder: Path, root: Path = ROOT) -> Path:
    """A copy of ``root``'s app.py that draws the probe before the page, beside
    links to everything else the app reads (its pages, package, assets and
    settings)."""
    for name in ("pages", "lab", "assets", ".streamlit"):
        (folder / name).symlink_to(root / name, target_is_directory=True)
    source = (root / "app.py").read_text(encoding="utf-8")
    if "\npage.run()" not in source:
        raise RuntimeError("app.py no longer ends its routing with page.run()")
    app = folder / "app.py"
    app.write_text(source.replace("\npage.run()", PROBE + "page.run()"), "utf-8")
    return app


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument("--app", type=Path, default=ROOT, help="the lab checkout to probe")
    ap.add_argument("--bare-settings", choices=("default", "lab"), default="default")
    args = ap.parse_args()
    viewport = {"width": 1400, "height": 1000}
    with tempfile.TemporaryDirectory() as tmp:
        app = probed_app(Path(tmp), args.app)
        with (
            serve(app, cwd=Path(tmp)) as url,
            bare_app(args.bare_settings) as bare_dir,
            serve("app.py", cwd=bare_dir) as bare_url,
            browser() as b,
        ):
            bare = Bare(b.new_page(viewport=viewport), bare_url)
            bare.load()
            page = b.new_page(viewport=viewport)
            page.goto(url + "/")
            wait_idle(page, 120_000)
            clicks = 0
            for name in args.pages.split(","):
                page.goto(f"{url}/{PAGES[name]}")
                wait_idle(page, 120_000)
                time.sleep(2)  # components draw after the script is done
                wait_idle(page, 120_000)
                lab_t, bare_t = [], []
                for r in range(args.rounds + 2):  # two rounds of warm-up
                    clicks += 1
                    target = ("alpha", "omega")[clicks % 2]
                    x, y = centre(page.get_by_text(target, exact=True))
                    t = timed(
                        lambda x=x, y=y: page.mouse.click(x, y),
                        SHOWN.format(target),
                        page,
                    )
                    b_t = bare.interact()
                    if r >= 2:
                        lab_t.append(t)
                        bare_t.append(b_t)
                print(summary(f"{name}: probe", lab_t, bare_t), flush=True)


if __name__ == "__main__":
    main()
