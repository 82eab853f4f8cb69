"""Sequences & padding: where BatchNorm's statistics meet pads, and why
transformers use LayerNorm. Controls → lab.sequences → heatmaps, checks, a run."""

from lab.sequences import view
from lab.sequences.texts import INTRO, TITLE

state, note = view.page.begin(view.controls)
view.page.header(
    TITLE,
    INTRO,
    state,
    note,
    "the same batch, family, token and run",
    extra=view.export_menu,
)
view.body(state)
