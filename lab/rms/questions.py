"""LayerNorm vs RMSNorm's predict-then-reveal questions (lab.core.questions),
and the checker that answers each from the engine at the view that reveals it."""

from __future__ import annotations

from lab.core.helpers import fmt
from lab.core.questions import Finding, Question, Quiz, checker
from lab.rms.model import mean_of, table_of
from lab.rms.state import PAGE

WHOSE = (
    ("layer", "LayerNorm's only"),
    ("rms", "RMSNorm's only"),
    ("both", "Both"),
    ("neither", "Neither"),
)

QUESTIONS = (
    Question(
        "keeps",
        "An example whose features have mean 10 goes through **RMSNorm**. "
        "What is the mean of its output?",
        (
            ("zero", "0, as after LayerNorm"),
            ("kept", "Close to 1: RMSNorm keeps the mean's share, μ/RMS"),
            ("ten", "10, the input's mean"),
        ),
        "kept",
        "RMSNorm keeps the mean: it only divides by the root mean square, so "
        "an example far from zero comes out nearly constant, μ/RMS ≈ 1, and "
        "almost all its variation is gone. LayerNorm subtracts the mean "
        "first and keeps the variation.",
        {"scenario": "big_mean"},
    ),
    Question(
        "shift",
        "Add δ = 1 to every feature of one example (re-centre it). Whose "
        "output for that example stays the same?",
        WHOSE,
        "layer",
        "LayerNorm subtracts the example's mean, so shifting all its features "
        "by the same amount changes nothing; RMSNorm has no mean to subtract, "
        "so the shift goes through. What RMSNorm gives up is re-centring "
        "invariance.",
        {"scenario": "scale"},
    ),
    Question(
        "scale",
        "Multiply one example by c = 2 (re-scale it). Whose output for that "
        "example stays the same?",
        WHOSE,
        "both",
        "Both divide by a statistic that scales with the example (σ or the "
        "RMS), so a positive scale cancels, up to ε: re-scaling invariance "
        "is what RMSNorm keeps.",
        {"scenario": "scale"},
    ),
    Question(
        "flip",
        "Now multiply it by c = −1. Whose output stays the same?",
        WHOSE,
        "neither",
        "The statistic in the denominator is positive whatever the sign: "
        "x → −x gives y → −y for both. Invariance holds for c > 0 only.",
        {"scenario": "flip"},
    ),
)

ROW = {"shift": "example_shift", "scale": "example_scale", "flip": "example_scale"}


def _keeps(q: Question) -> Finding:
    m = mean_of(PAGE.parse(q.reveal)[0])
    near = {"zero": 0.0, "kept": 1.0, "ten": m.mean_in}
    choice = min(near, key=lambda k: abs(near[k] - m.mean_rms))
    return Finding(
        choice,
        f"Output mean: LayerNorm {fmt(m.mean_layer)}, RMSNorm {fmt(m.mean_rms)} "
        f"(μ/RMS = {fmt(m.kept)}); the two outputs are {fmt(m.angle)}° apart.",
    )


def _whose(q: Question) -> Finding:
    s = PAGE.parse(q.reveal)[0]
    table = table_of(s)
    cells = {f: table.cell(ROW[q.key], f) for f in ("layer", "rms")}
    same = {f for f, c in cells.items() if c.verdict in ("✓", "≈")}
    choice = {frozenset(): "neither", frozenset({"layer", "rms"}): "both"}.get(
        frozenset(same), next(iter(same), "neither")
    )
    return Finding(
        choice,
        f"Largest output change with c = {fmt(s.c)}, δ = {fmt(s.delta)}: "
        f"LayerNorm {fmt(cells['layer'].change, small=True)}, "
        f"RMSNorm {fmt(cells['rms'].change, small=True)}.",
    )


QUIZ = Quiz(
    QUESTIONS,
    checker({"keeps": _keeps, "shift": _whose, "scale": _whose, "flip": _whose}),
)
