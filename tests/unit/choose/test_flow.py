"""The decision flow against the material, line by line: "variable-length
sequences → LN; batch-1 serving → LN; many GPUs → LN, or BN with SyncBN; CNN
with batch ≥ 32 → BN; style transfer → IN; 2–4 samples per GPU → GN", and the
table by architecture (CNN large batch → BN, small batch → GN; transformer →
LN or RMS; GAN generator → IN or GN; RNN/LSTM → LN)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from lab.choose.flow import ARCHS, LARGE, NORMS, STEPS, TINY, Answers, recommend
from lab.choose.links import DEMOS
from lab.choose.state import PAGE, SCENARIO_PARAMS
from lab.choose.tables import ARCHITECTURES, FLOW


def pick(**answers: object) -> tuple[str, str, str]:
    a = recommend(Answers(**answers))
    return a.pick, a.runner_up, a.decided_by


@pytest.mark.parametrize("arch", ARCHS)
def test_variable_length_sequences_choose_layernorm(arch):
    """Asked first: padding decides before the architecture does."""
    got, runner_up, step = pick(arch=arch, ragged=True, per_device=64, devices=8)
    assert (got, step) == ("layer", "ragged")
    assert runner_up == ("masked" if arch == "cnn" else "rms")


@pytest.mark.parametrize("arch", ["cnn", "transformer", "rnn"])
@pytest.mark.parametrize("per_device", [1, 8, 64])
def test_serving_at_batch_size_one_chooses_layernorm(arch, per_device):
    got, runner_up, step = pick(arch=arch, serve_one=True, per_device=per_device)
    assert (got, step) == ("layer", "serve_one")
    assert runner_up == ("batch" if arch == "cnn" else "rms")


@pytest.mark.parametrize("per_device", [5, 8, 16, 31])
def test_many_gpus_choose_syncbatchnorm_for_a_cnn(per_device):
    assert pick(arch="cnn", per_device=per_device, devices=8) == (
        "sync",
        "group",
        "many_devices",
    )


@pytest.mark.parametrize("arch", ["transformer", "rnn"])
def test_many_gpus_choose_layernorm_for_a_sequence_model(arch):
    advice = recommend(Answers(arch=arch, per_device=8, devices=64))
    assert advice.pick == "layer"
    assert any(r.step == "devices" for r in advice.reasons)  # nothing to sync


@pytest.mark.parametrize("devices", [1, 8])
@pytest.mark.parametrize("per_device", [LARGE, 64, 256])
def test_a_cnn_with_32_or_more_per_device_chooses_batchnorm(per_device, devices):
    got, runner_up, step = pick(arch="cnn", per_device=per_device, devices=devices)
    assert (got, runner_up, step) == ("batch", "group", "cnn_large")


def test_a_cnn_with_31_on_one_device_still_chooses_batchnorm_with_groupnorm_close():
    assert pick(arch="cnn", per_device=LARGE - 1, devices=1) == (
        "batch",
        "group",
        "cnn_medium",
    )


@pytest.mark.parametrize("per_device", [2, 3, 4])
def test_two_to_four_per_gpu_choose_groupnorm(per_device):
    got, runner_up, step = pick(arch="cnn", per_device=per_device, devices=8)
    assert (got, runner_up, step) == ("group", "sync", "cnn_tiny")
    assert pick(arch="cnn", per_device=per_device, devices=1)[:2] == (
        "group",
        "layer",
    )


def test_five_per_gpu_is_no_longer_tiny():
    assert TINY == 4
    assert pick(arch="cnn", per_device=TINY + 1, devices=8)[0] == "sync"


@pytest.mark.parametrize("serve", [False, True])
@pytest.mark.parametrize("per_device", [1, 4, 64])
def test_style_transfer_and_generators_choose_instancenorm_then_groupnorm(
    serve, per_device
):
    got, runner_up, step = pick(
        arch="generator", serve_one=serve, per_device=per_device, devices=8
    )
    assert (got, runner_up, step) == ("instance", "group", "style")


@pytest.mark.parametrize("per_device", [1, 32])
def test_an_rnn_chooses_layernorm(per_device):
    assert pick(arch="rnn", per_device=per_device) == ("layer", "rms", "sequence_model")


@pytest.mark.parametrize("devices", [1, 8])
def test_a_transformer_chooses_layernorm_or_rmsnorm(devices):
    assert pick(arch="transformer", devices=devices) == (
        "layer",
        "rms",
        "sequence_model",
    )


def test_the_architecture_table_says_what_the_flow_says():
    by_title = {row[0].text: (row[1].text, row[2].text) for row in ARCHITECTURES.rows}
    cases = {
        "CNN, large batch": Answers(arch="cnn", per_device=64, devices=8),
        "CNN, small batch": Answers(arch="cnn", per_device=2, devices=8),
        "Transformer": Answers(arch="transformer"),
        "GAN generator": Answers(arch="generator"),
        "RNN / LSTM": Answers(arch="rnn"),
    }
    assert set(by_title) == set(cases)
    for title, answers in cases.items():
        advice = recommend(answers)
        choose, runner_up = by_title[title]
        assert NORMS[advice.pick] == choose, title
        assert runner_up in NORMS[advice.runner_up], title  # "SyncBatchNorm"


def test_the_flow_table_is_the_flow_in_order():
    assert [row[1].text for row in FLOW.rows] == [s.question for s in STEPS]
    assert [row[2].demo for row in FLOW.rows] == [s.demo for s in STEPS]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    arch=hs.sampled_from(ARCHS),
    ragged=hs.booleans(),
    serve=hs.booleans(),
    per_device=hs.integers(1, 4096),
    devices=hs.integers(1, 4096),
)
def test_every_answer_gets_a_norm_a_different_runner_up_and_linked_reasons(
    arch, ragged, serve, per_device, devices
):
    a = Answers(arch, ragged, serve, per_device, devices)
    advice = recommend(a)
    assert advice.pick in NORMS and advice.runner_up in NORMS
    assert advice.pick != advice.runner_up
    assert advice.held[0] == advice.decided_by == advice.reasons[0].step
    assert all(r.demo in DEMOS and r.text.strip() for r in advice.reasons)


def test_each_scenario_is_the_model_its_words_name():
    expect = {
        "lm": "layer",
        "lstm": "layer",
        "resnet": "batch",
        "one_gpu": "batch",
        "gpus": "sync",
        "detector": "group",
        "serving": "layer",
        "style": "instance",
    }
    assert set(expect) == set(SCENARIO_PARAMS)
    for key, norm in expect.items():
        assert recommend(PAGE.base(key).answers).pick == norm, key


def test_answers_out_of_range_are_refused():
    with pytest.raises(ValueError):
        Answers(arch="mlp")
    with pytest.raises(ValueError):
        Answers(per_device=0)
