"""Small computations for tests of `lab.core.workers` (importable by a worker)."""

from __future__ import annotations

import time

import numpy as np


def count(n: int, delay: float, progress) -> dict[str, np.ndarray]:
    for i in range(n):
        time.sleep(delay)
        progress((i + 1) / n, f"step {i + 1} of {n}")
    return {"x": np.arange(n, dtype=np.float32)}


def decode_count(arrays) -> np.ndarray:
    return arrays["x"]
