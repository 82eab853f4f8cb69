"""SyncBatchNorm's arithmetic against a real torch.distributed all-reduce.

K local processes join a gloo process group on loopback, each holding one shard
of a batch. Each all-reduces its (count, Σx, Σx²) as the page says SyncBatchNorm
does, and all-gathers its (μ_k, σ²_k, n_k) as torch.nn.SyncBatchNorm actually
does; both results must equal the lab's SyncBatchNorm statistics and BatchNorm on
the concatenated batch. Every wait has a deadline, so a hung process group fails
the test instead of hanging the suite.

With gradient accumulation each device holds k micro-batch shards and
all-reduces once per micro-batch (per forward pass), as SyncBatchNorm does: the
statistics each micro-batch gets are the lab's (lab.coupling.accumulate), and
not the effective batch's, which only a sum over the micro-batches would give.
"""

from __future__ import annotations

import queue
import socket
from datetime import timedelta

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.testing import assert_close

from lab.core.norms import DEFAULT_EPS
from lab.coupling.accumulate import accumulated_batch_norm, accumulation
from lab.coupling.batches import (
    combine_moments,
    device_sums,
    shard_sizes,
    split,
    sync_batch_norm,
    sync_statistics,
)
from lab.coupling.model import Population, make_batch

WORLD = 3
BATCH = 10  # shards of 4, 3, 3: unequal counts, as SyncBatchNorm must handle
DEADLINE = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _join(rank: int, world: int, port: int) -> None:
    """This process as device ``rank`` of ``world``, over gloo on loopback."""
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world,
        timeout=timedelta(seconds=30),
    )


def _worker(rank: int, world: int, port: int, data: np.ndarray, out) -> None:
    """One device: all-reduce the sums, all-gather the moments, normalize.

    Results travel as numpy arrays (pickled by value): a tensor sent through a
    torch.multiprocessing queue is shared through the sender's file descriptors,
    which vanish when the sender exits.
    """
    try:
        shard = torch.from_numpy(data)
        _join(rank, world, port)
        x = shard.double()  # b_k,C
        c = x.shape[1]
        sums = torch.cat(
            [torch.tensor([float(len(x))]), x.sum(0), x.square().sum(0)]
        )  # 1+2C
        dist.all_reduce(sums, op=dist.ReduceOp.SUM)
        n, s, q = sums[0], sums[1 : 1 + c], sums[1 + c :]
        mean = s / n  # C
        var = q / n - mean.square()  # C
        y = (shard - mean.float()) / torch.sqrt(var.float() + DEFAULT_EPS)  # b_k,C

        v_k, m_k = torch.var_mean(x, dim=0, correction=0)
        mine = torch.cat([m_k, v_k, torch.tensor([float(len(x))])])  # 2C+1
        gathered = [torch.empty_like(mine) for _ in range(world)]
        dist.all_gather(gathered, mine)
        arrays = (s, q, mean, var, y, torch.stack(gathered))
        out.put((rank, n.item(), *(a.numpy().copy() for a in arrays)))
        dist.barrier()
        dist.destroy_process_group()
    except BaseException as e:  # report, never hang the parent
        out.put((rank, "error", repr(e)))


def _accum_worker(rank: int, world: int, port: int, micro: list, out) -> None:
    """One device over k micro-batches: one all-reduce of (n, Σx, Σx²) per
    micro-batch, each micro-batch normalized with its own; then the sums over
    the micro-batches, which are the effective batch's."""
    try:
        _join(rank, world, port)
        stats, outputs, total = [], [], None
        for shard in (torch.from_numpy(m) for m in micro):
            x = shard.double()  # b,C
            c = x.shape[1]
            sums = torch.cat(
                [torch.tensor([float(len(x))]), x.sum(0), x.square().sum(0)]
            )
            dist.all_reduce(sums, op=dist.ReduceOp.SUM)  # this micro-batch only
            total = sums.clone() if total is None else total + sums
            n, sx, sq = sums[0], sums[1 : 1 + c], sums[1 + c :]
            mean, var = sx / n, sq / n - (sx / n).square()
            stats.append(torch.stack([mean, var]).numpy().copy())
            y = (shard - mean.float()) / torch.sqrt(var.float() + DEFAULT_EPS)
            outputs.append(y.numpy().copy())
        assert total is not None
        out.put((rank, np.stack(stats), outputs, total.numpy().copy()))
        dist.barrier()
        dist.destroy_process_group()
    except BaseException as e:  # report, never hang the parent
        out.put((rank, "error", repr(e)))


def _run(shards: list, target=_worker) -> dict[int, tuple]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    port = _free_port()
    procs = [
        ctx.Process(target=target, args=(r, WORLD, port, shards[r], out))
        for r in range(WORLD)
    ]
    for p in procs:
        p.start()
    results: dict[int, tuple] = {}
    try:
        while len(results) < WORLD:
            try:
                item = out.get(timeout=DEADLINE)
            except queue.Empty:
                pytest.fail(f"process group timed out; got ranks {sorted(results)}")
            failed = isinstance(item[1], str) and item[1] == "error"
            assert not failed, f"rank {item[0]} failed: {item[2]}"
            if target is _worker:
                item = item[:2] + tuple(torch.from_numpy(a) for a in item[2:])
            results[item[0]] = item
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join(timeout=5)
    return results


@pytest.fixture(scope="module")
def setup():
    pop = Population(features=6, gap=3.0, seed=11)
    x = make_batch(pop, BATCH) + 50.0  # a large mean stresses Σx² − Nμ²
    shards = [s.contiguous() for s in split(x, WORLD)]
    return x, shards, _run([s.numpy() for s in shards])


def test_shards_have_unequal_counts(setup):
    _, shards, results = setup
    assert [len(s) for s in shards] == list(shard_sizes(BATCH, WORLD)) == [4, 3, 3]
    assert all(results[r][1] == BATCH for r in range(WORLD))


def test_all_reduced_statistics_are_the_lab_s_sync_statistics(setup):
    x, shards, results = setup
    mean, var = sync_statistics(shards)
    sums = device_sums(shards)
    for r in range(WORLD):
        _, _, s, q, r_mean, r_var, _, _ = results[r]
        assert_close(s, sums.sums.sum(0), rtol=1e-12, atol=1e-9)
        assert_close(q, sums.squares.sum(0), rtol=1e-12, atol=1e-9)
        assert_close(r_mean, mean, rtol=1e-12, atol=1e-12)
        assert_close(r_var, var, rtol=1e-9, atol=1e-9)
    want_var, want_mean = torch.var_mean(x.double(), dim=0, correction=0)
    assert_close(mean, want_mean, rtol=1e-12, atol=1e-12)
    assert_close(var, want_var, rtol=1e-7, atol=1e-7)


def test_all_gathered_moments_combine_to_the_same_statistics(setup):
    x, _, results = setup
    c = x.shape[1]
    table = results[0][7]  # K, 2C+1: every device's (μ_k, σ²_k, n_k)
    for r in range(1, WORLD):
        assert torch.equal(results[r][7], table)
    mean, var = combine_moments(table[:, -1], table[:, :c], table[:, c : 2 * c])
    want_var, want_mean = torch.var_mean(x.double(), dim=0, correction=0)
    assert_close(mean, want_mean, rtol=1e-12, atol=1e-12)
    assert_close(var, want_var, rtol=1e-12, atol=1e-12)


def test_each_device_s_output_is_batchnorm_on_the_whole_batch(setup):
    x, _, results = setup
    y = torch.cat([results[r][6] for r in range(WORLD)])  # B,C
    want = nn.BatchNorm1d(x.shape[1], affine=False).train()(x)
    assert_close(y, want, rtol=1e-4, atol=1e-5)
    assert_close(sync_batch_norm(x, WORLD), y, rtol=1e-4, atol=1e-5)


STEPS = 4  # micro-batches of 12 on 3 devices, 4 each: an effective batch of 48


@pytest.fixture(scope="module")
def accumulated():
    pop = Population(features=6, gap=3.0, seed=11)
    x = make_batch(pop, STEPS * 12)  # B,F: the batch the page's view holds
    per_rank = [[] for _ in range(WORLD)]
    for micro in split(x, STEPS):
        for r, shard in enumerate(split(micro, WORLD)):
            per_rank[r].append(shard.contiguous().numpy())
    return pop, x, _run(per_rank, target=_accum_worker)


def test_each_micro_batch_gets_its_own_all_reduce_and_the_lab_s_statistics(
    accumulated,
):
    pop, x, results = accumulated
    acc = accumulation(pop, STEPS * 12, 12, WORLD)
    for r in range(WORLD):
        stats = torch.from_numpy(results[r][1])  # K, 2, C
        assert_close(stats[:, 0], torch.from_numpy(acc.means), rtol=1e-12, atol=1e-9)
        assert_close(stats[:, 1], torch.from_numpy(acc.variances), rtol=1e-7, atol=1e-7)
    # the devices' outputs, micro-batch by micro-batch, are the lab's
    y = torch.cat(
        [torch.from_numpy(results[r][2][j]) for j in range(STEPS) for r in range(WORLD)]
    )
    assert_close(y, accumulated_batch_norm(x, STEPS, WORLD), rtol=1e-4, atol=1e-5)
    assert_close(
        y,
        torch.cat(
            [nn.BatchNorm1d(6, affine=False).train()(m) for m in split(x, STEPS)]
        ),
        rtol=1e-4,
        atol=1e-5,
    )


def test_only_a_sum_over_the_micro_batches_gives_the_effective_batch(accumulated):
    pop, x, results = accumulated
    acc = accumulation(pop, STEPS * 12, 12, WORLD)
    total = torch.from_numpy(results[0][3])  # 1 + 2C: summed over micro-batches
    c = x.shape[1]
    n, sx, sq = total[0], total[1 : 1 + c], total[1 + c :]
    want_var, want_mean = torch.var_mean(x.double(), dim=0, correction=0)
    assert int(n) == STEPS * 12
    assert_close(sx / n, want_mean, rtol=1e-12, atol=1e-12)
    assert_close(sq / n - (sx / n).square(), want_var, rtol=1e-7, atol=1e-7)
    assert_close(torch.from_numpy(acc.split.var), want_var, rtol=1e-7, atol=1e-7)
    # every micro-batch's statistics differ from the effective batch's
    assert (torch.from_numpy(acc.means) - want_mean).abs().max() > 0.05
