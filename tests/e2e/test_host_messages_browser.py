"""Streamlit's frontend posts a message to its own window on every change of
the script's run state (several per interaction) and checks each against
every origin in ``client.allowedOrigins``, compiling two URL patterns per
origin. With Streamlit's sixteen default origins that was 96 patterns per Lab
slider move; .streamlit/config.toml keeps Community Cloud's two."""

from __future__ import annotations

import json
import urllib.request

from bench.pages import DRIVERS

COUNT = """(() => {
  const Pattern = window.URLPattern;
  window.normlabPatterns = 0;
  if (Pattern)
    window.URLPattern = class extends Pattern {
      constructor(...args) {
        super(...args);
        window.normlabPatterns += 1;
      }
    };
})();"""


def test_the_server_offers_community_clouds_two_origins(app_url):
    with urllib.request.urlopen(f"{app_url}/_stcore/host-config") as r:
        config = json.load(r)
    assert config["allowedOrigins"] == [
        "https://*.streamlit.app",
        "https://share.streamlit.io",
    ]


def test_a_slider_move_compiles_a_few_url_patterns_not_dozens(chromium, warmed):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(COUNT)
    page = context.new_page()
    try:
        page.goto(f"{warmed}/")
        lab = DRIVERS["lab"](page, warmed, "")
        lab.load()
        lab.slider()
        page.evaluate("window.normlabPatterns = 0")
        for _ in range(3):
            lab.slider()
        per_move = page.evaluate("window.normlabPatterns") / 3
        assert 0 < per_move <= 12  # 96 with Streamlit's default origins
    finally:
        context.close()
