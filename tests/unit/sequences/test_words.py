"""The page's sentences say what its numbers show (lab/sequences/words.py)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from lab.core.helpers import fmt
from lab.sequences.data import BatchSpec
from lab.sequences.model import build_view
from lab.sequences.run import VARIANTS, RunResult
from lab.sequences.serving import one_token, serving
from lab.sequences.state import PAGE
from lab.sequences.words import (
    SMALL_POINTS,
    channel_sentence,
    corruption_sentence,
    exact,
    one_decimal,
    one_token_sentences,
    run_sentences,
    serving_sentence,
)


def test_numbers_as_the_page_prints_them():
    assert exact(0.0) == "0 exactly" and exact(None) == "—"
    assert exact(2.384185791015625e-07) == "2.38e−07"
    assert [one_decimal(v) for v in (3.0, 1.5, -2.0, 3.25, 12345.0)] == [
        "3.0",
        "1.5",
        "−2.0",
        "3.25",
        "1.234e+04",
    ]
    assert one_decimal(math.nan) == "NaN"


def test_the_toy_case_in_words():
    view = build_view(PAGE.base("toy").spec)
    assert channel_sentence(view) == (
        "Channel 0: the 5 real tokens have mean 3.0 and variance 2.0; pooled "
        "with the 5 pads, mean 1.5 and variance 3.25."
    )


def test_channel_sentences_without_pads_and_without_tokens():
    full = build_view(BatchSpec(lengths="equal", short=12))
    assert "nothing is padded" in channel_sentence(full)
    empty = build_view(BatchSpec(lengths="equal", short=0))
    words = channel_sentence(empty)
    assert "Every position is padding" in words
    assert one_decimal(empty.channels.all_mean[0]) in words


def test_the_channel_sentence_names_the_channel_the_pads_moved_most():
    view = build_view(BatchSpec())
    ch = view.channels
    c = int(np.argmax(np.abs(ch.all_mean - ch.real_mean)))
    words = channel_sentence(view)
    assert words.startswith(f"Channel {c}, whose mean the pads moved most: ")
    assert f"mean {one_decimal(ch.real_mean[c])} and variance" in words
    assert f"mean {one_decimal(ch.all_mean[c])} and variance" in words


def test_the_corruption_sentence_quotes_the_largest_change():
    view = build_view(BatchSpec())
    words = corruption_sentence(view)
    assert f"up to {fmt(view.families['batch'].change)}" in words
    assert f"{100 * view.batch.padded_fraction:.0f}% of the positions" in words
    assert "BatchNorm + mask, LayerNorm, RMSNorm: 0 exactly." in words
    full = build_view(BatchSpec(lengths="equal", short=12))
    assert corruption_sentence(full).startswith("Nothing is padded")
    empty = build_view(BatchSpec(lengths="equal", short=0))
    assert "no real token" in corruption_sentence(empty)


def test_the_serving_sentence_quotes_the_running_statistics():
    serve = serving(BatchSpec())
    c = int(np.argmax(np.abs(serve.padded.mean - serve.masked.mean)))
    words = serving_sentence(serve)
    assert words.startswith(f"In channel {c}, where they differ most, ")
    assert (
        f"is {fmt(serve.padded.mean[c])} against {fmt(serve.masked.mean[c])}" in words
    )
    assert fmt(serve.padded.var[c] / serve.masked.var[c]) + "×" in words
    assert f"up to {fmt(serve.gap)}" in words


def test_the_serving_sentence_when_nothing_differs_or_nothing_trained():
    same = serving(BatchSpec(lengths="equal", short=12))
    assert "the same output" in serving_sentence(same)
    flat = serving(BatchSpec(data="flat", shift=0.0))
    assert "where the masked one is 0" in serving_sentence(flat)
    none = serving(BatchSpec(lengths="equal", short=0))
    assert serving_sentence(none) == "There is no real token to serve."


def test_one_token_sentences_quote_torch_and_the_zero_difference():
    spec = BatchSpec()
    view = build_view(spec)
    tok = one_token(view, serving(spec), 0, 0)
    words = " ".join(one_token_sentences(tok))
    assert "every output is β = 0" in words
    assert (
        "torch refuses it ('Expected more than 1 value per channel when training')"
        in words
    )
    assert "LayerNorm and RMSNorm give the token alone exactly its output" in words


def result(little, much, loss=(0.2, 0.2, 0.2)) -> RunResult:
    return RunResult(0, VARIANTS, tuple(little), tuple(much), tuple(loss), 300)


def test_a_small_difference_is_called_small():
    words = run_sentences(result((0.95, 0.953, 0.94), (0.96, 0.958, 0.95)))
    assert words[0] == (
        "Accuracy with little and with much padding: BatchNorm 95.0% and 96.0%; "
        "BatchNorm + mask 95.3% and 95.8%; LayerNorm 94.0% and 95.0%."
    )
    assert words[1].startswith("The mask made a small difference here")
    assert f"under {fmt(SMALL_POINTS)} point" in words[1]


def test_a_mask_that_helped_hurt_or_both():
    helped = run_sentences(result((0.90, 0.98, 0.95), (0.92, 0.96, 0.95)))
    assert helped[1] == "The mask helped on both test sets, by 8.0 and 4.0 points."
    hurt = run_sentences(result((0.98, 0.95, 0.95), (0.97, 0.94, 0.95)))
    assert hurt[1].startswith("Here BatchNorm pooling the pads scored higher")
    mixed = run_sentences(result((0.90, 0.95, 0.95), (0.97, 0.94, 0.95)))
    assert "changed sign" in mixed[1] and "largest 5.0 points" in mixed[1]


def test_the_training_loss_sentence_only_when_it_is_true():
    lower = result((0.90, 0.98, 0.95), (0.92, 0.96, 0.95), loss=(0.12, 0.15, 0.13))
    assert any("lowest training loss (0.12)" in s for s in run_sentences(lower))
    best = result((0.99, 0.98, 0.95), (0.99, 0.96, 0.95), loss=(0.12, 0.15, 0.13))
    assert not any("lowest training loss" in s for s in run_sentences(best))
    higher = replace(lower, final_loss=(0.2, 0.15, 0.13))
    assert not any("lowest training loss" in s for s in run_sentences(higher))
