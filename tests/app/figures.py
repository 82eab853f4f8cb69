"""Read the canvas figures (lab/ui/figure.py) of a page run in AppTest.

The component is handed a Plotly figure dict with numeric arrays packed as
base64 float32; this unpacks them again, so a test reads ``fig["layout"]``
and ``fig["data"][i]["z"]`` as it would of the Plotly figure itself.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
from streamlit.testing.v1 import AppTest

from bench.fuzzing import send_click
from lab.core.panel import Panel, plain_text
from lab.ui.components import data_of

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


def _data(e: Any) -> dict[str, Any]:
    return unpack(data_of(e.proto))


def _charts(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, figure) of one component: a chart, or a panel's charts in order."""
    if "figure" in data:
        return [("", data["figure"])]
    return [
        (c["name"], c["figure"])
        for b in data.get("blocks", [])
        if b["t"] == "figures"
        for c in b["items"]
    ]


def figures(at: AppTest) -> list[dict[str, Any]]:
    """Every canvas figure on the page, in order (a panel's (lab/ui/panel.py)
    in their place among them), as Plotly figure dicts."""
    return [f for e in figure_elements(at) for _, f in _charts(_data(e))]


def figure_by_key(at: AppTest, key: str, chart: str = "") -> dict[str, Any]:
    """The figure of component ``key``; of a panel, its chart named ``chart``."""
    found = [e for e in figure_elements(at) if e.key == key]
    assert len(found) == 1, key
    return dict(_charts(_data(found[0])))[chart]


def panel_words(at: AppTest) -> str:
    """Every word the page's panels show, as plain text (`Panel.words`)."""
    out = []
    for e in figure_elements(at):
        data = _data(e)
        if "blocks" in data:
            out.append(Panel(blocks=data["blocks"]).words())
    return " ".join(out)


def panel_blocks(at: AppTest, key: str) -> list[dict[str, Any]]:
    """The blocks of the panel drawn under ``key``."""
    found = [e for e in figure_elements(at) if e.key == key]
    assert len(found) == 1, key
    return _data(found[0])["blocks"]


def panel_tables(at: AppTest, first: str) -> tuple[list[str], list[list[str]]]:
    """(head, rows) as plain text of the panel table whose first column is
    headed ``first``."""
    for e in figure_elements(at):
        for b in _data(e).get("blocks", []):
            if b["t"] == "table" and plain_text(b["head"][0]) == first:
                return [plain_text(h) for h in b["head"]], [
                    [plain_text(c) for c in r] for r in b["rows"]
                ]
    raise AssertionError(f"no panel table headed {first!r}")


def panel_off(at: AppTest) -> dict[str, bool]:
    """Which controls the page's panels switch off in the browser, by class."""
    out: dict[str, bool] = {}
    for e in figure_elements(at):
        out |= _data(e).get("off") or {}
    return out


def panel_metrics(at: AppTest) -> dict[str, str]:
    """label → value of every readout in the page's panels."""
    return {
        label: value
        for e in figure_elements(at)
        for b in _data(e).get("blocks", [])
        if b["t"] == "metrics"
        for label, value, _ in b["items"]
    }


def click_figure(
    at: AppTest, key: str, x: float, y: float, chart: str = "", curve: int = 0
) -> AppTest:
    """Send what the component sends when a point or cell (column ``x``, row
    ``y`` of a heatmap) of figure ``key`` (of a panel: its chart ``chart``) is
    clicked, and run the page."""
    found = next(e for e in figure_elements(at) if e.key == key)
    payload = {"x": x, "y": y, "curve": curve, "index": 0}
    if chart:
        payload["chart"] = chart
    send_click(found, payload)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _pickers(at: AppTest, key: str) -> list[list[Any]]:
    found = next(e for e in figure_elements(at) if e.key == key)
    for b in _data(found).get("blocks", []):
        if b["t"] == "pickers":
            return b["items"]
    raise AssertionError(f"no pickers in {key}")


def picked(at: AppTest, key: str) -> tuple[int, int]:
    """The values of the focused cell's two pickers heading panel ``key``
    (`Page.pickers`), as the browser sets them."""
    first, second = (item[1] for item in _pickers(at, key))
    return first, second


def picker_sizes(at: AppTest, key: str) -> tuple[int, int]:
    """How many indices each of panel ``key``'s pickers offers (0 … size − 1)."""
    first, second = (item[2] for item in _pickers(at, key))
    return first, second


def pick(at: AppTest, key: str, first: int, second: int) -> AppTest:
    """Type ``first`` and ``second`` into panel ``key``'s pickers: the panel
    sends what a click on a chart sends (lab/ui/panel.js), and the page runs."""
    return click_figure(at, key, x=second, y=first, chart="pickers")
