"""The Why normalize tests' shared fixture: reference computations run on one
thread, as the sweep does (a thread count changes BatchNorm's last bits)."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    """Reference computations run on one thread, as the sweep does."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
