"""A canvas component's data travels as JSON bytes (lab/ui/components.py):
the browser must read exactly what ``json`` would have sent, and the loader's
JavaScript must name the keys Python uses."""

from __future__ import annotations

import json
import re

import numpy as np
from streamlit.proto.BidiComponent_pb2 import BidiComponent

from lab.ui.components import CODE, LONG, REF, SHARED, WANTED, _loader, data_of, packed
from tests.unit.node import run_node


def test_packed_reads_back_as_json_would_have_sent_it():
    data = {
        "figure": {"bdata": "AAAA", "shape": [2, 3]},
        "focus": (1, 2),
        3: "a number as a key",
        "scalars": [np.float64(0.1), np.float32(0.25), np.int64(7), np.bool_(True)],
        "text": "μ − σ²",
    }
    want = json.loads(json.dumps({**data, "scalars": [0.1, 0.25, 7, True]}))
    assert json.loads(packed(data)) == want


def test_a_value_orjson_refuses_falls_back_to_json():
    class Number(float):
        pass

    class Odd(dict):
        pass

    data = {"x": Odd(a=Number(1.5))}
    assert json.loads(packed(data)) == {"x": {"a": 1.5}}


def test_data_of_reads_the_bytes_and_drops_the_code():
    proto = BidiComponent()
    proto.bytes = packed({"focus": [1, 2], CODE: "export default () => {}"})
    assert data_of(proto) == {"focus": [1, 2]}
    proto = BidiComponent()
    proto.json = json.dumps({"focus": [3, 4]})
    assert data_of(proto) == {"focus": [3, 4]}


def test_the_loader_names_the_keys_python_uses():
    js = _loader("normlab_tensor")
    assert "//" not in js and "\n " not in js  # sent with every update: no comments
    assert 'const name = "normlab_tensor";' in js
    assert f"data[{json.dumps(CODE)}]" in js
    assert f"setStateValue({json.dumps(WANTED)}," in js
    assert f"data[{json.dumps(SHARED)}]" in js
    assert f"({json.dumps(REF)} in o)" in js
    placeholders = ("NAME", "[CODE]", "(WANTED,", "[SHARED]", "(REF in o)", "[REF]]")
    for placeholder in placeholders:
        assert placeholder not in js


def _repeating() -> dict:
    a, b = "A" * LONG, "B" * (LONG + 7)
    return {
        "panels": [
            {"z": a, "other": b, "pool": a, "title": "one"},
            {"z": a, "other": "short", "ticks": [[0, "0"], [1, b]]},
        ],
        "once": "C" * (LONG * 2),
        "short": ["x", "x"],
    }


def test_a_long_string_travels_once_and_reads_back_where_it_was():
    data = _repeating()
    sent = json.loads(packed(data))
    assert sorted(sent[SHARED]) == sorted(["A" * LONG, "B" * (LONG + 7)])
    assert sent["once"] == "C" * (LONG * 2)  # not repeated: left in place
    assert sent["short"] == ["x", "x"]
    assert {REF} == set(sent["panels"][0]["z"]) == set(sent["panels"][1]["z"])
    assert len(packed(data)) < len(json.dumps(data))
    proto = BidiComponent()
    proto.bytes = packed(data)
    assert data_of(proto) == data
    assert SHARED not in json.loads(packed({"z": "A" * LONG}))  # nothing repeats


def test_the_loader_puts_the_strings_back_before_the_component_sees_them():
    """The loader's JavaScript, run in Node on what `packed` sends: the data a
    component's code receives is the data Python gave."""
    js = _loader("normlab_test")
    inflate = re.search(r"function inflate\(.*?(?=export default)", js, re.S)
    assert inflate, "the loader's inflate moved: update this test"
    script = (
        inflate.group(0)
        + "const d = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        + f"const s = d[{json.dumps(SHARED)}]; delete d[{json.dumps(SHARED)}];"
        + "process.stdout.write(JSON.stringify(inflate(d, s)));"
    )
    out = run_node(script, packed(_repeating()).decode())
    assert json.loads(out) == _repeating()
