"""`import lab` reaches this topic's numbers without Streamlit (README: Use it
from a notebook)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import lab
from lab.sequences.panels import build_page
from lab.sequences.state import PAGE

ROOT = Path(__file__).resolve().parents[3]


def test_a_notebook_gets_the_pages_numbers_figures_and_code():
    state = PAGE.base("toy")
    assert isinstance(state, lab.SeqState)
    numbers = lab.build_sequences(state)
    assert isinstance(numbers, lab.Sequences)
    assert numbers.view.channels.all_var.tolist() == [3.25]
    assert numbers.view is build_page(state).view
    figs = lab.sequence_figures(state)
    assert set(figs) == {"x", "y"} and figs["y"]["layout"]["title"]["text"]
    assert "nn.BatchNorm1d(C)" in lab.sequences_snippet(state)
    assert callable(lab.sequences_run)


def test_import_lab_does_not_import_streamlit():
    code = "import sys, lab; lab.build_sequences(lab.SeqState()); "
    code += "assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
