"""The scaled recipe on loopback: two replicas behind the real HAProxy.

`bash deploy/local.sh --replicas 2` is started as a person would start it; real
browser sessions go through the proxy. A session must stay on the replica that
holds its websocket, and killing one replica must leave the other's sessions
untouched and send new ones to the survivor.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.harness import ROOT, free_port, shared_link, wait_idle

CANVAS = ".normlab-heatmap canvas[data-plot]"


@dataclass
class Recipe:
    url: str
    socket: str
    pids: dict[str, int] = field(default_factory=dict)

    def servers(self) -> dict[str, dict[str, str]]:
        """HAProxy's own view of each replica (its runtime API): state, sessions."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.socket)
            s.sendall(b"show stat\n")
            out = b""
            while chunk := s.recv(65536):
                out += chunk
        lines = out.decode().strip().splitlines()
        head = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(head, line.split(","), strict=False)) for line in lines[1:]]
        return {
            r["svname"]: r
            for r in rows
            if r["pxname"] == "replicas" and r["svname"] not in ("BACKEND",)
        }


@contextlib.contextmanager
def local_recipe(replicas: int, results: Path) -> Iterator[Recipe]:
    port = free_port()
    proc = subprocess.Popen(
        [
            "bash",
            str(ROOT / "deploy" / "local.sh"),
            "--replicas",
            str(replicas),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHON": sys.executable, "NORMLAB_RESULTS": str(results)},
    )
    recipe = Recipe(url="", socket="")
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 180
        while not recipe.url:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("local.sh stopped:\n" + "".join(seen))
            seen.append(line)
            if m := re.match(r"replica (\S+) pid (\d+) port (\d+)", line):
                recipe.pids[m[1]] = int(m[2])
            elif m := re.match(r"haproxy socket (\S+)", line):
                recipe.socket = m[1]
            elif m := re.match(r"serving (\S+)/", line):
                recipe.url = m[1]
            if time.monotonic() > deadline:
                raise RuntimeError("local.sh did not serve in 180 s")
        # Keep reading what HAProxy says (a replica going down) so its pipe never fills.
        threading.Thread(target=lambda: seen.extend(proc.stdout), daemon=True).start()
        yield recipe
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    for pid in recipe.pids.values():  # the script stops what it started
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def open_lab(context, url: str):
    page = context.new_page()
    page.sockets = []  # every websocket the page opens (a reconnect adds one)
    page.on("websocket", lambda ws: page.sockets.append(ws))
    page.goto(url)
    page.wait_for_selector(CANVAS, timeout=120_000)
    wait_idle(page, 120_000)
    return page


def replica_of(context) -> str:
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    return cookies["NORMLAB_REPLICA"]


def batch_shape(page) -> str:
    return page.locator(CANVAS).first.get_attribute("data-shape")


def step_batch(page) -> str:
    """One step of the batch-size slider, by keyboard; the new (rows, cols)."""
    before = batch_shape(page)
    page.get_by_role("slider", name="Batch size").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        f"() => document.querySelector('{CANVAS}').dataset.shape !== '{before}'",
        timeout=60_000,
    )
    wait_idle(page, 60_000)
    return batch_shape(page)


def no_error(page) -> None:
    text = page.inner_text("body")
    assert "Traceback" not in text and "Connection error" not in text, text[:500]


def trained_numbers(context, url: str) -> tuple[int, str]:
    """Open Train vs eval on a classifier seed; (progress bars seen, its numbers)."""
    page = context.new_page()
    bars: list[int] = []
    page.goto(f"{url}/train_eval?cseed=41")
    done = page.get_by_text("one example at a time in train mode", exact=False)
    while not done.count():
        bars.append(page.get_by_test_id("stProgress").count())
        page.wait_for_timeout(100)
    metrics = page.locator("[data-testid='stMetric']")
    metrics.filter(has_text="Train mode, batch 64").wait_for(timeout=60_000)
    wait_idle(page, 120_000)
    text = metrics.all_inner_texts()
    page.close()
    return max(bars, default=0), "\n".join(text)


def test_two_replicas_behind_haproxy_keep_sessions_and_survive_one_dying(
    chromium, tmp_path
):
    with local_recipe(2, tmp_path) as recipe:
        assert set(recipe.pids) == {"r1", "r2"}
        a_ctx = chromium.new_context(viewport={"width": 1400, "height": 1000})
        b_ctx = chromium.new_context(viewport={"width": 1400, "height": 1000})
        try:
            a = open_lab(a_ctx, recipe.url)
            b = open_lab(b_ctx, recipe.url)
            ra, rb = replica_of(a_ctx), replica_of(b_ctx)
            # leastconn: the second class member goes to the idle replica
            assert {ra, rb} == {"r1", "r2"}
            servers = recipe.servers()
            assert all(servers[r]["status"] == "UP" for r in ("r1", "r2"))

            # Interactions and a share link, each session on its own replica.
            assert step_batch(a) == "33,16"
            assert step_batch(b) == "33,16"
            assert step_batch(a) == "34,16"
            link = shared_link(a)
            assert link.startswith(recipe.url) and "batch=34" in link
            assert (replica_of(a_ctx), replica_of(b_ctx)) == (ra, rb)
            assert [len(a.sockets), len(b.sockets)] == [1, 1]
            c_ctx = chromium.new_context(viewport={"width": 1400, "height": 1000})
            try:
                c = open_lab(c_ctx, link)
                assert batch_shape(c) == "34,16"
                no_error(c)
            finally:
                c_ctx.close()

            # A run trained on A's replica lands in the shared results directory
            # and is served to B, on the other replica, without training again.
            bars_a, numbers_a = trained_numbers(a_ctx, recipe.url)
            assert bars_a >= 1
            files = sorted(tmp_path.glob("train_eval-serving-*.npz"))
            assert len(files) == 3
            bars_b, numbers_b = trained_numbers(b_ctx, recipe.url)
            assert (bars_b, numbers_b) == (0, numbers_a) and numbers_a
            assert sorted(tmp_path.glob("train_eval-serving-*.npz")) == files

            # Kill A's replica outright: B, on the other one, carries on.
            os.kill(recipe.pids[ra], signal.SIGKILL)
            deadline = time.monotonic() + 30
            while recipe.servers()[ra]["status"] != "DOWN":
                assert time.monotonic() < deadline, "HAProxy never marked it down"
                time.sleep(0.5)
            assert step_batch(b) == "34,16"
            assert replica_of(b_ctx) == rb
            assert len(b.sockets) == 1 and not b.sockets[0].is_closed()
            no_error(b)

            # A new student arrives: served by the survivor, no error.
            d_ctx = chromium.new_context(viewport={"width": 1400, "height": 1000})
            try:
                d = open_lab(d_ctx, recipe.url)
                assert replica_of(d_ctx) == rb
                assert step_batch(d) == "33,16"
                no_error(d)
            finally:
                d_ctx.close()
            # A browser still holding the dead replica's cookie is sent over too.
            e = open_lab(a_ctx, recipe.url)
            assert batch_shape(e) == "32,16"
            no_error(e)
        finally:
            a_ctx.close()
            b_ctx.close()
