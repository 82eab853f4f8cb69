"""One progress bar for every slow computation a page runs or waits for.

Fed by the computation's reports (``bar(fraction, message)``) — its own, or a
worker's, or its place in the queue (lab/core/workers.py) — it appears only
once the wait is real (``after`` seconds; a cached result shows none),
updates at most ~20 times a second, and goes when closed. Each update is a
Streamlit call, which is where a rerun (a control changed meanwhile) stops the
script: the computation is abandoned there and nothing partial is kept.

With ``keep_space`` the bar sits in a box that keeps its height while empty, so
the page does not move down as a run starts and back up as it ends
(assets/style.css: ``.st-key-normlab-progress``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

EVERY = 0.05
"""Seconds between updates at the most: each one is a message to the browser."""


class Progress:
    """``with Progress("Training…") as bar: compute(progress=bar)``."""

    def __init__(
        self,
        label: str,
        *,
        after: float = 0.0,
        keep_space: bool = False,
        words: Mapping[str, str] | None = None,  # messages → the page's words
        key: str = "normlab-progress",
    ) -> None:
        self.label = label
        self.after = after
        self.words = words
        self.start = time.perf_counter()
        self.last = 0.0
        self.bar: Any = None
        if keep_space:
            with st.container(key=key):
                self.slot = st.empty()
        else:
            self.slot = st.empty()
        if after <= 0:
            self.bar = self.slot.progress(0.0, text=label)

    def __call__(self, fraction: float, message: str | None = None) -> None:
        now = time.perf_counter()
        if self.bar is None:
            if now - self.start < self.after:
                return
            self.bar = self.slot.progress(0.0, text=self.label)
        if now - self.last < EVERY and fraction < 1.0:
            return
        self.last = now
        text = self.label
        if message and self.words is not None:
            # the message says it all, in the page's words where it has them (a
            # worker's queue words as they are)
            text = self.words.get(message, message)
        elif message:
            text = f"{text} {message}"
        self.bar.progress(min(max(float(fraction), 0.0), 1.0), text=text)

    def steps(self, done: int, total: int) -> None:
        """A report in steps done out of ``total``."""
        self(done / total if total else 1.0)

    def part(
        self, lo: float, width: float, name: str = ""
    ) -> Callable[[float, str], None]:
        """Reports of one part of a longer job, spanning [lo, lo + width]."""
        prefix = f"{name}: " if name else ""
        return lambda f, m="": self(lo + width * float(f), f"{prefix}{m}")

    def close(self) -> float:
        """Remove the bar (its box keeps its space); seconds since it was made."""
        self.slot.empty()
        return time.perf_counter() - self.start

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
