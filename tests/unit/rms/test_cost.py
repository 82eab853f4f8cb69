"""Parameters, buffers and bytes (lab.rms.cost), read off torch.nn itself."""

from __future__ import annotations

import pytest

from lab.rms.cost import BYTES, counts, memory, modules, saved_bytes, saved_per_token
from lab.rms.timing import IMPLS


@pytest.mark.parametrize("hidden", [256, 768, 4096])
def test_counts_are_the_modules(hidden):
    c = {k: counts(m) for k, m in modules(hidden).items()}
    assert (c["layer"].gamma, c["layer"].beta, c["layer"].buffers) == (
        hidden,
        hidden,
        0,
    )
    assert (c["rms"].gamma, c["rms"].beta, c["rms"].buffers) == (hidden, 0, 0)
    assert c["batch"].buffers == 2 * hidden + 1
    assert c["batch"].buffer_names == (
        "running_mean",
        "running_var",
        "num_batches_tracked",
    )
    assert c["layer"].params - c["rms"].params == hidden


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("impl", IMPLS)
def test_saved_bytes_grow_linearly_so_two_calls_give_any_token_count(impl, dtype):
    for tokens in (3, 16):
        direct = saved_bytes(impl, 512, tokens, dtype) / tokens
        assert saved_per_token(impl, 512, tokens, dtype) == pytest.approx(direct)


def test_a_fused_layer_norm_keeps_statistics_and_tensor_ops_keep_rows():
    m = memory(1024, 16, "float32")
    assert m.saved["layer"] <= 16  # mean and rstd per token
    assert m.saved["layer_ref"] >= 1024 * 4  # at least one float32 row
    assert m.saved["rms_ref"] >= 1024 * 4


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_traffic_is_a_row_each_way_plus_shared_parameters(dtype):
    m = memory(2048, 128, dtype)
    row = 2048 * BYTES[dtype]
    assert m.written == {"layer": row, "rms": row}
    assert m.read["layer"] == pytest.approx(row + 2 * row / 128)
    assert m.read["rms"] == pytest.approx(row + row / 128)
