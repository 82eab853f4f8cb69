"""Every link the Choose a norm page draws opens the view it promises.

lab/choose may not import the other pages (tests/test_layout.py), so it holds
their links as data (`lab.choose.links.DEMOS`). Here each one is rebuilt from
its target page's own state — the scenario or view it names, through that
page's ``PAGE.to_params``; tests/app/test_choose_links.py follows each in
AppTest. Every link on the page is one of these, and each of these is on the
page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import parse_qs, urlencode

import pytest

from lab.board.state import PAGE as LAB
from lab.choose import cheatsheet
from lab.choose.flow import ARCHS, STEPS, Answers, recommend
from lab.choose.links import DEMOS, PAGE_TITLES
from lab.choose.panels import flow_panel, pitfalls_panel, tables_panel
from lab.choose.state import PAGE as CHOOSE
from lab.choose.tables import ALL_DEMOS
from lab.core.page import PageSpec
from lab.coupling.state import PAGE as COUPLING
from lab.rms.state import PAGE as RMS
from lab.sequences.state import PAGE as SEQUENCES
from lab.tensor.state import PAGE as TENSOR
from lab.train_eval.state import PAGE as TRAIN_EVAL
from lab.why.state import PAGE as WHY

TARGETS: dict[str, tuple[PageSpec, str, str]] = {
    "/": (LAB, "pages/lab.py", "lab"),
    "/tensor": (TENSOR, "pages/tensor.py", "tensor"),
    "/coupling": (COUPLING, "pages/coupling.py", "coupling"),
    "/train_eval": (TRAIN_EVAL, "pages/train_eval.py", "traineval"),
    "/sequences": (SEQUENCES, "pages/sequences.py", "seq"),
    "/why": (WHY, "pages/why.py", "why"),
    "/rms": (RMS, "pages/rms.py", "rms"),
}
"""URL path → (the page's spec, its page file, its widget prefix)."""


def scenario(key: str) -> Callable[[PageSpec], object]:
    return lambda page: page.pick(page.initial(), key)


def looking(**settings: object) -> Callable[[PageSpec], object]:
    """The default view with settings a student moves to look around."""
    return lambda page: page.settle(replace(page.initial(), **settings))


def scenario_with(key: str, **settings: object) -> Callable[[PageSpec], object]:
    return lambda page: page.settle(replace(page.pick(page.initial(), key), **settings))


VIEWS: dict[str, Callable[[PageSpec], object]] = {
    "lab_column": scenario("stable"),
    "lab_row": looking(norm="layer"),
    "lab_rms_mean": scenario("rms_mean"),
    "lab_one": scenario("one"),
    "lab_one_layer": scenario_with("one", norm="layer"),
    "lab_grouped": scenario("grouped"),
    "tensor_batch": looking(view="one", norm="batch"),
    "tensor_layer": scenario("layer"),
    "tensor_group": looking(view="one", norm="group"),
    "tensor_instance": scenario("instance"),
    "tensor_instance_one": looking(view="one", norm="instance"),
    "tensor_pitfall": scenario("pitfall"),
    "coupling_room": scenario("room"),
    "coupling_tiny": scenario("tiny"),
    "coupling_tiny_group": scenario_with("tiny", norm="group"),
    "coupling_nudge_batch": scenario("nudge_batch"),
    "coupling_nudge_layer": scenario("nudge_layer"),
    "coupling_probe_rms": looking(view="probe", norm="rms"),
    "coupling_probe_group": looking(view="probe", norm="group"),
    "coupling_nudge_eval": scenario("nudge_eval"),
    "coupling_one_class": scenario("one_class"),
    "coupling_gpus": scenario("gpus"),
    "coupling_accum": scenario("accum"),
    "te_stale": scenario("jump"),
    "te_layer": scenario("layer"),
    "te_rms": scenario_with("layer", norm="rms"),
    "te_one": scenario("one"),
    "te_finetune": scenario("finetune"),
    "te_dropout": scenario("dropout"),
    "seq_ragged": scenario("ragged"),
    "seq_masked": scenario("masked"),
    "seq_layer": scenario("layer"),
    "why_lr": scenario("six_layers"),
    "why_prenorm": looking(blocks=24),
    "rms_table": scenario("scale"),
    "rms_memory": looking(hidden=1024),
    "rms_decode": scenario("decode"),
}
"""Each demonstration as its target page's state: what the link must open."""


def test_every_demonstration_names_its_view():
    assert set(VIEWS) == set(DEMOS)


@pytest.mark.parametrize("key", sorted(DEMOS))
def test_each_link_is_exactly_what_its_page_writes_for_that_view(key):
    demo = DEMOS[key]
    assert demo.path in PAGE_TITLES
    page = TARGETS[demo.path][0]
    state = VIEWS[key](page)
    assert demo.query == urlencode(page.to_params(state))
    assert page.parse(parse_qs(demo.query)) == (state, None)
    if "scenario" in parse_qs(demo.query) or demo.query == "":
        assert state.scenario != "custom"  # a scenario link stays that scenario


def _hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]*)"', html.replace("&amp;", "&")))


def _panel_html(panel) -> str:
    return " ".join(
        b.get("html", "") + " ".join(" ".join(r) for r in b.get("rows", []))
        for b in panel.blocks
    )


def test_every_link_on_the_page_is_a_demonstration_and_each_is_linked():
    links = _hrefs(_panel_html(tables_panel())) | _hrefs(_panel_html(pitfalls_panel()))
    for arch in ARCHS:
        for b in (1, 4, 16, 64):
            for d in (1, 8):
                for ragged in ("no", "yes"):
                    for serve in ("no", "yes"):
                        state = replace(
                            CHOOSE.initial(),
                            arch=arch,
                            per_device=b,
                            devices=d,
                            ragged=ragged,
                            serve=serve,
                        )
                        links |= _hrefs(_panel_html(flow_panel(state)))
    urls = {d.url for d in DEMOS.values()}
    assert links <= urls, links - urls
    assert links == urls, urls - links  # no demonstration left unlinked
    assert {DEMOS[k].url for k in ALL_DEMOS} <= links


def test_the_flow_s_reasons_link_only_to_demonstrations():
    for s in STEPS:
        assert s.demo in DEMOS
    for arch in ARCHS:
        for reason in recommend(Answers(arch=arch, devices=4, serve_one=True)).reasons:
            assert reason.demo in DEMOS


def test_the_cheat_sheet_names_the_pages_of_its_links():
    md = cheatsheet.markdown()
    for p in cheatsheet.PITFALLS:
        assert DEMOS[p.demo].url in md
