"""The small classifier (`lab.train_eval.classifier`): scoring, the engine's
forward pass against torch's, serving in either mode, repeatable training and
the memo."""

from __future__ import annotations

import copy
import threading
import time

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from lab.train_eval import classifier as C
from tests.unit.train_eval.helpers import model_with_statistics as _model


def test_auc_counts_pairs_with_ties_as_half():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 5, 60).astype(float)  # many ties
    y = rng.integers(0, 2, 60)
    pos, neg = s[y == 1], s[y == 0]
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg).sum()
    assert C.auc(s, y) == pytest.approx(pairs / (len(pos) * len(neg)))
    assert C.auc(np.zeros(10), np.arange(10) % 2) == 0.5


@pytest.mark.parametrize("family", C.FAMILIES)
@pytest.mark.parametrize("training", [True, False])
def test_the_engine_forward_is_torch_forward(family, training):
    model = _model(family)
    x, _ = C.moons(16, 0, C.TEST)
    m = copy.deepcopy(model).train(training)
    with torch.no_grad():
        assert_close(C.engine_forward(model, x, training), m(x).squeeze(1))


def test_served_one_at_a_time_in_train_mode_every_input_gets_one_output():
    model = _model("batch")
    x, _ = C.moons(20, 1, C.TEST)
    logits = C.predict(model, x, "train", 1)
    assert (logits == logits[0]).all()
    assert "Expected more than 1 value per channel" in C.torch_refuses_one(model)
    assert C.torch_refuses_one(_model("layer")) is None


def test_serving_in_train_mode_matches_torch_and_leaves_the_model_alone():
    model = _model("batch")
    before = copy.deepcopy(model.state_dict())
    x, _ = C.moons(32, 2, C.TEST)
    got = C.predict(model, x, "train", 8)
    m = copy.deepcopy(model).train()
    with torch.no_grad():
        want = torch.cat([m(x[i : i + 8]).squeeze(1) for i in range(0, 32, 8)])
    assert_close(got, want)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_eval_mode_does_not_depend_on_the_serving_batch():
    model = _model("batch")
    x, _ = C.moons(32, 3, C.TEST)
    assert_close(C.predict(model, x, "eval", 1), C.predict(model, x, "eval", 32))


def test_training_is_repeatable_from_the_seed(monkeypatch):
    monkeypatch.setattr(C, "TRAIN_STEPS", 15)
    a = C._train("batch", 7, C._silent)
    b = C._train("batch", 7, C._silent)
    c = C._train("batch", 8, C._silent)
    for (k, va), vb in zip(
        a.model.state_dict().items(), b.model.state_dict().values(), strict=True
    ):
        assert torch.equal(va, vb), k
    assert not torch.equal(a.model[0].weight, c.model[0].weight)
    np.testing.assert_array_equal(a.losses, b.losses)


def test_the_memo_computes_each_key_once_for_concurrent_callers():
    memo = C.Memo()
    calls = []

    def slow(progress):
        calls.append(1)
        progress(0.5, "half")
        time.sleep(0.05)
        return object()

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(memo.get("k", slow)))
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(r) for r in results}) == 1
    assert memo.has("k") and not memo.has("other")


def test_one_thread_restores_torchs_setting():
    before = torch.get_num_threads()
    with C.one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
