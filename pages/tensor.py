"""Tensor view: Wu & He's (N, C, H·W) cube, live. Controls → lab.tensor → canvas."""

from lab.tensor import view
from lab.tensor.texts import INTRO, TITLE

state, note = view.page.begin(view.controls)
view.page.header(TITLE, INTRO, state, note, "same tensor, same cell")
view.body(state)  # two fragments: a click reruns one, a new tensor both
