"""The canvases print numbers (hover, screen-reader labels, the values tests
read) with lab/ui/kit.js's ``fmt``; the readouts beside them with Python's
``lab.core.helpers.fmt``. Both must print a value the same way, to the
character, or a student reads two numbers for one cell.

Runs kit.js's number functions in Node (the machine's, as the accessibility
tests' axe-core does) on values of every magnitude, on every kind of value
exactly halfway between two printed ones (where JavaScript's own rounding
differs from Python's), and on the edges (−0, NaN, ±∞, 1e4).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from lab.core.helpers import fmt
from tests.unit.node import run_node

KIT = Path(__file__).resolve().parents[2] / "lab" / "ui" / "kit.js"


def _numbers_code() -> str:
    """kit.js's section of number functions (``fmt`` and its helpers)."""
    text = KIT.read_text(encoding="utf-8")
    found = re.search(r"// ---- numbers ----\n(.*?)\n// Round ticks", text, re.S)
    assert found, "kit.js's numbers section moved: update this test"
    return found.group(1)


def _js_fmt(values: list[float]) -> list[str]:
    # JSON has no NaN or infinities: send them as strings
    sent = [v if np.isfinite(v) else str(v) for v in values]
    script = (
        _numbers_code()
        + "\nconst vs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        + "\nprocess.stdout.write(JSON.stringify(vs.map((v) => fmt("
        + "typeof v === 'string' ? Number(v.replace('inf', 'Infinity')) : v))));"
    )
    return json.loads(run_node(script, json.dumps(sent)))


def _values() -> list[float]:
    rng = np.random.default_rng(7)
    wide = rng.standard_normal(4000) * 10.0 ** rng.integers(-8, 25, 4000)
    f32 = wide.astype(np.float32).astype(np.float64)  # what canvases hold
    three = np.round(rng.uniform(-20, 20, 2000), 3)  # already 3 decimals
    ties = np.array([k / 16 for k in range(-400, 401) if k % 2])  # x.0625, ...
    big_ties = [12345.0, -12345.0, 12355.0, 99995.0, 99985.0, 1234500.0, 2.5e20]
    big_ties += [99999.5, 12344.5, 1.2345e21, -9.9995e8]
    edges = [0.0, -0.0, 0.0004, -0.0004, 0.0005, -0.0005, 1e-300, 9999.9994]
    edges += [9999.9996, -9999.9996, 1e4, -1e4, 1e300, -1e300, 5e-324]
    edges += [float("nan"), float("inf"), float("-inf")]
    return [*map(float, [*wide, *f32, *three, *ties]), *big_ties, *edges]


def test_canvases_print_every_value_as_the_readouts_do() -> None:
    values = _values()
    got = _js_fmt(values)
    wrong = [(v, js, fmt(v)) for v, js in zip(values, got, strict=True) if js != fmt(v)]
    assert not wrong, f"{len(wrong)} differ, e.g. (value, kit.js, Python): {wrong[:8]}"


def test_halfway_values_are_where_javascript_and_python_round_apart() -> None:
    """The case the port must handle: without it, these differ (so the test
    above checks something JavaScript's own rounding gets wrong)."""
    assert (0.0625).__format__(".3f") == "0.062"
    assert f"{12345.0:.3e}" == "1.234e+04"
    raw = run_node("console.log((0.0625).toFixed(3), (12345).toExponential(3))").split()
    assert raw == ["0.063", "1.235e+4"]
    assert _js_fmt([0.0625, 12345.0, -0.1875]) == ["0.062", "1.234e+04", "−0.188"]
