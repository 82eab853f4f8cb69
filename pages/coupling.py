"""Batch coupling: who else is in the room. Controls → lab.coupling → charts, words."""

from lab.coupling import view
from lab.coupling.texts import INTRO, TITLE

state, note = view.page.begin(view.controls)
view.page.header(TITLE, INTRO, state, note, "the same batch, example and panel")
view.body(state)
