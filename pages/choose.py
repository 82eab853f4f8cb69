"""Choose a norm: the lab's tables and decision flow, every cell linked to the
view that shows it. Controls → lab.choose → recommendation, tables, costs."""

from lab.choose import view
from lab.choose.texts import INTRO, TITLE

state, note = view.page.begin(view.controls)
view.page.header(TITLE, INTRO, state, note, "the same answers and the same layer")
view.body(state)
