"""The typed URL parameters every page uses."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lab.core.params import Choice, Eps, Ints, Num, read_params, summarize, write_params

SPECS = {
    "n": Num(1, 10, 1, integer=True),
    "x": Num(-1.0, 1.0, 0.25),
    "mode": Choice(("a", "b")),
    "eps": Eps((None, 1e-5, 1e-3)),
    "cell": Ints(3, "n,c,h"),
}


@dataclass(frozen=True)
class S:
    n: int = 3
    x: float = 0.0
    mode: str = "a"
    eps: float | None = None
    cell: tuple = (0, 0, 0)


@pytest.mark.parametrize(
    ("params", "values", "problem"),
    [
        ({"n": "4"}, {"n": 4}, None),
        ({"n": "40"}, {"n": 10}, "n (outside 1–10, clamped)"),
        ({"x": "0.3"}, {"x": 0.25}, "x (rounded to 0.25)"),
        ({"mode": "B"}, {"mode": "b"}, None),
        ({"mode": "c"}, {}, "mode (not an option)"),
        ({"eps": "default"}, {"eps": None}, None),
        ({"eps": "3e-4"}, {"eps": 1e-3}, "eps (snapped to 0.001)"),
        ({"cell": "1,2,3"}, {"cell": (1, 2, 3)}, None),
        ({"cell": "1,2"}, {}, "cell (expected n,c,h)"),
        ({"n": ["1", "2"]}, {"n": 2}, "n (given 2 times; used the last)"),
        ({"n": "x" * 41}, {}, "n (too long)"),
    ],
)
def test_each_spec_parses_or_names_the_problem(params, values, problem):
    got, problems = read_params(params, SPECS)
    assert got == values
    assert problems == ([problem] if problem else [])


def test_write_params_keeps_only_what_differs_from_the_base():
    state = S(n=5, eps=1e-5, cell=(1, 2, 3))
    params = write_params(state, S(), SPECS)
    assert params == {"n": "5", "eps": "1e-05", "cell": "1,2,3"}
    assert read_params(params, SPECS) == ({"n": 5, "eps": 1e-5, "cell": (1, 2, 3)}, [])


def test_summary_is_one_note_or_none():
    assert summarize([]) is None
    note = summarize(["a (x)", "b (y)"])
    assert note.count("could not be used as written") == 1 and "a (x); b (y)" in note
