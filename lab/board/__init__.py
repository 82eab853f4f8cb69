"""The Lab page (``/``, widget keys ``lab.*``): the normalization board.

`state` (settings ⇄ link), `model` (the numbers, from the engine), `diagnosis`,
`claims` and `hints` (the words, held to those numbers), `figures` (what the
canvas component draws, and Plotly figures for notebooks), `export` (CSV and
PyTorch code), `texts` (its copy), `view` (its Streamlit) and `heatmaps.js` (its
canvas component).

`model` is imported first: a diagnosis may need the board of another state (the
same input before a shift), so `model`, `diagnosis`, `claims` and `hints` refer
to each other, and starting from `model` resolves them in one order.
"""

from lab.board import model  # noqa: F401
