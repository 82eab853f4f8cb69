"""The server's worker pool, started once per server process.

Slow computations in `lab` (training runs, sweeps) hand their work to
`lab.core.workers.default()` when one is set; `start` sets it, so that every page's
heavy run goes to a worker process and no student's click waits behind another
student's training run. ``NORMLAB_WORKERS=0`` starts none (everything runs in the
script thread, as in a notebook).
"""

from __future__ import annotations

import streamlit as st

from lab.core.workers import Workers, pool_size, set_default


@st.cache_resource(show_spinner=False)
def _pool(size: int) -> Workers | None:
    return Workers(size) if size > 0 else None


def start() -> None:
    set_default(_pool(pool_size()))
