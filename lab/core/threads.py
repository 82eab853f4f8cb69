"""One intra-op thread for the lab's torch computations, everywhere.

The lab's tensors are tiny, and on a shared 2-core host torch's OpenMP threads
spin-wait for cores other processes hold: 200 BatchNorm1d forwards took 1.4 s
instead of 4 ms under load, a 60-step fine-tune 2–8 s instead of 0.04–0.2 s.
One thread is also what makes a training run's numbers repeatable to the last
bit. The app's script threads (`use_one_thread`, every run: torch's setting
can differ between Streamlit's threads), the worker processes (at start) and
any computation a notebook runs (`one_thread`) all set it here. The
classifier's shipped results name this module among their code
(`lab.train_eval.classifier.CODE`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import torch

_threads_guard = threading.Lock()
_threads_users = 0
_threads_saved = 1


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one intra-op thread inside the block, then restore torch's
    setting. Nested and concurrent uses share one count; the last restores."""
    global _threads_users, _threads_saved
    with _threads_guard:
        if _threads_users == 0:
            _threads_saved = torch.get_num_threads()
            torch.set_num_threads(1)
        _threads_users += 1
    try:
        yield
    finally:
        with _threads_guard:
            _threads_users -= 1
            if _threads_users == 0:
                torch.set_num_threads(_threads_saved)


def use_one_thread() -> None:
    """One thread for torch in this process (or script thread) from now on."""
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
