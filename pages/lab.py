"""Lab: the normalization board. Controls → lab.board → heatmaps, readouts, words."""

from lab.board import view
from lab.board.texts import INTRO, TITLE

state, note = view.page.begin(view.controls)
view.page.header(
    TITLE, INTRO, state, note, "same numbers, same focus", extra=view.export_menu
)
view.body(state)
