"""The real run's shipped default (lab/sequences/cache.py): no training on a
first visit, and never a result of other code."""

from __future__ import annotations

import pytest

from lab.sequences import cache
from lab.sequences import run as R

CPU_SPREAD = 0.02
"""How far an accuracy may differ between processors (float32 training adds in
another order on another CPU's vector kernels; tests/unit/train_eval/
test_cache.py measured this for the Train vs eval classifier). The hash catches
any change of the code itself; this, a file that no longer fits it."""


def test_the_shipped_run_is_what_the_code_computes_now():
    """assets/sequences_default.json must be regenerated whenever the code
    behind it changes (`python -m bench.sequences_run --write`)."""
    digest, shipped = cache.load()
    assert digest == cache.code_hash(), "regenerate the shipped file"
    assert shipped.seed == cache.DEFAULT_SEED and shipped.steps == R.STEPS
    now = R.compute(shipped.seed)
    assert now.variants == shipped.variants
    for a, b in zip(
        (*now.little, *now.much), (*shipped.little, *shipped.much), strict=True
    ):
        assert a == pytest.approx(b, abs=CPU_SPREAD)
    for a, b in zip(now.final_loss, shipped.final_loss, strict=True):
        assert a == pytest.approx(b, rel=0.1)


def test_the_page_serves_the_shipped_run_without_training(monkeypatch):
    R.forget()

    def no_training(*args, **kwargs):
        raise AssertionError("the default view trained a model")

    monkeypatch.setattr(R, "compute", no_training)
    assert cache.preload()
    assert R.is_ready(cache.DEFAULT_SEED)
    assert R.run_results(cache.DEFAULT_SEED) == cache.load()[1]
    assert not R.is_ready(cache.DEFAULT_SEED + 1)
    R.forget()


def test_a_shipped_file_from_other_code_or_malformed_is_not_used(tmp_path):
    doc = cache.SHIPPED.read_text(encoding="utf-8")
    digest, result = cache.load()
    other = tmp_path / "other.json"
    other.write_text(doc.replace(digest, "0" * 64), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text(doc[: len(doc) // 2], encoding="utf-8")
    R.forget()
    for path in (other, broken, tmp_path / "missing.json"):
        assert not cache.preload(path)
    assert not R.is_ready(cache.DEFAULT_SEED)
    assert cache.to_json(result) == doc  # the format's round trip loses nothing
