"""bench/floor.py times a probe drawn on every page by a copy of app.py: the
copy must still be the app, with the probe before the page."""

from __future__ import annotations

from bench.floor import probed_app
from bench.harness import ROOT


def test_the_probed_app_is_app_py_with_the_probe_before_the_page(tmp_path):
    app = probed_app(tmp_path)
    text = app.read_text(encoding="utf-8")
    original = (ROOT / "app.py").read_text(encoding="utf-8")
    assert text.index("_floor_probe()\n") < text.index("page.run()")
    # everything else of app.py is there, in order
    assert (
        text.replace(
            text[text.index("\n\n@st.fragment") : text.index("page.run()")], "\n"
        )
        == original
    )
    compile(text, str(app), "exec")
    for name in ("pages", "lab", "assets", ".streamlit"):
        assert (tmp_path / name).resolve() == (ROOT / name).resolve()
