"""Does one student's training run slow another student's click?

Starts the lab, opens the Lab page in headless Chromium and times heatmap cell
clicks (as `bench/latency.py` does) first with the server otherwise idle, then
while another session — a simulated student speaking Streamlit's protocol
(`bench/classroom.py`) — keeps asking the Why normalize page for runs nobody
has asked for yet (a new seed each time, so nothing is cached), following each
run's progress until its result is on the page before asking for the next. Prints both
medians and their ratio; the goal is ≤ 1.3×.

    python -m bench.contention [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import threading
import time

from bench.classroom import Student
from bench.harness import browser, serve
from bench.pages.lab import Lab


class Trainer(threading.Thread):
    """A session on Why normalize that starts one uncached run after another."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.runs: list[float] = []
        self.busy = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as e:  # reported by the caller
            self.error = e

    async def _main(self) -> None:
        s = Student(self.url, "why", random.Random(0), timeout=600)
        await s.open()
        seed = next(
            w
            for w in s.widgets.values()
            if w.kind == "number_input" and w.proto.label.lower().startswith("seed")
        )
        value = random.Random().randrange(10**6, 10**9)  # runs nobody has stored
        try:
            while not self.stop.is_set():
                value += 1
                state = s.WidgetState(id=seed.proto.id, int_value=value)
                self.busy.set()
                t0 = time.perf_counter()
                await s._run(s._rerun([state], seed.fragment_id))
                # The page answers at once and follows the run with a progress
                # fragment (lab/ui/jobs.py); like a student, wait for the
                # result before asking for the next one.
                while s.timers and not self.stop.is_set():
                    await s.idle(0.5)
                self.runs.append(time.perf_counter() - t0)
        finally:
            self.busy.clear()
            await s.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    with serve("app.py") as url, browser() as b:
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        lab = Lab(page, url, "")
        lab.load()
        for _ in range(3):
            lab.click()  # warm-up
        idle = [lab.click() for _ in range(args.rounds)]
        trainer = Trainer(url)
        trainer.start()
        trainer.busy.wait(60)
        time.sleep(2)  # the run is under way
        busy = [lab.click() for _ in range(args.rounds)]
        trainer.stop.set()
        trainer.join(5)
        if trainer.error:
            raise trainer.error
    mi, mb = statistics.median(idle), statistics.median(busy)
    print(f"cell click, server idle      median {mi * 1000:7.1f} ms")
    print(f"cell click, during a run     median {mb * 1000:7.1f} ms")
    print(
        f"ratio {mb / mi:.2f} (goal ≤ 1.3); runs finished meanwhile: "
        f"{len(trainer.runs)}, {', '.join(f'{t:.1f} s' for t in trainer.runs)}"
    )


if __name__ == "__main__":
    main()
