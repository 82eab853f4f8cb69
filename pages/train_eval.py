"""Train vs eval: BatchNorm's two modes, a drifting stream, and what they cost."""

from lab.train_eval import view
from lab.train_eval.texts import INTRO, TITLE

state, note = view.page.begin(view.controls)
view.page.header(TITLE, INTRO, state, note, "the same stream, step, cell and pitfall")
view.body(state)
