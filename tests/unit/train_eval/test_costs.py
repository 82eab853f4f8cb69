"""What the pitfalls cost the classifier (`lab.train_eval.costs`) and their
figures (`lab.train_eval.cost_figures`)."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

from lab.train_eval import classifier as C
from lab.train_eval import costs as K
from lab.train_eval.cost_figures import finetune_figure, serving_figure, stale_figure
from tests.unit.train_eval.helpers import model_with_statistics as _model


def test_recalibration_estimates_the_first_layers_mean_on_the_new_inputs():
    model = _model("batch")
    x, _ = C.moons(256, 4, C.ADAPT, shift=1.5)
    m = K.recalibrated(model, x)
    with torch.no_grad():
        h = model[0](x)  # N,H  what the first BatchNorm sees
    assert_close(m[1].running_mean, h.mean(0), atol=1e-5, rtol=1e-5)
    assert int(m[1].num_batches_tracked) == 4


def test_a_translation_is_undone_exactly_by_recalibrated_statistics():
    model = _model("batch")
    x, _ = C.moons(256, 5, C.ADAPT)
    xs, _ = C.moons(256, 5, C.ADAPT, shift=2.0)
    assert_close(xs - x, torch.tensor([C.SHIFT_DIRECTION]).expand_as(x) * 2.0)
    a = C.predict(K.recalibrated(model, x), x, "eval")
    b = C.predict(K.recalibrated(model, xs), xs, "eval")
    assert_close(a, b, atol=1e-4, rtol=1e-4)
    assert not torch.allclose(C.predict(model, xs, "eval"), b, atol=1e-2)


def test_frozen_fine_tuning_keeps_batchnorm_and_updating_moves_it():
    model = _model("batch")
    x, y = C.moons(16, 6, C.FT_TRAIN, shift=1.0)
    frozen = K.finetune(model, x, y, 4, "frozen", 0, steps=5)
    update = K.finetune(model, x, y, 4, "update", 0, steps=5)
    for i in (1, 4):
        for name in ("running_mean", "running_var", "weight", "bias"):
            assert torch.equal(getattr(frozen[i], name), getattr(model[i], name))
        assert not torch.equal(update[i].running_mean, model[i].running_mean)
    assert not torch.equal(frozen[0].weight, model[0].weight)  # the rest learned


def test_the_default_classifier_measures_the_pitfalls():
    """One shared training (memoized): what the page reports for seed 0."""
    bn = K.serving_costs("batch", 0)
    assert bn.eval[0].accuracy > 0.95
    assert len({s.accuracy for s in bn.eval}) == 1  # eval: any serving batch size
    assert bn.constant_at_one and bn.train[0].auc == 0.5
    assert bn.train[0].accuracy < 0.6 < bn.train[-1].accuracy
    assert "Expected more than 1 value per channel" in bn.torch_error
    for fam in ("layer", "rms"):
        c = K.serving_costs(fam, 0)
        assert c.train == c.eval and c.torch_error is None
    stale = K.stale_costs(0)
    k = stale.shifts.index(1.5)
    assert stale.stale[k].accuracy < 0.85 < 0.95 < stale.recalibrated[k].accuracy


def test_the_pitfall_figures_are_built_from_the_measurements():
    serving = {f: K.serving_costs(f, 0) for f in C.FAMILIES}
    fig = serving_figure(serving, "auc")
    assert len(fig["data"]) == 6
    assert fig["data"][1]["y"][0] == pytest.approx(0.5)  # BatchNorm, train, b = 1
    stale = K.stale_costs(0)
    assert len(stale_figure(stale, 1.0, "accuracy")["data"]) == 5
    ft = K.FinetuneCosts(
        shift=1.0,
        batches=(2, 4),
        before_new=C.Score(0.6, 0.7),
        before_old=C.Score(0.9, 0.95),
        recal_new=C.Score(0.9, 0.95),
        recal_old=C.Score(0.7, 0.8),
        new={"update": (C.Score(0.9, 0.9),) * 2, "frozen": (C.Score(0.8, 0.8),) * 2},
        old={"update": (C.Score(0.7, 0.7),) * 2, "frozen": (C.Score(0.9, 0.9),) * 2},
    )
    fig = finetune_figure(ft, "accuracy")
    assert [d["name"] for d in fig["data"][:3]] == [
        "BatchNorm updating (train mode)",
        "BatchNorm frozen (eval mode)",
        "before fine-tuning",
    ]
