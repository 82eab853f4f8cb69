"""A lecture hall on one machine: simulated students speaking Streamlit's protocol.

Each student is what a browser is to the server, without the browser: it loads
the page over HTTP (cookies included, so a sticky proxy pins it), opens the
websocket ``/_stcore/stream``, asks for its page with a ``rerun_script``
BackMsg, reads the ForwardMsgs (elements, widgets, ``script_finished``) and then
makes interactions with think time between them: a slider step, a family
switch, a heatmap cell click, a toggle, a button — chosen at random among the
widgets its page drew, valued as Streamlit's frontend sends them. An
interaction's latency runs from sending the BackMsg to the ``script_finished``
of the run it caused. A page that follows a training run asks the browser to
rerun a progress fragment on a timer (lab/ui/jobs.py); a student does too, while
thinking and after its last move, and the time from that fragment's start to its
end (the run's result on the page) is reported as a run's wait, apart from the
interactions. Hundreds of students fit in one process (asyncio).

    python -m bench.classroom                       # ramp 25 → 50 → 100 → 200
    python -m bench.classroom --stages 20 --interactions 3 --think 0.5,1.5
    python -m bench.classroom --replicas 2          # through deploy/local.sh
    python -m bench.classroom --url http://127.0.0.1:8500 --pids 123,456

Per stage it prints interactions done, errors (exceptions on the page,
disconnects, timeouts), p50/p95/max latency, server CPU (cores, and CPU time per
interaction) and resident memory; ``--out`` writes the same as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import connect as websocket_connect

ROOT = Path(__file__).resolve().parents[1]

# Which page a student opens (URL path → share of the class). About 40 % of the
# class is on pages other than the Lab, and some of them start runs nobody has
# asked for yet (the random moves change training settings).
MIX = {
    "": 0.58,
    "tensor": 0.06,
    "coupling": 0.06,
    "train_eval": 0.06,
    "sequences": 0.06,
    "why": 0.06,
    "rms": 0.06,
    "choose": 0.06,
}
# How often a student reaches for each kind of widget.
WEIGHT = {
    "bidi_component": 4.0,
    "slider": 3.0,
    "button_group": 2.0,
    "selectbox": 1.0,
    "radio": 1.0,
    "number_input": 1.0,
    "checkbox": 1.0,
    "button": 0.3,
}
OK = {0, 3}  # FINISHED_SUCCESSFULLY, FINISHED_FRAGMENT_RUN_SUCCESSFULLY
EARLY = 2  # FINISHED_EARLY_FOR_RERUN: a callback asked for another run
AUTO_TIMEOUT = 10.0
"""Seconds a timer's fragment rerun may take: the server answers nothing for a
fragment it no longer has (it logs "does not exist anymore")."""


def _proto():
    """Streamlit's protobuf classes, imported late (the import takes ~1 s)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return BackMsg, ForwardMsg, WidgetState


@dataclass
class Widget:
    kind: str
    proto: Any
    fragment_id: str
    value: Any = None
    path: tuple[int, ...] = ()  # where it is drawn (the delta's path)


@dataclass
class Stats:
    students: int
    done: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    run_waits: list[float] = field(default_factory=list)
    runs_unfinished: int = 0
    by_page: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)

    def error(self, kind: str, detail: str = "") -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if detail and len(self.error_samples) < 10:
            self.error_samples.append(f"{kind}: {detail[:300]}")


class Student:
    """One simulated browser tab on one page of the lab."""

    def __init__(self, url: str, page: str, rng: random.Random, timeout: float):
        self.url, self.page, self.rng, self.timeout = url, page, rng, timeout
        self.widgets: dict[str, Widget] = {}
        self.page_hash = ""
        self.query = ""
        self.ws = None
        self.exceptions: list[str] = []
        # A page waiting for a run draws a fragment that the browser reruns on a
        # timer (``auto_rerun``) until the page stops it (``stop_auto_rerun``,
        # lab/ui/jobs.py): fragment id → (interval, when it started, last look).
        self.timers: dict[str, list[float]] = {}
        self.waits: list[float] = []  # how long each run was followed
        self.BackMsg, self.ForwardMsg, self.WidgetState = _proto()

    async def connect(self) -> None:
        jar: dict[str, str] = {}

        async def get(path: str) -> None:
            for header in await _get(self.url + path, jar, self.timeout):
                c = SimpleCookie()
                c.load(header)
                jar.update({k: m.value for k, m in c.items()})

        await get(f"/{self.page}")  # the page itself (a sticky proxy pins us here)
        await get("/_stcore/health")  # sets Streamlit's XSRF cookie
        await get("/_stcore/host-config")
        protocols = ["streamlit"]
        if "_streamlit_xsrf" in jar:
            protocols.append(jar["_streamlit_xsrf"])
        self.ws = await websocket_connect(
            self.url.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=protocols,
            additional_headers={"Cookie": _cookie(jar)},
            max_size=200 * 1024 * 1024,
            open_timeout=self.timeout,
            proxy=None,
            compression=None,
        )

    def _rerun(
        self, states: list | None = None, fragment_id: str = "", auto: bool = False
    ) -> bytes:
        msg = self.BackMsg()
        cs = msg.rerun_script
        cs.is_auto_rerun = auto
        cs.query_string = self.query
        cs.page_name = self.page
        cs.page_script_hash = self.page_hash
        if fragment_id:
            cs.fragment_id = fragment_id
        for s in states or []:
            cs.widget_states.widgets.append(s)
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        cs.context_info.url = f"{self.url}/{self.page}"
        return msg.SerializeToString()

    async def _run(self, payload: bytes, timeout: float | None = None) -> float:
        """Send one rerun request; wait for the run it causes to finish."""
        t0 = time.perf_counter()
        await self.ws.send(payload)
        deadline = t0 + (timeout or self.timeout)
        blocks: list[tuple[int, ...]] = []  # the containers this run drew anew
        seen: set[str] = set()  # the widgets it drew
        announced: set[str] = set()  # the fragment timers it asked for
        full_run = False  # it drew outside any fragment: the whole page
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no script_finished in {self.timeout:.0f} s")
            raw = await asyncio.wait_for(self.ws.recv(), left)
            if isinstance(raw, str):
                continue
            fm = self.ForwardMsg.FromString(raw)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = fm.new_session.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = fm.page_info_changed.query_string
            elif kind == "delta":
                path = tuple(fm.metadata.delta_path)
                if fm.delta.WhichOneof("type") == "add_block":
                    blocks.append(path)
                full_run = full_run or not fm.delta.fragment_id
                if (wid := self._delta(fm.delta, path)) is not None:
                    seen.add(wid)
            elif kind == "navigation":
                self.page_hash = fm.navigation.page_script_hash or self.page_hash
            elif kind == "auto_rerun":
                fid, now = fm.auto_rerun.fragment_id, time.perf_counter()
                announced.add(fid)
                old = self.timers.get(fid)
                self.timers[fid] = [fm.auto_rerun.interval, old[1] if old else now, now]
            elif kind == "stop_auto_rerun":
                for fid in fm.stop_auto_rerun.fragment_ids:
                    self.timers.pop(fid, None)
            elif kind == "script_finished" and fm.script_finished in OK:
                if full_run:
                    # the browser's page is this run's: its widgets, its timers
                    self.widgets = {k: w for k, w in self.widgets.items() if k in seen}
                    self.timers = {
                        k: t for k, t in self.timers.items() if k in announced
                    }
                elif blocks:
                    self._forget_redrawn(blocks, seen)
                return time.perf_counter() - t0

    def _forget_redrawn(self, blocks: list[tuple[int, ...]], seen: set[str]) -> None:
        """A fragment run drew its containers anew (its own, and those of the
        fragments nested in it): the widgets inside them that it did not draw
        again are gone (a nested fragment it no longer draws), as they are
        from a browser's page. A container a fragment writes into from outside
        (a control's place in the sidebar) is not drawn anew, so the widgets
        beside it stay."""
        drawn = [b for b in blocks if len(b) >= 2]
        self.widgets = {
            k: w
            for k, w in self.widgets.items()
            if k in seen
            or not any(len(w.path) > len(b) and w.path[: len(b)] == b for b in drawn)
        }

    def _delta(self, delta, path: tuple[int, ...] = ()) -> str | None:
        """Record a widget the run drew; its id (None for anything else)."""
        if delta.WhichOneof("type") != "new_element":
            return None
        el = delta.new_element
        kind = el.WhichOneof("type")
        if kind == "exception":
            self.exceptions.append(f"{el.exception.type}: {el.exception.message}")
            return None
        if kind not in WEIGHT:
            return None
        proto = getattr(el, kind)
        if getattr(proto, "disabled", False) or not proto.id:
            self.widgets.pop(proto.id, None)
            return None
        old = self.widgets.get(proto.id)
        w = Widget(kind, proto, delta.fragment_id, path=path)
        w.value = old.value if old else None
        self.widgets[proto.id] = w
        return proto.id

    async def open(self) -> float:
        await self.connect()
        return await self._run(self._rerun())

    async def idle(self, seconds: float) -> None:
        """Think for ``seconds`` while the browser's timers run: each fragment
        the page asked to rerun on a timer (a run's progress) is rerun at its
        interval, as a browser does; none of these counts as an interaction."""
        end = time.perf_counter() + seconds
        while True:
            now = time.perf_counter()
            due = [(t[2] + t[0], fid) for fid, t in self.timers.items()]
            nxt = min(due)[0] if due else end
            if nxt >= end:
                await asyncio.sleep(max(0.0, end - now))
                return
            await asyncio.sleep(max(0.0, nxt - now))
            fid = min(due)[1]
            if fid in self.timers:
                self.timers[fid][2] = time.perf_counter()
                start = self.timers[fid][1]
                try:
                    await self._run(self._rerun([], fid, auto=True), AUTO_TIMEOUT)
                except TimeoutError:
                    # the server no longer knows the fragment and answers
                    # nothing; a browser's timer would stop at the next run
                    self.timers.pop(fid, None)
                    continue
                if fid not in self.timers:  # its run is done: the page shows it
                    self.waits.append(time.perf_counter() - start)

    def _move(self) -> tuple[Any, str] | None:
        """A random widget and the state a person's move would send for it."""
        widgets = list(self.widgets.values())
        if not widgets:
            return None
        w = self.rng.choices(widgets, [WEIGHT[x.kind] for x in widgets])[0]
        s = self.WidgetState(id=w.proto.id)
        p, r = w.proto, self.rng
        if w.kind == "slider":
            if p.options:  # select_slider: labels
                cur = (
                    w.value
                    if w.value is not None
                    else int(p.value[0] if p.value else p.default[0])
                )
                i = min(len(p.options) - 1, max(0, cur + r.choice((-1, 1))))
                w.value = i
                s.string_array_value.data.append(p.options[i])
            else:
                cur = (
                    w.value
                    if w.value is not None
                    else (p.value[0] if p.value else p.default[0])
                )
                v = min(p.max, max(p.min, cur + r.choice((-1, 1)) * p.step))
                w.value = v
                s.double_array_value.data.append(v)
        elif w.kind == "button_group":
            s.string_array_value.data.append(r.choice(p.options).content)
        elif w.kind in ("selectbox", "radio"):
            if not p.options:
                return None
            s.string_value = r.choice(p.options)
        elif w.kind == "number_input":
            cur = (
                w.value
                if w.value is not None
                else (p.value if p.set_value else p.default)
            )
            v = cur + r.choice((-1, 1)) * (p.step or 1)
            if p.has_min:
                v = max(p.min, v)
            if p.has_max:
                v = min(p.max, v)
            w.value = v
            if p.data_type == 0:
                s.int_value = int(v)
            else:
                s.double_value = v
        elif w.kind == "checkbox":
            w.value = not (w.value if w.value is not None else p.value)
            s.bool_value = w.value
        elif w.kind == "button":
            s.trigger_value = True
        elif w.kind == "bidi_component":
            shape = _shape(p)
            if shape is None:
                return None
            s.json_value = json.dumps(
                {"focus": [r.randrange(shape[0]), r.randrange(shape[1])]}
            )
        return s, w.fragment_id

    async def interact(self) -> float | None:
        """One move (a few tries to find a widget that takes one); its latency."""
        for _ in range(10):
            if (move := self._move()) is not None:
                break
        else:
            return None
        state, fragment = move
        if not fragment:
            return await self._run(self._rerun([state], fragment))
        try:
            return await self._run(self._rerun([state], fragment), AUTO_TIMEOUT)
        except TimeoutError:
            # The server drops a rerun of a fragment it no longer has (a part
            # of the page that a fragment run took away): a browser would not
            # show its widgets any more, so forget them and move another one.
            self.widgets = {
                k: w for k, w in self.widgets.items() if w.fragment_id != fragment
            }
            return await self.interact()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


def _cookie(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


async def _get(url: str, jar: dict[str, str], timeout: float) -> list[str]:
    """GET over plain HTTP/1.1 as a browser would (cookies sent); the status must
    be 200; returns the Set-Cookie headers."""
    u = urlsplit(url)
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(u.hostname, u.port or 80), timeout
    )
    try:
        head = (
            f"GET {u.path or '/'} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n"
        )
        if jar:
            head += f"Cookie: {_cookie(jar)}\r\n"
        writer.write((head + "\r\n").encode())
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    lines = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    if not lines or " 200 " not in lines[0] + " ":
        raise ConnectionError(f"GET {u.path}: {lines[0] if lines else 'no answer'}")
    return [
        v.strip()
        for k, _, v in (x.partition(":") for x in lines[1:])
        if k.lower() == "set-cookie"
    ]


def _shape(proto) -> tuple[int, int] | None:
    """The (rows, cols) of a heatmap component, from the data it was sent."""
    try:
        data = json.loads(proto.json) if proto.json else None
    except ValueError:
        return None
    if isinstance(data, dict) and {"rows", "cols"} <= data.keys():
        return int(data["rows"]), int(data["cols"])
    return None


async def student(
    url: str,
    rng: random.Random,
    stats: Stats,
    interactions: int,
    think: tuple[float, float],
    delay: float,
    timeout: float,
) -> None:
    await asyncio.sleep(delay)
    page = rng.choices(list(MIX), list(MIX.values()))[0]
    stats.by_page[page or "lab"] = stats.by_page.get(page or "lab", 0) + 1
    s = Student(url, page, rng, timeout)
    try:
        await s.open()
        for _ in range(interactions):
            await s.idle(rng.uniform(*think))
            seen = len(s.exceptions)
            t = await s.interact()
            if t is None:
                continue
            if len(s.exceptions) > seen:
                stats.error("exception", f"{page or 'lab'}: {s.exceptions[-1]}")
            else:
                stats.done += 1
                stats.latencies.append(t)
        # a student whose page still follows a run waits for it (up to the
        # timeout), as a student looking at a progress bar does
        deadline = time.perf_counter() + timeout
        while s.timers and time.perf_counter() < deadline:
            await s.idle(1.0)
        stats.runs_unfinished += len(s.timers)
    except TimeoutError as e:
        stats.error("timeout", f"{page or 'lab'}: {e}")
    except Exception as e:  # a disconnect, a refused connection, an HTTP error
        stats.error("disconnect", f"{page or 'lab'}: {type(e).__name__}: {e}")
    finally:
        stats.run_waits += s.waits
        await s.close()


def _cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _rss_mb(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            m = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
            total += int(m[1]) / 1024 if m else 0
    return total


def _pct(v: list[float], q: float) -> float:
    if not v:
        return float("nan")
    return (
        statistics.quantiles(v, n=100, method="inclusive")[int(q) - 1]
        if len(v) > 1
        else v[0]
    )


async def run_stage(url, n, args, rng, pids) -> dict[str, Any]:
    stats = Stats(students=n)
    cpu0, t0 = _cpu_seconds(pids), time.perf_counter()
    await asyncio.gather(
        *(
            student(
                url,
                random.Random(rng.random()),
                stats,
                args.interactions,
                args.think,
                rng.uniform(0, args.arrive),
                args.timeout,
            )
            for _ in range(n)
        )
    )
    wall = time.perf_counter() - t0
    cpu = _cpu_seconds(pids) - cpu0
    lat, waits = stats.latencies, stats.run_waits
    return {
        "students": n,
        "pages": stats.by_page,
        "interactions_done": stats.done,
        "interactions_planned": n * args.interactions,
        "errors": stats.errors,
        "error_samples": stats.error_samples,
        "p50_s": round(_pct(lat, 50), 3),
        "p95_s": round(_pct(lat, 95), 3),
        "max_s": round(max(lat), 3) if lat else None,
        "runs_followed": len(stats.run_waits),
        "run_wait_p50_s": _round(_pct(waits, 50)) if waits else None,
        "run_wait_p95_s": _round(_pct(waits, 95)) if waits else None,
        "run_wait_max_s": _round(max(waits)) if waits else None,
        "runs_unfinished": stats.runs_unfinished,
        "wall_s": round(wall, 1),
        "server_cores": round(cpu / wall, 2) if pids else None,
        "server_cpu_ms_per_interaction": round(1000 * cpu / max(1, stats.done), 1)
        if pids
        else None,
        "server_rss_mb": round(_rss_mb(pids), 1) if pids else None,
    }


@contextlib.contextmanager
def _server(args) -> Iterator[tuple[str, list[int]]]:
    if args.url:
        yield args.url.rstrip("/"), [int(p) for p in args.pids.split(",") if p]
        return
    if args.replicas:
        from bench.harness import free_port

        proc = subprocess.Popen(
            [
                "bash",
                str(ROOT / "deploy" / "local.sh"),
                "--replicas",
                str(args.replicas),
                "--port",
                str(free_port()),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHON": sys.executable},
        )
        pids, url = [], None
        for line in proc.stdout:
            if m := re.match(r"replica \S+ pid (\d+)", line):
                pids.append(int(m[1]))
            elif m := re.match(r"serving (\S+)/", line):
                url = m[1]
                break
        try:
            yield url, pids
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        return
    from bench.harness import serve

    with serve("app.py") as url:
        out = subprocess.run(
            ["pgrep", "-f", "--", f"--server.port {url.rsplit(':', 1)[1]}"],
            capture_output=True,
            text=True,
        ).stdout
        yield url, [int(p) for p in out.split()]


async def main_async(args) -> list[dict[str, Any]]:
    rng = random.Random(args.seed)
    results = []
    with _server(args) as (url, pids):
        # Warm up: one student per page, so first-visit imports are not timed.
        warm = Stats(students=len(MIX))
        for page in MIX:
            s = Student(url, page, random.Random(0), args.timeout)
            try:
                await s.open()
            except Exception as e:
                warm.error("warm-up", f"{page}: {e}")
            finally:
                await s.close()
        if warm.errors:
            raise RuntimeError(f"warm-up failed: {warm.error_samples}")
        base_rss = _rss_mb(pids)
        for n in args.stages:
            r = await run_stage(url, n, args, rng, pids)
            r["server_rss_before_mb"] = round(base_rss, 1)
            results.append(r)
            print(_line(r), flush=True)
        if args.ttl_wait:
            await asyncio.sleep(args.ttl_wait)
            results.append({"after_ttl_rss_mb": round(_rss_mb(pids), 1)})
            rss = results[-1]["after_ttl_rss_mb"]
            print(f"after {args.ttl_wait:.0f} s: server RSS {rss} MB")
    return results


def _round(v: float) -> float:
    return round(v, 1)


def _line(r: dict[str, Any]) -> str:
    errs = sum(r["errors"].values())
    cpu = (
        f"  server {r['server_cores']} cores, {r['server_cpu_ms_per_interaction']} ms "
        f"CPU/interaction, RSS {r['server_rss_mb']} MB"
        if r["server_cores"] is not None
        else ""
    )
    runs = (
        f"  runs followed {r['runs_followed']}: wait p50 {r['run_wait_p50_s']} s, "
        f"p95 {r['run_wait_p95_s']} s, max {r['run_wait_max_s']} s, "
        f"{r['runs_unfinished']} unfinished"
        if r["runs_followed"] or r["runs_unfinished"]
        else ""
    )
    return (
        f"{r['students']:>4} students: {r['interactions_done']}/"
        f"{r['interactions_planned']} done, {errs} errors {r['errors'] or ''}  "
        f"p50 {r['p50_s']} s  p95 {r['p95_s']} s  max {r['max_s']} s{cpu}{runs}"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stages", default="25,50,100,200", help="students per stage")
    ap.add_argument("--interactions", type=int, default=3, help="per student")
    ap.add_argument("--think", default="2,6", help="think time range, seconds")
    ap.add_argument("--arrive", type=float, default=15.0, help="arrival window, s")
    ap.add_argument("--timeout", type=float, default=60.0, help="per interaction, s")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--url", help="an already running server (or proxy)")
    ap.add_argument("--pids", default="", help="with --url: server PIDs to measure")
    ap.add_argument("--replicas", type=int, default=0, help="start deploy/local.sh")
    ap.add_argument("--ttl-wait", type=float, default=0.0, help="then wait, read RSS")
    ap.add_argument(
        "--mix",
        default="",
        help="pages and shares, e.g. lab=1 or lab=0.6,why=0.4 (default: the class mix)",
    )
    ap.add_argument("--out", help="write the results as JSON here")
    args = ap.parse_args(argv)
    args.stages = [int(x) for x in args.stages.split(",")]
    args.think = tuple(float(x) for x in args.think.split(","))
    if args.mix:
        MIX.clear()
        for part in args.mix.split(","):
            name, _, share = part.partition("=")
            MIX["" if name == "lab" else name] = float(share or 1)
    return args


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    args = parse_args(argv)
    # A thread of its own: the caller's thread may run an event loop already
    # (Playwright's sync API does, in the e2e tests), where asyncio.run refuses.
    with ThreadPoolExecutor(1) as one:
        results = one.submit(lambda: asyncio.run(main_async(args))).result()
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    return results


if __name__ == "__main__":
    main()
