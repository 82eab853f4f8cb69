"""Links are forever: every link in tests/data/links_2026-12-05.jsonl opens
the view it opened when it was recorded, and the page writes the same link for
that view.

The file was recorded on 2026-12-05 from the code as it was before the pages
moved into topic packages (commit d0a620a): for each page, the empty link,
every scenario, a few good and bad values of every parameter, 120 links the
pages wrote for random views, and hostile ones (unknown names, repeated keys,
script tags, 100-character values). Each record holds the query string, the
settings it opened, the note the page showed (or none) and the link the page
then wrote (`python -m bench.record_links` writes such a record; it reproduces
this one from today's code). A change that makes any of them open differently
fails here.

Later records, made the same way, cover what came after: the scenarios and
pages they add (tests/data/links_2026-12-05_choose.jsonl: Batch coupling's
gradient accumulation and Train vs eval's dropout pitfall), and every view of
the others again. A page joins the record once its links are shared:
tests/data/links_2026-12-05_pages.jsonl holds Sequences & padding and
LayerNorm vs RMSNorm (hosted since the day before) and Choose a norm
(`python -m bench.record_links --pages sequences,rms,choose`).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from bench.record_links import PAGES

RECORD_FILES = sorted((Path(__file__).parents[1] / "data").glob("links_*.jsonl"))
"""Every record: each later one added with the change that needed it (new
scenarios or pages), the earlier ones kept."""
RECORDS = [
    json.loads(line)
    for path in RECORD_FILES
    for line in path.read_text(encoding="utf-8").splitlines()
]


def _jsonable(state: object) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(state).items()}


def test_every_recorded_page_is_checked():
    """The pages come from the recorder (bench/record_links.py): a page it no
    longer knows would leave its old links unchecked."""
    assert {r["page"] for r in RECORDS} <= set(PAGES)


def test_the_record_covers_every_page_and_every_scenario():
    for name, spec in PAGES.items():
        queries = {r["query"] for r in RECORDS if r["page"] == name}
        assert "" in queries
        for key in spec.by_key:
            assert f"scenario={key}" in queries, (name, key)
        assert len(queries) > 150, name


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_recorded_link_opens_the_same_view_with_the_same_note(page):
    spec = PAGES[page]
    for r in (r for r in RECORDS if r["page"] == page):
        state, note = spec.parse(parse_qs(r["query"], keep_blank_values=True))
        assert _jsonable(state) == r["state"], r["query"]
        assert note == r["note"], r["query"]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_recorded_view_is_written_as_the_same_link(page):
    spec = PAGES[page]
    for r in (r for r in RECORDS if r["page"] == page):
        state, _ = spec.parse(parse_qs(r["query"], keep_blank_values=True))
        assert spec.to_params(state) == r["params"], r["query"]
