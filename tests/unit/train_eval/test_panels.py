"""The live panels (`lab.train_eval.panels`) and the classifier section's words
(`lab.train_eval.readouts`), built and read without a server."""

from __future__ import annotations

from lab.train_eval import cache
from lab.train_eval import texts as T
from lab.train_eval.model import build_live
from lab.train_eval.panels import body_panel, top_panel
from lab.train_eval.readouts import eval_readouts, finetune_readouts, stale_readouts
from lab.train_eval.state import TrainEvalState


def _charts(panel) -> list[dict]:
    return [c for b in panel.blocks if b["t"] == "figures" for c in b["items"]]


def test_the_stream_sits_above_the_pickers_and_the_clickable_heatmaps_below():
    view = build_live(TrainEvalState(step=30, focus=(2, 1)))
    top, body = top_panel(view), body_panel(view)
    assert [c["name"] for c in _charts(top)] == ["stream"]
    assert T.COMPARE_TITLE in top.words()
    assert "num_batches_tracked = 30" in top.words()
    heatmaps = _charts(body)
    assert [c["name"] for c in heatmaps] == ["train", "eval", "input", "diff"]
    assert all(c["clickable"] and c["focus"] == [2, 1] for c in heatmaps)
    assert "Batch 30, feature 1" in body.words()


def test_the_pitfalls_words_carry_the_measured_numbers():
    _, (serving, stale, finetune) = cache.load()
    (kind, readouts), *paragraphs = eval_readouts(serving, "auc")
    assert kind == "metrics"
    values = {label: value for label, value, _ in readouts}
    assert values["Train mode, batch 1"] == "0.500"
    assert serving["batch"].torch_error in paragraphs[0][1]
    assert ("caption", T.STALE_ZERO) in stale_readouts(stale, 0.0, "accuracy")
    assert ("caption", T.STALE_ZERO) not in stale_readouts(stale, 1.0, "accuracy")
    kinds = [k for k, _ in finetune_readouts(finetune, 1.0, "accuracy")]
    assert kinds == ["text", "text", "text", "caption"]
