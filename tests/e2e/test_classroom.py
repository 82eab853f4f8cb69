"""A short classroom: 20 simulated students on one server, every page in the mix."""

from __future__ import annotations

import pytest

from bench import classroom
from lab.core.workers import RESULTS_ENV


@pytest.fixture(autouse=True)
def own_results(monkeypatch, tmp_path):
    """The simulated class's server keeps its runs to itself: it would
    otherwise inherit the session's results folder (tests/e2e/conftest.py) and
    leave runs a later test expects to train (the Why normalize progress bar)."""
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "results"))


def test_twenty_students_at_once_get_every_answer_with_no_error():
    (stage,) = classroom.main(
        [
            "--stages",
            "20",
            "--interactions",
            "2",
            "--think",
            "0.5,2",
            "--arrive",
            "5",
            "--timeout",
            "120",
            "--seed",
            "1",
        ]
    )
    assert stage["errors"] == {}, stage["error_samples"]
    assert stage["interactions_done"] == stage["interactions_planned"] == 40
    assert sum(stage["pages"].values()) == 20
    assert stage["server_cores"] is not None and stage["server_rss_mb"] > 100


def test_quick_clicks_on_the_tensor_view_never_meet_an_unreserved_fragment():
    """Before lab/ui/fragments.py, 9 of 240 such moves (40 students) got
    StreamlitInvalidLayoutContextError: a fragment rerun whose place the last
    full run had not reserved. Now that rerun becomes a full run."""
    (stage,) = classroom.main(
        [
            "--stages",
            "25",
            "--interactions",
            "6",
            "--think",
            "0.2,1",
            "--arrive",
            "4",
            "--timeout",
            "120",
            "--seed",
            "2",
            "--mix",
            "tensor=1",
        ]
    )
    assert stage["errors"] == {}, stage["error_samples"]
    assert stage["interactions_done"] == stage["interactions_planned"] == 150
