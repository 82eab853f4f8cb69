"""A canvas component's data travels as JSON bytes (lab/ui/components.py):
the browser must read exactly what ``json`` would have sent, and the loader's
JavaScript must name the keys Python uses."""

from __future__ import annotations

import json

import numpy as np
from streamlit.proto.BidiComponent_pb2 import BidiComponent

from lab.ui.components import CODE, WANTED, _loader, data_of, packed


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
    assert 'const name = "normlab_tensor";' in js
    assert f"data[{json.dumps(CODE)}]" in js
    assert f"setStateValue({json.dumps(WANTED)}," in js
    for placeholder in ("NAME", "[CODE]", "(WANTED,"):
        assert placeholder not in js
