"""bench/jsprofile.py charges each CPU sample to the first function outside
React that React called, and counts self time by script without idle time."""

from __future__ import annotations

from bench.jsprofile import by_script, excerpt, react_callees, script_of

BASE = "http://127.0.0.1:8501/static/js/"


def frame(script: str, fn: str, line: int = 0, column: int = 0) -> dict:
    url = script if script.startswith("blob:") else (BASE + script if script else "")
    return {"url": url, "functionName": fn, "lineNumber": line, "columnNumber": column}


def profile() -> dict:
    """root ─ react-dom work ─ emotion styled (3:7) ─ emotion serialize
                         └ index Comp ─ react-dom hook ─ markdown parse
    root ─ lab component draw;  root ─ (idle);  root ─ (program)"""
    nodes = [
        (1, frame("", "(root)"), [2, 6, 7, 8]),
        (2, frame("react-dom.X.js", "work"), [3, 4]),
        (3, frame("emotion-styled.Y.js", "", 3, 7), [9]),
        (4, frame("index.Z.js", "Comp", 5, 2), [5]),
        (5, frame("react-dom.X.js", "hook"), [10]),
        (6, frame("blob:http://127.0.0.1:8501/0c1d", "draw"), []),
        (7, frame("", "(idle)"), []),
        (8, frame("", "(program)"), []),
        (9, frame("emotion-styled.Y.js", "serialize"), []),
        (10, frame("StreamlitMarkdown.W.js", "go"), []),
    ]
    samples = [9, 3, 10, 4, 6, 7, 8, 9]
    # each sample lasts until the next: deltas[i + 1] belongs to sample i
    deltas = [0, 100, 200, 300, 400, 500, 600, 700]
    return {
        "nodes": [
            {"id": i, "callFrame": cf, "children": kids} for i, cf, kids in nodes
        ],
        "samples": samples,
        "timeDeltas": deltas,
    }


def test_samples_are_charged_to_the_first_function_react_called():
    got = react_callees(profile())
    # emotion: samples 0 (serialize, 100), 1 (styled itself, 200), 7 (0: last)
    assert got[("emotion-styled.Y.js", "", 3, 7)] == 100 + 200
    # Comp: its own sample (400) and the Markdown React called beneath it
    # (300): the first callee of React from the root wins, not the deepest
    assert got[("index.Z.js", "Comp", 5, 2)] == 400 + 300
    # nothing React did not call
    assert sum(got.values()) == 1000
    assert not any(k[0].startswith("react-dom") for k in got)


def test_self_time_by_script_leaves_idle_out_and_names_the_lab_components():
    got = by_script(profile())
    assert got == {
        "emotion-styled.Y.js": 100 + 200 + 0,
        "StreamlitMarkdown.W.js": 300,
        "index.Z.js": 400,
        "(lab components)": 500,
        "(program)": 700,
    }


def test_scripts_are_named_by_file_and_native_work_by_its_name():
    assert script_of(frame("index.Z.js", "f")) == "index.Z.js"
    assert script_of(frame("", "(garbage collector)")) == "(garbage collector)"
    assert script_of(frame("", "fillText")) == "(fillText)"
    assert script_of(frame("", "")) == "(native)"


def test_the_excerpt_is_the_bundled_source_at_the_function(tmp_path):
    (tmp_path / "index.Z.js").write_text("first line\nab(e){return e}cd\n")
    assert excerpt(("index.Z.js", "f", 1, 2), 13, tmp_path) == "(e){return e}"
    assert excerpt(("missing.js", "f", 0, 0), 10, tmp_path) == ""
    assert excerpt(("index.Z.js", "f", -1, -1), 10, tmp_path) == ""


def test_the_benches_visit_the_moves_asked_for_on_the_view_asked_for():
    from bench.pages import DRIVERS, moves

    got = list(moves("lab,tensor", "slider,toggle", "largest tensor (8×12×4×4)"))
    assert [(name, kind) for name, _, _, kind in got] == [
        ("lab", "slider"),
        ("tensor", "slider"),
        ("tensor", "toggle"),
    ]
    # the Lab has no such view: its first; the Tensor view has
    assert got[0][2] == next(iter(DRIVERS["lab"].VIEWS.values()))
    assert "batch=8" in got[1][2]
    every = list(moves("why"))
    assert [k for *_, k in every] == list(DRIVERS["why"].INTERACTIONS)
