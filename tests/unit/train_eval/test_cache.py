"""The shipped default results (`lab.train_eval.cache`; issue 12: no training
on a first visit)."""

from __future__ import annotations

import json

import pytest

from lab.train_eval import cache
from lab.train_eval import classifier as C
from lab.train_eval import costs as K
from lab.train_eval.state import TrainEvalState
from lab.train_eval.stream import PAGE_FAMILIES

CPU_SPREAD = 0.02
"""How far a score may differ between processors: training in float32 adds
in a different order on different CPUs' vector kernels, and over a training
run that moves a few of 1,024 examples across the decision boundary. Measured
on 2026-12-05 on a Xeon with AVX512-FP16 against the machine that wrote the
file: 58 of the file's scores differ, by 0.0010 at the median and 0.011 at the
most (fine-tuning on single examples); ATEN_CPU_CAPABILITY and MKL_CBWR do not
reproduce the file's rounding. The hash above catches any change of the code
itself; this catches a file that no longer fits it."""


def _leaves(doc: object, path: str = "") -> dict[str, object]:
    if isinstance(doc, dict):
        return {
            k: v
            for key, val in doc.items()
            for k, v in _leaves(val, f"{path}/{key}").items()
        }
    if isinstance(doc, list):
        return {
            k: v
            for i, val in enumerate(doc)
            for k, v in _leaves(val, f"{path}[{i}]").items()
        }
    return {path: doc}


def test_the_shipped_default_results_are_what_the_code_computes_now():
    """assets/train_eval_default.json must be regenerated whenever the code
    behind it changes (`python -m bench.train_eval_classifier --write`): its
    hash names the code, and every number is recomputed here and compared
    (scores to `CPU_SPREAD`, everything else exactly)."""
    header, _ = cache.load()
    assert header["code_hash"] == cache.code_hash(), "regenerate the shipped file"
    default = TrainEvalState()
    assert (header["seed"], header["shift"]) == (default.cseed, default.cshift)
    C.MEMO.clear()  # recompute, never read back what a preload stored
    computed = cache.compute(default.cseed, default.cshift)
    now = _leaves(json.loads(cache.to_json(computed, default.cseed, default.cshift)))
    shipped = _leaves(json.loads(cache.SHIPPED.read_text(encoding="utf-8")))
    assert now.keys() == shipped.keys()
    for key, value in now.items():
        if isinstance(value, float) and key.rsplit("/", 1)[-1] in ("accuracy", "auc"):
            assert value == pytest.approx(shipped[key], abs=CPU_SPREAD), key
        else:
            assert value == shipped[key], key


def test_the_page_serves_the_shipped_results_without_training(monkeypatch):
    _, (serving, stale, finetune) = cache.load()
    C.MEMO.clear()

    def no_training(*args, **kwargs):
        raise AssertionError("the default view trained a classifier")

    monkeypatch.setattr(C, "_train", no_training)
    assert cache.preload()
    default = TrainEvalState()
    for fam in PAGE_FAMILIES:
        assert C.is_ready("serving", fam, default.cseed)
        assert K.serving_costs(fam, default.cseed) == serving[fam]
    assert K.stale_costs(default.cseed) == stale
    assert K.finetune_costs(default.cseed, default.cshift) == finetune
    assert not C.is_ready("serving", "batch", default.cseed + 1)
    C.MEMO.clear()


def test_a_shipped_file_from_other_code_or_malformed_is_not_used(tmp_path):
    doc = cache.SHIPPED.read_text(encoding="utf-8")
    header, _ = cache.load()
    other = tmp_path / "other.json"
    other.write_text(doc.replace(header["code_hash"], "0" * 64), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text(doc[: len(doc) // 2], encoding="utf-8")
    C.MEMO.clear()
    for path in (other, broken, tmp_path / "missing.json"):
        assert not cache.preload(path)
    assert not C.is_ready("serving", "batch", header["seed"])
    # and the round trip through the format loses nothing
    _, results = cache.load()
    assert cache.to_json(results, header["seed"], header["shift"]) == doc
