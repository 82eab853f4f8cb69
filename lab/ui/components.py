"""The lab's canvas components: each is the shared kit (lab/ui/kit.js: theme
colours, base64 arrays, canvas sizing, PNG, controls switched off) followed by
its own module, created once per process.

**The code travels once per session, not with every update.** Streamlit puts
a component's JavaScript into every message that updates it: the Tensor view's
three canvases carried 46 kB of code each on every click (138 of its 172 kB),
and a Batch coupling or Train vs eval click as much. Each kilobyte costs the
browser time to receive and hash (a click measured ~0.08 ms per kB more with
the code padded), and a class of 200 pays it in bandwidth. So the component
Streamlit registers is a small loader (`LOADER`): the first update of each
component in a session carries the code in its data (``_code``), the loader
imports it once per browser page and hands every update to it. An update that
finds no code (its first one was replaced before the browser drew it) waits
briefly for another instance to bring it, then asks Python for it through the
component's state (``_code_wanted``), and Python sends it again.

**An array travels once per update.** Charts share arrays: the Tensor view's
four cubes each carried the same raw tensor, its two maps the same two arrays
and one set index twice (168 of a click's kB on the largest tensor, a third of
it repeated). `packed` sends each long string once, in ``_shared``, and a
reference where it was; the loader puts the strings back before the
component's code sees the data, so no component knows of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import streamlit as st

KIT = Path(__file__).with_name("kit.js")
CODE = "_code"
"""The data key that carries a component's code (see the module's note)."""
WANTED = "_code_wanted"
"""The component state a loader sets when it has no code to run."""
SHARED = "_shared"
"""The data key holding the strings `packed` sends once."""
REF = "_normlab_ref"
"""A reference to one of them: ``{REF: k}`` where the string was."""
LONG = 512
"""Shorter strings are left where they are: a reference saves nothing there."""
SENT = "_normlab_code_sent"
"""Session state: the components whose code this session has sent, and the
last request of each instance that was answered."""

LOADER = """
const mods = (window.normlabModules ??= {});
const name = NAME;
const decoder = new TextDecoder();
// the strings `packed` sent once, back where they were (arrays too: their
// keys are their indices)
function inflate(o, shared) {
  if (o && typeof o === "object") {
    if (REF in o) return shared[o[REF]];
    for (const k in o) o[k] = inflate(o[k], shared);
  }
  return o;
}
export default function (arrived) {
  // the data comes as JSON bytes (see `packed`)
  const raw = arrived.data;
  const data = ArrayBuffer.isView(raw) ? JSON.parse(decoder.decode(raw)) : raw;
  const shared = data && data[SHARED];
  if (shared) {
    delete data[SHARED];
    inflate(data, shared);
  }
  const component = { ...arrived, data };
  const m = (mods[name] ??= { run: null, loading: null, waiting: new Map() });
  const code = data && data[CODE];
  if (code && !m.run && !m.loading) {
    const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    m.loading = import(url).then((mod) => {
      m.run = mod.default;
      const waiting = [...m.waiting.values()];
      m.waiting.clear();
      for (const c of waiting) m.run(c);
    });
  }
  if (m.run) return m.run(component);
  // the newest update of each instance waits for the code
  m.waiting.set(component.parentElement, component);
  if (!m.loading) {
    setTimeout(() => {
      if (!m.run && !m.loading) component.setStateValue(WANTED, Date.now() % 1e9);
    }, 300);
  }
}
"""


def _loader(name: str) -> str:
    """`LOADER` for component ``name``, without its comments and indents:
    Streamlit sends it with every update of every instance."""
    lines = (line.strip() for line in LOADER.splitlines())
    code = "\n".join(line for line in lines if line and not line.startswith("//"))
    return (
        code.replace("NAME", json.dumps(name))
        .replace("[CODE]", f"[{json.dumps(CODE)}]")
        .replace("(WANTED,", f"({json.dumps(WANTED)},")
        .replace("[SHARED]", f"[{json.dumps(SHARED)}]")
        .replace("(REF in o)", f"({json.dumps(REF)} in o)")
        .replace("[REF]]", f"[{json.dumps(REF)}]]")
    )


@cache
def _registered(name: str, *js: Path) -> tuple[Callable, str]:
    code = "\n".join(p.read_text(encoding="utf-8") for p in (KIT, *js))
    return st.components.v2.component(
        name, js=_loader(name), isolate_styles=False
    ), code


def component(name: str, *js: Path) -> Callable[..., Any]:
    """Streamlit's component ``name`` running the kit and then ``js``, in order
    (a component's own module may be split over several files). Called like
    Streamlit's (``key``, ``data``, ``default``, ``on_…_change``); ``data`` is a
    dict, and its first update in a session also carries the code."""
    mount, code = _registered(name, *js)

    def mounted(*, key: str, data: dict[str, Any], **kw: Any) -> Any:
        sent = st.session_state.setdefault(SENT, {"names": set(), "answered": {}})
        state = st.session_state.get(key)
        wanted = state.get(WANTED) if hasattr(state, "get") else None
        ask = wanted is not None and sent["answered"].get(key) != wanted
        if name not in sent["names"] or ask:
            data = {**data, CODE: code}
            sent["names"].add(name)
            if wanted is not None:
                sent["answered"][key] = wanted
        return mount(key=key, data=packed(data), **kw)

    return mounted


OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
"""As ``json`` would take them: numbers as keys, numpy scalars as numbers."""


def _shared(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every long string that occurs more than once replaced by
    a reference, the strings in ``data[SHARED]`` (see the module's note);
    ``data`` itself when nothing repeats."""
    seen: dict[str, int] = {}
    repeated: dict[str, int] = {}

    def count(o: Any) -> None:
        if isinstance(o, str):
            if len(o) >= LONG:
                seen[o] = seen.get(o, 0) + 1
                if seen[o] == 2:
                    repeated[o] = len(repeated)
        elif isinstance(o, dict):
            for v in o.values():
                count(v)
        elif isinstance(o, list | tuple):
            for v in o:
                count(v)

    def swap(o: Any) -> Any:
        if isinstance(o, str):
            k = repeated.get(o) if len(o) >= LONG else None
            return o if k is None else {REF: k}
        if isinstance(o, dict):
            return {key: swap(v) for key, v in o.items()}
        if isinstance(o, list | tuple):
            return [swap(v) for v in o]
        return o

    count(data)
    if not repeated:
        return data
    return {**swap(data), SHARED: list(repeated)}


def _inflated(o: Any, shared: list[str]) -> Any:
    if isinstance(o, dict):
        if REF in o:
            return shared[o[REF]]
        return {k: _inflated(v, shared) for k, v in o.items()}
    if isinstance(o, list):
        return [_inflated(v, shared) for v in o]
    return o


def packed(data: dict[str, Any]) -> bytes:
    """``data`` as JSON bytes, which Streamlit forwards untouched, each long
    string once (`_shared`). Given a dict, Streamlit 1.67 encodes it with
    ``json`` twice (once to send, once sorted for the element's identity) and
    checks every value for a dataframe: 8.5 of the 10.7 ms a Train vs eval
    momentum move spent mounting its panels (py-spy). orjson encodes it once,
    several times faster; the loader decodes it."""
    data = _shared(data)
    try:
        return orjson.dumps(data, option=OPTIONS)
    except TypeError:  # a type orjson does not know and ``json`` might
        return json.dumps(data).encode()


def data_of(proto: Any) -> dict[str, Any]:
    """What a component element was given (for tests reading AppTest's
    elements): its JSON bytes decoded, without the code it may carry."""
    raw = proto.bytes if proto.WhichOneof("data") == "bytes" else proto.json
    data = json.loads(raw)
    data.pop(CODE, None)
    shared = data.pop(SHARED, None)
    return data if shared is None else _inflated(data, shared)
