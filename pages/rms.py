"""LayerNorm vs RMSNorm: what dropping the mean changes, when it matters, and how
much faster it is here. Controls → lab.rms (engine, timing, training) → words."""

from lab.rms import view
from lab.rms.texts import INTRO, TITLE

state, note = view.page.begin(view.controls)
view.page.header(
    TITLE,
    INTRO,
    state,
    note,
    "the same transformation, sizes and runs",
    view.export_menu,
)
view.body(state)
