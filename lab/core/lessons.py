"""Guided lessons: the structured task after a short free play (the PhET
advice the issue cites). A lesson is data: an ordered list of steps, each one
of the lab's real pages in a state (its link), two or three sentences, and
optionally the page's predict-then-reveal question (lab.core.questions) to
answer before moving on.

The kit draws the lesson bar and moves through the steps
(lab/ui/lessons.py); a link carries the lesson as the view flag
``lesson=<name>.<step>`` (lab.core.flags). `lesson_plan` gives the teacher a
one-page Markdown plan of the same steps, with their links.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlencode

PAGES = {  # page file stem → (title, path under the app's address, widget prefix)
    "lab": ("Lab", "", "lab"),
    "tensor": ("Tensor view", "tensor", "tensor"),
    "coupling": ("Batch coupling", "coupling", "coupling"),
    "train_eval": ("Train vs eval", "train_eval", "traineval"),
    "sequences": ("Sequences & padding", "sequences", "seq"),
    "why": ("Why normalize", "why", "why"),
    "rms": ("LayerNorm vs RMSNorm", "rms", "rms"),
    "choose": ("Choose a norm", "choose", "choose"),
}


@dataclass(frozen=True)
class Step:
    """One step: ``page`` (a key of `PAGES`), the link's settings there,
    the sentences the bar shows, and optionally the key of a question of that
    page's quiz to predict before moving on."""

    page: str
    params: Mapping[str, str]
    words: str
    question: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        if self.page not in PAGES:
            raise ValueError(f"no page {self.page}")

    @property
    def title(self) -> str:
        return PAGES[self.page][0]


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    objectives: tuple[str, ...]
    steps: tuple[Step, ...]
    discussion: tuple[str, ...] = field(default=())

    def link(self, k: int, base: str = "") -> str:
        """Step ``k`` (1-based) as a link: the page, its settings, the lesson."""
        step = self.steps[k - 1]
        query = urlencode({**step.params, "lesson": flag_value(self.key, k)})
        return f"{base.rstrip('/')}/{PAGES[step.page][1]}?{query}"


def flag_value(key: str, k: int) -> str:
    """The ``lesson=`` value of step ``k`` (1-based) of lesson ``key``."""
    return f"{key}.{k}"


LESSONS: dict[str, Lesson] = {}


def _lesson(lesson: Lesson) -> None:
    LESSONS[lesson.key] = lesson


_lesson(
    Lesson(
        "one_idea",
        "The one idea: same recipe, different axis",
        (
            "State the recipe every normalization here shares: subtract a mean, "
            "divide by a standard deviation, scale by γ and shift by β.",
            "Point to the cells BatchNorm, LayerNorm and GroupNorm pool, on a "
            "matrix and on an image tensor.",
            "Tell GroupNorm with one group from a transformer's LayerNorm.",
        ),
        (
            Step(
                "lab",
                {"norm": "batch", "focus": "3,5"},
                "Every normalization in the lab runs one recipe: subtract a mean, "
                "divide by a standard deviation, then scale by γ and shift by β. "
                "What differs is which cells share that mean. The outline shows "
                "them for the cell in focus: here, BatchNorm (Ioffe & Szegedy 2015).",
                "axis_bn",
            ),
            Step(
                "lab",
                {"norm": "layer", "focus": "3,5"},
                "LayerNorm (Ba et al. 2016) runs the same recipe along the other "
                "axis: one example's row of features. No example sees another.",
                "axis_ln",
            ),
            Step(
                "lab",
                {"scenario": "grouped"},
                "GroupNorm (Wu & He 2018) sits in between: each example's features "
                "split into groups, and each group has its own statistics. Click "
                "other cells to see the outline move.",
            ),
            Step(
                "tensor",
                {"scenario": "figure"},
                "An image batch is a cube: N images, C channels, H·W positions. "
                "The same families are Wu & He's Figure 2, each pooling a "
                "different block of the cube.",
                "count",
            ),
            Step(
                "tensor",
                {"scenario": "layer"},
                "Back to groups, on the cube. With one group, GroupNorm pools "
                "every channel and position of one image: the block LayerNorm "
                "pools on this cube.",
                "group1",
            ),
            Step(
                "tensor",
                {"scenario": "pitfall"},
                "A transformer's nn.LayerNorm(C) normalizes each token (each "
                "position) over its channels alone. That is a different block "
                "from GroupNorm(1, C) on an image, and the numbers differ.",
                "pitfall",
            ),
        ),
        (
            "Which axis would you normalize over if your batch held one example?",
            "Why does GroupNorm need the number of groups to divide the channels?",
            "A colleague says 'GroupNorm(1) is just LayerNorm'. When is that "
            "right, and when not?",
        ),
    )
)

_lesson(
    Lesson(
        "transformers",
        "Why transformers use LayerNorm",
        (
            "Show that BatchNorm couples the examples of a batch and LayerNorm "
            "does not.",
            "Explain why BatchNorm behaves differently in training and in eval, "
            "and why LayerNorm does not.",
            "Show what padding does to BatchNorm and to LayerNorm on sequences.",
        ),
        (
            Step(
                "coupling",
                {"scenario": "nudge_batch"},
                "In training, BatchNorm normalizes each feature with its batch's "
                "statistics, so an example's output depends on its batch-mates. "
                "Nudge one example and watch the others.",
                "nudge_batch",
            ),
            Step(
                "coupling",
                {"scenario": "nudge_layer"},
                "LayerNorm pools each example's own features. The same nudge "
                "moves that example alone.",
                "nudge_layer",
            ),
            Step(
                "train_eval",
                {"scenario": "jump"},
                "BatchNorm has two modes: batch statistics in training, running "
                "averages in eval. When the data moves, the running averages lag "
                "and the two modes disagree.",
                "jump",
            ),
            Step(
                "train_eval",
                {"scenario": "layer"},
                "LayerNorm keeps no running statistics. Training and eval run "
                "the same function, so forgetting model.eval() costs nothing.",
                "layer",
            ),
            Step(
                "sequences",
                {"scenario": "ragged"},
                "Sentences have different lengths, so a batch is padded. "
                "BatchNorm over every position pools the pads with the real "
                "tokens.",
                "pads",
            ),
            Step(
                "sequences",
                {"scenario": "layer"},
                "LayerNorm normalizes each token over its own features. Its "
                "output is the same with any padding, any batch, and in eval: "
                "one reason transformers use it (Ba et al. 2016).",
                "layer",
            ),
            Step(
                "choose",
                {"scenario": "lm"},
                "Put it together: a language model on 8 GPUs. Padding decides it "
                "before anything else does, and each reason links back to the "
                "page you just saw. Change the answers and see when BatchNorm "
                "comes back.",
            ),
        ),
        (
            "List three things BatchNorm needs from a batch that a transformer "
            "serving one token at a time cannot give.",
            "BatchNorm with a padding mask fixes the pads. What does it still not fix?",
            "Where else in a model would you rather have no coupling between examples?",
        ),
    )
)

_lesson(
    Lesson(
        "why_normalize",
        "Why normalize at all",
        (
            "Show that a normalized network trains at higher learning rates.",
            "Tell the 'internal covariate shift' story from what Santurkar et "
            "al. (2018) measured.",
            "State what RMSNorm keeps from LayerNorm and what it gives up.",
        ),
        (
            Step(
                "why",
                {"scenario": "six_layers"},
                "The same 6-layer network trained with and without BatchNorm at "
                "learning rates from 0.01 to 10. Ioffe & Szegedy (2015) "
                "introduced BatchNorm to train with higher rates.",
                "highest",
            ),
            Step(
                "why",
                {"scenario": "loud_noise"},
                "Their explanation was 'internal covariate shift'. Santurkar et "
                "al. (2018) put the shift back on purpose, with noise after every "
                "BatchNorm, and the network still trained.",
                "noisy",
            ),
            Step(
                "why",
                {"scenario": "six_layers", "blocks": "12"},
                "Where the norm sits matters too: Xiong et al. (2020) show "
                "post-norm transformers start with large gradients near the "
                "output, and pre-norm ones do not.",
                "xiong",
            ),
            Step(
                "rms",
                {"scenario": "scale"},
                "RMSNorm (Zhang & Sennrich 2019) keeps LayerNorm's division and "
                "drops its mean. It divides by the root mean square alone.",
                "scale",
            ),
            Step(
                "rms",
                {"scenario": "big_mean"},
                "What RMSNorm gives up: an input's mean goes through. Whether a "
                "model misses re-centring is an experiment, not a rule.",
                "keeps",
            ),
        ),
        (
            "If not internal covariate shift, what does normalization change "
            "about training?",
            "When would you pick RMSNorm over LayerNorm, and what would you "
            "check first?",
            "Why might a transformer need a warm-up with post-norm but not "
            "with pre-norm?",
        ),
    )
)


def parse_flag(raw: str) -> tuple[Lesson, int] | None:
    """``lesson=<name>.<step>`` → the lesson and its 1-based step, or None
    when no lesson has that name or that step."""
    name, _, k = raw.strip().rpartition(".")
    lesson = LESSONS.get(name)
    if lesson is None or not k.isdigit() or len(k) > 3:
        return None
    return (lesson, int(k)) if 1 <= int(k) <= len(lesson.steps) else None


def lesson_plan(
    lesson: Lesson, base: str, prompts: Mapping[tuple[str, str], str] | None = None
) -> str:
    """The lesson as a one-page Markdown lesson plan for the teacher:
    objectives, the steps with their links, discussion questions. ``base`` is
    the app's address; ``prompts`` maps (page, question key) to the question's
    words where the caller knows them."""
    prompts = prompts or {}
    out = [
        f"# Lesson plan: {lesson.title}",
        "",
        "Normalization Lab, a guided lesson. Open each link in order, or open "
        "the first and press Next on the page.",
        "",
        "## Objectives",
        "",
        *(f"- {o}" for o in lesson.objectives),
        "",
        "## Steps",
        "",
    ]
    for k, step in enumerate(lesson.steps, 1):
        out += [f"{k}. **{step.title}**: <{lesson.link(k, base)}>", ""]
        out.append(f"   {step.words}")
        if step.question is not None:
            ask = prompts.get((step.page, step.question))
            out += [
                "",
                f"   Predict first: {ask}"
                if ask
                else "   Predict first: the page's Predict, then reveal opens at "
                "this step's question; everyone commits before the reveal.",
            ]
        out.append("")
    out += ["## Discussion questions", "", *(f"- {d}" for d in lesson.discussion)]
    return "\n".join(out) + "\n"
