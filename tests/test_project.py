"""Project hygiene that a reviewer would otherwise check by hand."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_check_and_format_are_clean():
    for args in (["check", "."], ["format", "--check", "."]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(pip install .*?)\n```", readme)
    assert commands[:2] == [
        "pip install -r requirements.txt && streamlit run app.py",
        "pip install -r requirements-dev.txt && pytest",
    ]
    assert commands[1] in ci.splitlines()


def test_torch_is_pinned_to_the_cpu_build_on_disk():
    reqs = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "torch==2.13.0" in reqs.splitlines()


def test_the_stylesheet_closes_every_block():
    """Two merges each dropped a closing brace from assets/style.css, so every
    rule after them (the canvas charts' legend, the Tensor view's tables) was
    read as part of a media query for short screens and applied nowhere else."""
    css = re.sub(
        r"/\*.*?\*/", "", (ROOT / "assets" / "style.css").read_text(), flags=re.S
    )
    depth = 0
    for ch in css:
        depth += (ch == "{") - (ch == "}")
        assert depth >= 0, "a '}' closes nothing"
    assert depth == 0, f"{depth} block(s) left open"


def test_the_stylesheet_has_no_angle_bracket():
    """lab/ui/theme.py injects it as <style> through st.html, whose sanitizer
    dropped the whole stylesheet when a comment said "<body>" (every page lost
    its styles)."""
    assert "<" not in (ROOT / "assets" / "style.css").read_text()


def test_bench_never_imports_the_tests():
    """bench/ and tests/ share bench/harness.py and bench/fuzzing.py; a script
    in bench/ must run without the test tree (issue 13)."""
    for path in sorted((ROOT / "bench").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+tests\b", text, re.M), path
