"""A short classroom: 20 simulated students on one server, every page in the mix."""

from __future__ import annotations

from bench import classroom


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
