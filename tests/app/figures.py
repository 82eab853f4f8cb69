"""Read the canvas figures (lab/ui/figure.py) of a page run in AppTest.

The component is handed a Plotly figure dict with numeric arrays packed as
base64 float32; this unpacks them again, so a test reads ``fig["layout"]``
and ``fig["data"][i]["z"]`` as it would of the Plotly figure itself.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
from streamlit.testing.v1 import AppTest

NAME = "normlab_figure"


def unpack(value: Any) -> Any:
    if isinstance(value, dict):
        if "__f32" in value:
            a = np.frombuffer(base64.b64decode(value["__f32"]), dtype=np.float32)
            return a.reshape(value["shape"])
        return {k: unpack(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unpack(v) for v in value]
    return value


def figure_elements(at: AppTest) -> list[Any]:
    return [
        e
        for e in at.main
        if getattr(e, "type", "") == "bidi_component"
        and e.proto.component_name.endswith(NAME)
    ]


def figures(at: AppTest) -> list[dict[str, Any]]:
    """Every canvas figure on the page, in order, as Plotly figure dicts."""
    return [unpack(json.loads(e.proto.json))["figure"] for e in figure_elements(at)]


def figure_by_key(at: AppTest, key: str) -> dict[str, Any]:
    found = [e for e in figure_elements(at) if e.key == key]
    assert len(found) == 1, key
    return unpack(json.loads(found[0].proto.json))["figure"]


def click_figure(at: AppTest, key: str, x: float, y: float, curve: int = 0) -> AppTest:
    """Send what the component sends when a point or cell (column ``x``, row
    ``y`` of a heatmap) of figure ``key`` is clicked, and run the page."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    from streamlit.testing.v1.element_tree import Widget

    found = next(e for e in figure_elements(at) if e.key == key)
    ws = WidgetState()
    ws.id = f"$$STREAMLIT_INTERNAL_KEY_{found.proto.id}__events"
    payload = {"x": x, "y": y, "curve": curve, "index": 0}
    ws.json_trigger_value = json.dumps([{"event": "click", "value": payload}])
    found.__class__ = type(
        "Clicked", (type(found), Widget), {"_widget_state": property(lambda s: ws)}
    )
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
