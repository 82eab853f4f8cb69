"""A fuzzer for every page: hostile links, then random widget actions, zero exceptions.

Shared by the short run in the tests (`tests/app/test_fuzz.py`) and the long run
in `bench/fuzz.py`. Each example opens a link whose query string mixes the
page's own parameter names with unknown ones and hostile values (non-numeric,
out of range, NaN/inf, huge, repeated, HTML/script), then makes a few random
interactions a person could make in the browser: a slider moved to any of its
stops, any option of a select box, radio or segmented control, a number typed
within the input's bounds, a toggle flipped, a button clicked, an index
typed into a panel's pickers (any integer near their bounds). After every run
the page must show no exception and its title.

Widget values are sent as the browser sends them: options by their displayed
label, which is all the browser knows (AppTest's own setters want the Python
value behind a label, which a fuzzer cannot know).

Three pages train models for seconds on a fresh setting. `light_training`
shortens those runs (the same code, fewer steps) while fuzzing and drops what
it stored afterwards, so no shortened result outlives the fuzz.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from hypothesis import strategies as hs
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget

import lab.board.state
import lab.choose.state
import lab.coupling.state
import lab.rms.state
import lab.sequences.state
import lab.tensor.state
import lab.train_eval.state
import lab.why.state
from lab.core.flags import FLAG_NAMES
from lab.ui.components import data_of

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 180


@dataclass(frozen=True)
class Page:
    name: str
    path: str | None  # None: the home page
    title: str
    params: tuple[str, ...]


PAGES: dict[str, Page] = {
    p.name: p
    for p in (
        Page("lab", None, "Normalization Lab", tuple(lab.board.state.SPECS)),
        Page("tensor", "pages/tensor.py", "Tensor view", tuple(lab.tensor.state.SPECS)),
        Page(
            "coupling",
            "pages/coupling.py",
            "Batch coupling",
            tuple(lab.coupling.state.SPECS),
        ),
        Page(
            "train_eval",
            "pages/train_eval.py",
            "Train vs eval",
            tuple(lab.train_eval.state.PAGE.specs),
        ),
        Page("why", "pages/why.py", "Why normalize", tuple(lab.why.state.SPECS)),
        Page("rms", "pages/rms.py", "LayerNorm vs RMSNorm", tuple(lab.rms.state.SPECS)),
        Page(
            "sequences",
            "pages/sequences.py",
            "Sequences & padding",
            tuple(lab.sequences.state.SPECS),
        ),
        Page(
            "choose", "pages/choose.py", "Choose a norm", tuple(lab.choose.state.SPECS)
        ),
    )
}

HOSTILE = (
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "1e-320",
    "9" * 40,
    "-9" * 20,
    "0",
    "-1",
    "0.5",
    "1,2",
    "3,-4",
    "99,99",
    "1,2,3",
    "0x10",
    "1_000",
    "١٢",  # Arabic-Indic digits
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "**bold** $x$ :red[red]",
    "batch",
    "layer",
    "rms",
    "group",
    "instance",
    "eval",
    "train",
    "\x00",
    "%",
    "a" * 3000,
    "norm,batch",
    "norm,,nope,norm",
    "4/5",
    "one_idea.2",
    "one_idea.99",
    "why_normalize.0",
    "1",
    "true",
)


def query_strings(page: Page) -> hs.SearchStrategy[dict[str, list[str]]]:
    """Query strings as a shared link could carry them, hostile ones included:
    the page's settings, the view flags (lab.core.flags: a presenter link and
    the controls it shows), unknown names."""
    names = (
        hs.sampled_from(page.params)
        | hs.sampled_from(FLAG_NAMES)
        | hs.text(min_size=1, max_size=12)
    )
    controls = hs.lists(hs.sampled_from(page.params), max_size=4).map(",".join)
    values = (
        hs.sampled_from(HOSTILE)
        | controls
        | hs.integers(-(10**12), 10**12).map(str)
        | hs.floats(allow_nan=True, allow_infinity=True).map(repr)
        | hs.text(max_size=40)
    )
    return hs.dictionaries(names, hs.lists(values, min_size=1, max_size=3), max_size=8)


def open_page(page: Page) -> AppTest:
    """A new session on ``page``, as a person arriving at the app."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page.path is not None:
        at.switch_page(page.path).run()
    check(at, page, "opening the page")
    return at


def check(at: AppTest, page: Page, doing: str) -> None:
    errors = [e.value for e in at.exception]
    assert not errors, f"{page.name}, after {doing}: {errors}"
    titles = [t.value for t in at.title]
    assert page.title in titles, f"{page.name}, after {doing}: titles {titles}"


def settle(at: AppTest, page: Page) -> None:
    """After a run that reran only named fragments, show the whole page.

    A control may rerun just one fragment (lab.ui.page.Page.changed); the
    browser keeps the rest of the page, but AppTest's tree holds only the last
    run's elements. A run with nothing changed draws the whole page again. An
    exception in the fragment-only run is kept for `check` to report.
    """
    if not at.exception and page.title not in [t.value for t in at.title]:
        at.run()


def visit(at: AppTest, page: Page, query: dict[str, list[str]]) -> None:
    at.query_params.clear()
    for k, v in query.items():
        at.query_params[k] = v if len(v) > 1 else v[0]
    at.run()
    check(at, page, f"opening ?{query!r}")


# ---- widget actions, as the browser would send them ----


def _sent(widget: Any, state: WidgetState) -> None:
    """Make AppTest send ``state`` for ``widget`` on the next run."""
    widget.__class__ = type(
        f"Fuzzed{type(widget).__name__}",
        (type(widget),),
        {"_widget_state": property(lambda self: state)},
    )


def _new_state(widget: Any) -> WidgetState:
    ws = WidgetState()
    ws.id = widget.id
    return ws


def _grid(lo: float, hi: float, step: float, integer: bool) -> hs.SearchStrategy:
    n = math.floor((hi - lo) / step + 1e-9) if step > 0 else 0
    pick = hs.integers(0, max(n, 0)).map(lambda k: lo + k * step)
    return pick.map(int) if integer else pick.map(lambda v: round(v, 12))


def actions(at: AppTest) -> list[tuple[str, Any]]:
    """Every widget on the page a person could change now."""
    out: list[tuple[str, Any]] = []
    for kind in (
        "slider",
        "select_slider",
        "selectbox",
        "radio",
        "button_group",
        "number_input",
        "checkbox",
        "toggle",
        "button",
    ):
        for w in getattr(at, kind):
            if not getattr(w.proto, "disabled", False):
                out.append((kind, w))
    for e in at.main:  # a panel's pickers (lab/ui/panel.js): typed indices
        if getattr(e, "type", "") != "bidi_component":
            continue
        blocks = data_of(e.proto).get("blocks", [])
        sizes = [[i[2] for i in b["items"]] for b in blocks if b["t"] == "pickers"]
        if sizes:
            out.append(("pickers", (e, sizes[0])))
    return out


def send_click(element: Any, click: dict[str, Any]) -> None:
    """Make AppTest send, on the next run, what the canvas component
    ``element`` (lab/ui/figure.js) sends on a click: a ``click`` trigger."""
    ws = WidgetState()
    ws.id = f"$$STREAMLIT_INTERNAL_KEY_{element.proto.id}__events"
    ws.json_trigger_value = json.dumps([{"event": "click", "value": click}])
    element.__class__ = type(
        "Clicked", (type(element), Widget), {"_widget_state": property(lambda s: ws)}
    )


def type_pickers(element: Any, first: int, second: int) -> None:
    """Send what a panel's pickers send when an index is typed: a click on the
    panel's chart named "pickers" (lab/ui/panel.js)."""
    send_click(element, {"x": second, "y": first, "chart": "pickers"})


def act(data: hs.DataObject, at: AppTest) -> str:
    """Make one random interaction; return what it was, for the failure message."""
    choices = actions(at)
    if not choices:
        return "nothing to do"
    kind, w = data.draw(hs.sampled_from(choices), label="widget")
    if kind == "pickers":
        # anything the input lets a person type, beyond its bounds too (the
        # browser clamps; a hand-edited page need not)
        element, sizes = w
        first, second = (
            data.draw(hs.integers(-3, size + 3), label=f"picker {k}")
            for k, size in enumerate(sizes)
        )
        type_pickers(element, first, second)
        return f"pickers := ({first}, {second})"
    label = getattr(w, "label", None) or getattr(w, "key", None) or w.id
    if kind == "slider":
        p = w.proto
        integer = p.data_type == p.INT
        lo, hi, step = p.min, p.max, p.step or 1
        value = w.value
        if isinstance(value, (list, tuple)):
            a = data.draw(_grid(lo, hi, step, integer))
            b = data.draw(_grid(lo, hi, step, integer))
            w.set_value((min(a, b), max(a, b)))
        else:
            w.set_value(data.draw(_grid(lo, hi, step, integer), label=label))
        return f"{label} := {w.value!r}"
    if kind in ("select_slider", "button_group", "selectbox", "radio"):
        i = data.draw(hs.integers(0, len(w.options) - 1), label=label)
        ws = _new_state(w)
        if kind in ("selectbox", "radio"):  # one label; the others send a list
            ws.string_value = w.options[i]
        else:
            ws.string_array_value.data[:] = [w.options[i]]
        _sent(w, ws)
        return f"{label} := {w.options[i]!r}"
    if kind == "number_input":
        p = w.proto
        lo = p.min if p.has_min else -1e6
        hi = p.max if p.has_max else 1e6
        integer = p.data_type == p.INT
        value = data.draw(
            hs.integers(int(lo), int(hi))
            if integer
            else hs.floats(lo, hi, allow_nan=False, allow_infinity=False),
            label=label,
        )
        w.set_value(value)
        return f"{label} := {value!r}"
    if kind in ("checkbox", "toggle"):
        w.set_value(not w.value)
        return f"{label} := {w.value!r}"
    w.click()
    return f"click {label!r}"


def fuzz_once(data: hs.DataObject, page: Page, max_actions: int = 4) -> list[str]:
    """One example: a new session opens a link, then makes up to ``max_actions``
    interactions. A new session each time, so an example replays exactly when
    hypothesis shrinks it."""
    query = data.draw(query_strings(page), label="query")
    at = open_page(page)
    visit(at, page, query)
    done = [f"?{query!r}"]
    for _ in range(data.draw(hs.integers(0, max_actions), label="actions")):
        done.append(act(data, at))
        at.run()
        settle(at, page)
        check(at, page, " → ".join(done))
    return done


# ---- the heavy pages, shortened while fuzzing ----


@contextlib.contextmanager
def light_training() -> Iterator[None]:
    """Run the pages' training (and timing) for a few steps only, and forget
    those results after.

    The fuzz looks for crashes in what the pages do with any setting; the full
    runs' numbers are tested elsewhere (tests/unit/why/, tests/unit/train_eval/)
    and would cost seconds per new setting.
    """
    from lab.rms import timing as rms_timing
    from lab.rms import training as rms_training
    from lab.rms import view as rms_view
    from lab.sequences import run as seq_run
    from lab.train_eval import classifier as clf
    from lab.train_eval import costs as clf_costs
    from lab.why import view as why_view

    saved = (
        why_view.run_sweep,
        why_view.xiong_sweep,
        clf.TRAIN_STEPS,
        clf_costs.FT_STEPS,
        seq_run.STEPS,
        seq_run.N_TEST,
    )
    rms_saved = (rms_timing.run_timing, rms_training.train)
    rms_timing.run_timing = partial(
        rms_timing.run_timing, sizes=(256, 512), budget=0.02, max_rounds=3
    )
    rms_training.train = partial(_short_training, rms_saved[1])
    rms_view.store.clear()
    why_view.run_sweep = partial(why_view.run_sweep, until=2)
    why_view.xiong_sweep = partial(why_view.xiong_sweep, repeats=1)
    clf.TRAIN_STEPS, clf_costs.FT_STEPS = 20, 4
    seq_run.STEPS, seq_run.N_TEST = 6, 64
    clf.MEMO.clear()
    seq_run.forget()
    try:
        yield
    finally:
        why_view.run_sweep, why_view.xiong_sweep = saved[0], saved[1]
        clf.TRAIN_STEPS, clf_costs.FT_STEPS = saved[2], saved[3]
        seq_run.STEPS, seq_run.N_TEST = saved[4], saved[5]
        clf.MEMO.clear()
        seq_run.forget()  # the next page run reloads the shipped result
        why_view.store.clear()  # the next store() reloads the shipped results
        rms_timing.run_timing, rms_training.train = rms_saved
        rms_view.store.clear()


def _short_training(train: Any, config: Any, progress: Any = None) -> Any:
    """The LayerNorm vs RMSNorm comparison for a few steps (the same code)."""
    from dataclasses import replace

    return train(replace(config, steps=min(config.steps, 10)), progress)
