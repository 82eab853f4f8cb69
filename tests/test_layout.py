"""The house rules, as tests, so the layout stays true (README: Layout).

- `lab/core/` is the shared core and `lab/ui/` the page kit; every page is a
  topic package `lab/<topic>/` with its state, model, figures, texts and view.
- Streamlit only in `lab/ui/` and the topics' `view.py`; everything else in
  `lab` is pure and imports without it (a notebook uses it).
- A topic imports only the core, the kit (from its view) and itself; the core
  imports no topic and no kit; the kit imports no topic.
- No module of `lab` over 500 lines, Python or JavaScript.
- Page files are ≤ 40 lines and never touch ``st.session_state``.
- The small shared helpers are defined once.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "lab"
TOPICS = sorted(
    p.name
    for p in LAB.iterdir()
    if p.is_dir() and p.name not in ("core", "ui") and (p / "__init__.py").exists()
)
MODULES = sorted(p for p in LAB.rglob("*.py") if "__pycache__" not in p.parts)
MAX_LINES = 500


def _name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(
        ".__init__"
    )


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (``from lab.x import y`` counts lab.x and
    lab.x.y, since y may be a module)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def _is_view(path: Path) -> bool:
    rel = path.relative_to(LAB).parts
    return rel[0] == "ui" or (len(rel) == 2 and rel[1] == "view.py")


def test_the_topics_are_the_pages():
    pages = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
    assert set(TOPICS) == {"board", *pages} - {"lab"}, (TOPICS, pages)
    for topic in TOPICS:
        for part in ("state.py", "view.py", "texts.py", "figures.py"):
            assert (LAB / topic / part).exists(), f"lab/{topic}/{part}"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_streamlit_only_in_the_kit_and_the_views(path):
    if _is_view(path):
        return
    assert not any(m.split(".")[0] == "streamlit" for m in _imports(path)), path


def test_everything_but_the_views_imports_without_streamlit():
    pure = [_name(p) for p in MODULES if not _is_view(p)]
    code = (
        "import sys, importlib\n"
        f"for m in {pure!r}: importlib.import_module(m)\n"
        "assert 'streamlit' not in sys.modules, 'a pure module imported streamlit'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_a_module_imports_only_what_its_room_may(path):
    rel = path.relative_to(LAB).parts
    if len(rel) == 1:  # lab/__init__.py: the notebook's front door
        return
    room = rel[0]
    allowed = {"lab", "lab.core"}
    if room == "ui":
        allowed |= {"lab.ui"}
    elif room != "core":
        allowed |= {f"lab.{room}"} | ({"lab.ui"} if _is_view(path) else set())
    for m in _imports(path):
        if m.split(".")[0] != "lab":
            continue
        parts = m.split(".")
        ok = any(".".join(parts[:k]) in allowed for k in (2,)) or m == "lab"
        # ``from lab import x`` names a room directly
        if len(parts) == 2 and parts[1] in [*TOPICS, "ui"]:
            ok = f"lab.{parts[1]}" in allowed
        assert ok, f"{_name(path)} imports {m}"


@pytest.mark.parametrize(
    "path",
    sorted([*LAB.rglob("*.py"), *LAB.rglob("*.js")]),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_module_is_over_500_lines(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(ROOT)}: {n} lines"


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=str)
def test_a_page_file_is_short_and_leaves_state_to_the_kit(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 40
    assert "session_state" not in text


SHARED = {
    ".py": {
        "fmt": "lab/core/helpers.py",
        "noun": "lab/core/helpers.py",
        "plural": "lab/core/helpers.py",
        "divisors": "lab/core/helpers.py",
        "nearest_divisor": "lab/core/helpers.py",
        "MAX_SEED": "lab/core/helpers.py",
        "rect": "lab/core/figures.py",
        "Scenario": "lab/core/page.py",
        "Progress": "lab/ui/progress.py",
    },
    ".js": {  # the browser's side: lab/ui/kit.js, before every component
        "fmt": "lab/ui/kit.js",
        "switchOff": "lab/ui/kit.js",
        "theme": "lab/ui/kit.js",
        "decode": "lab/ui/kit.js",
        "fitCanvas": "lab/ui/kit.js",
        "savePng": "lab/ui/kit.js",
        "rgbAt": "lab/ui/kit.js",
        "niceTicks": "lab/ui/kit.js",
        "scaled": "lab/ui/kit.js",
    },
}


def _defined(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".js":
        return set(re.findall(r"^(?:function|class|const)\s+(\w+)", text, re.M))
    out = set()
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            out.add(node.name.lstrip("_"))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out |= {t.id.lstrip("_") for t in targets if isinstance(t, ast.Name)}
    return out


def test_the_shared_helpers_are_defined_once():
    for suffix, names in SHARED.items():
        where: dict[str, list[str]] = {n: [] for n in names}
        for path in sorted(LAB.rglob(f"*{suffix}")):
            for name in _defined(path) & set(names):
                where[name].append(str(path.relative_to(ROOT)))
        assert where == {n: [p] for n, p in names.items()}
