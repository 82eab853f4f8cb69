"""The LayerNorm vs RMSNorm tests: reference computations on one thread, as
the page computes (a thread count can change float32's last bits)."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
