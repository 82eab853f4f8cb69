"""Why normalize: real training runs show what normalization buys (Santurkar et al.
2018; Xiong et al. 2020). Controls → lab.why.runs, lab.why.xiong (stored runs) →
charts, words."""

from lab.why import view
from lab.why.texts import INTRO, TITLE

state, note = view.page.begin(view.controls)
view.page.header(TITLE, INTRO, state, note, "the same network, runs and settings")
view.body(state)
