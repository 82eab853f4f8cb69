"""What the server sends, as the browser receives it: every websocket message of
a page, kept from its first load, for tests that count runs or bytes.

A context made with ``recording`` wraps the page's WebSocket before Streamlit
opens it; ``taken`` returns what arrived since the last call and starts anew.
"""

from __future__ import annotations

import base64

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

RECORD = """
window.normlabMessages = [];
const Socket = window.WebSocket;
window.WebSocket = class extends Socket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (event) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      let text = "";
      for (const b of new Uint8Array(event.data)) text += String.fromCharCode(b);
      window.normlabMessages.push(btoa(text));
    });
  }
};
"""
TAKE = (
    "() => { const m = window.normlabMessages; window.normlabMessages = []; return m; }"
)


def recording(chromium):
    """A browser context whose pages record every message they receive."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(RECORD)
    return context


def taken(page) -> list[bytes]:
    """The messages received since the last call (or the page's load)."""
    return [base64.b64decode(item) for item in page.evaluate(TAKE) or []]


def forward(page) -> list[ForwardMsg]:
    """``taken``, decoded as Streamlit's ForwardMsg."""
    out = []
    for raw in taken(page):
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        out.append(msg)
    return out
