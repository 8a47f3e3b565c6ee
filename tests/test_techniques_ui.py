"""Where users see persuasion techniques: the check page's marks beside the claim highlights
(overlaps, escaping), reports, case pages, `GET /cases/{id}?include=techniques`, the cache of
results (both backends) and trends by technique.

The detector is the shipped default model (n-grams: milliseconds a text); texts are chosen so
that it finds a technique in them.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from disproof.api.app import create_app
from disproof.models import Case
from disproof.report import build_report, to_html, to_markdown
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.schema import technique_results
from disproof.techniques.cached import claim_text, field_spans, text_hash, text_techniques
from disproof.techniques.loaded import current_model_id
from disproof.techniques.shown import NOTE, StoredSpan, passages, shown_spans
from disproof.web.marks import pieces
from disproof.web.templating import environment
from disproof.web.text import Highlight, segments
from tests.fakes import FakeEmbedder, add_cases

pytestmark = pytest.mark.both_backends

PAYLOAD = (
    "<script>alert(1)</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)> "
    '"quoted" </span></mark></a>'
)
RAW = ("<script>alert(1)</script>", "<img src=x", "</span></mark></a>")
#: The shipped model finds loaded language and name calling here.
LOADED = (
    f"The corrupt Kiev regime and its Western puppet masters {PAYLOAD} are running secret biolabs."
)
HOSTILE_CASE = Case(
    id="hostile-techniques",
    title=f"Puppet masters {PAYLOAD}",
    summary=LOADED,
    disproof="No.",
    date=dt.date(2022, 3, 1),
    narratives=["us-biolabs"],
    appearances=[],
)


class Balanced(HTMLParser):
    """Fails on a closing tag that does not close the innermost open element."""

    VOID = {"br", "img", "input", "meta", "link", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open)
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if "sup" not in self.open:
            self.text.append(data)


def render_marks(parts: object) -> str:
    template = environment().from_string(
        '{% from "_techniques.html" import marked_text %}{{ marked_text(parts) }}'
    )
    return template.render(parts=parts)


def checked(markup: str) -> Balanced:
    parser = Balanced()
    parser.feed(markup)
    parser.close()
    assert parser.open == []
    return parser


# -- marks: overlaps and escaping (pure rendering) ------------------------------------------------


def test_overlapping_claims_and_techniques_render_as_flat_balanced_marks() -> None:
    text = "Alpha beta gamma. Delta <b>epsilon</b> zeta. Eta theta & iota."
    claims = segments(text, [Highlight(6, 30, 1, "confirmed")])  # "beta … <b>eps"
    spans = shown_spans(
        text,
        [
            StoredSpan("Loaded_Language", 0, 17, 0.7),  # starts before the claim
            StoredSpan("Name_Calling-Labeling", 11, 44, 0.6),  # across the claim's end
            StoredSpan("Doubt", 11, 44, 0.55),  # the same passage: one number
            StoredSpan("Slogans", 40, 200, 0.9),  # past the end: clamped
        ],
    )
    assert [s.number for s in spans] == [1, 2, 2, 3]
    assert spans[-1].end == len(text)
    parts = pieces(text, claims, spans)
    assert "".join(p.text for p in parts) == text
    # every piece inside the claim knows it; the claim's anchor is on its first piece only
    inside = [p for p in parts if p.claim is not None]
    assert "".join(p.text for p in inside) == text[6:30]
    assert [p.claim_starts for p in inside].count(True) == 1
    assert [p.claim_ends for p in inside].count(True) == 1
    two = next(p for p in parts if p.text.startswith("gamma"))
    assert {t.technique for t in two.techniques} == {
        "Loaded_Language",
        "Name_Calling-Labeling",
        "Doubt",
    }
    markup = render_marks(parts)
    parser = checked(markup)  # closing tags always close the innermost element
    assert html.unescape("".join(parser.text)) == text
    assert markup.count('id="span-1"') == 1 and markup.count('<sup class="ref"') == 1
    assert "&lt;b&gt;" in markup and "&lt;/b&gt;" in markup and "&amp; iota" in markup
    assert 'class="tq tq-many"' in markup  # where techniques overlap
    for number in (1, 2, 3):
        assert markup.count(f'href="#technique-{number}"') == 1
    assert "Name calling: Pins a loaded label" in html.unescape(markup)


def test_hostile_text_inside_technique_spans_stays_text() -> None:
    text = f"{PAYLOAD} and more {PAYLOAD}"
    spans = shown_spans(text, [StoredSpan("Loaded_Language", 3, len(text) - 4, 0.8)])
    claims = segments(text, [Highlight(0, 20, 1, "suggested")])
    markup = render_marks(pieces(text, claims, spans))
    for raw in RAW:
        assert raw not in markup
    parser = checked(markup)
    assert html.unescape("".join(parser.text)) == text


def test_passages_group_the_techniques_of_one_span() -> None:
    text = "One two three. Four five six."
    spans = shown_spans(
        text, [StoredSpan("Doubt", 15, 29, 0.6), StoredSpan("Slogans", 15, 29, 0.7)]
    )
    assert [[s.technique for s in group] for group in passages(spans)] == [["Doubt", "Slogans"]]
    assert shown_spans(text, [StoredSpan("Doubt", 5, 5, 0.6)]) == []  # empty: dropped


# -- the check page ------------------------------------------------------------------------------


@pytest.fixture
def web(tmp_path: Path, fake_matching: FakeEmbedder) -> TestClient:
    service = Disproof.open(Settings(db=str(tmp_path / "web.db")))
    service.load_demo()
    add_cases(service, HOSTILE_CASE)
    return TestClient(create_app(service.settings, service=service), follow_redirects=False)


def test_check_page_marks_techniques_with_names_legend_and_note(web: TestClient) -> None:
    text = f"Headline\n{LOADED}\nUS-funded labs in Ukraine were building bioweapons."
    page = web.post("/check", data={"text": text}).text
    for raw in RAW:
        assert raw not in page
    assert "Persuasion techniques" in page and NOTE.replace("'", "&#39;") in page
    assert "underlined</span></span>: a persuasion technique" in page  # the legend
    found = re.search(r'<span class="tq[^"]*" title="([^":]+): ', page)
    assert found, "the shipped model finds a technique in LOADED"
    assert '<li id="technique-1">' in page and f"{found.group(1)}</strong>" in page
    body = re.search(r'<div class="checked-text">(.*?)</div>', page, re.S)
    assert body
    parser = checked(body.group(1))
    assert html.unescape("".join(parser.text)) == text


# -- reports -------------------------------------------------------------------------------------


def test_reports_list_techniques_with_offsets_and_the_note(
    service: Disproof, fake_matching: FakeEmbedder
) -> None:
    service.load_demo()
    text = f"Headline\n{LOADED}"
    report = build_report(service, text)
    assert report.techniques and report.technique_note == NOTE
    assert report.meta.technique_model == current_model_id(service.settings)
    for row in report.techniques:
        assert " ".join(text[row.start : row.end].split()) == row.text
        assert row.name and row.definition
    assert any("not an analyst's judgement" in limit for limit in report.limits)
    markdown = to_markdown(report)
    section = markdown.split("## Persuasion techniques", 1)[1]
    first = report.techniques[0]
    assert f"### T1 (characters {first.start}–{first.end})" in section
    assert "*Technique labels are model output, not an analyst's judgement.*" in section
    assert f"**{first.name}** ({first.category}): {first.definition}" in section
    assert "\\<script\\>" not in section and "&lt;script&gt;" in section
    assert "[click](javascript" not in section
    page = to_html(report)
    assert 'id="technique-1"' in page and "Model output." in page
    for raw in RAW:
        assert raw not in page
    # asked not to: no section, no note
    bare = build_report(service, text, techniques=False)
    assert bare.techniques == [] and bare.technique_note is None
    assert "Persuasion techniques" not in to_markdown(bare)


# -- case techniques: the cache, the API, the case page -------------------------------------------


def _rows(service: Disproof) -> int:
    with service.store.engine.connect() as connection:
        count = sa.select(sa.func.count()).select_from(technique_results)
        return int(connection.execute(count).scalar_one())


def test_case_techniques_are_cached_per_text_and_model(service: Disproof) -> None:
    add_cases(service, HOSTILE_CASE)
    case = service.get(HOSTILE_CASE.id)
    text = claim_text(case)
    assert text == f"{case.title}\n{case.summary}"
    engine, settings = service.store.engine, service.settings
    first = text_techniques(engine, settings, [text, text])[text]
    assert first and _rows(service) == 1
    again = text_techniques(engine, settings, [text])[text]
    assert [(s.technique, s.start, s.end) for s in again] == [
        (s.technique, s.start, s.end) for s in first
    ]
    assert _rows(service) == 1
    with engine.connect() as connection:
        key = connection.execute(sa.select(technique_results.c.text_hash)).scalar_one()
    assert key == text_hash(text)
    # offsets map back into the title and the summary
    for placed, span in zip(field_spans(case, first), first, strict=True):
        field = case.title if placed.field == "title" else case.summary
        assert field[placed.start : placed.end] == text[span.start : span.end]


def test_api_case_detail_includes_techniques_on_request(api: object) -> None:
    client, service = api.client, api.service  # type: ignore[attr-defined]
    add_cases(service, HOSTILE_CASE)
    path = "/api/v1/cases/hostile-techniques"
    plain = client.get(path)
    assert plain.status_code == 200 and plain.json()["techniques"] is None
    assert _rows(service) == 0  # nothing computed unless asked
    asked = client.get(path, params={"include": "techniques"})
    assert asked.status_code == 200
    body = asked.json()["techniques"]
    assert body["note"] == NOTE and body["model"].startswith("techniques-")
    assert body["text"] == f"{HOSTILE_CASE.title}\n{HOSTILE_CASE.summary}"
    assert body["techniques"]
    for span in body["techniques"]:
        assert set(span) == {
            "technique", "start", "end", "score", "name", "definition",
            "field", "field_start", "field_end",
        }  # fmt: skip
        field = HOSTILE_CASE.title if span["field"] == "title" else HOSTILE_CASE.summary
        assert (
            field[span["field_start"] : span["field_end"]]
            == (body["text"][span["start"] : span["end"]])
        )
    assert asked.headers["ETag"] == plain.headers["ETag"]
    assert _rows(service) == 1
    assert client.get(path, params={"include": "nonsense"}).status_code == 422


def test_case_page_reads_cached_techniques_and_detects_on_request(web: TestClient) -> None:
    path = "/cases/hostile-techniques"
    before = web.get(path).text
    assert "Find persuasion techniques in the title and summary" in before
    assert 'class="tq' not in before
    asked = web.get(path, params={"techniques": "1"}).text
    assert 'class="checked-text"' in asked and 'class="tq' in asked
    for raw in RAW:
        assert raw not in asked
    after = web.get(path).text  # now from the cache, without asking
    assert 'class="tq' in after and "Find persuasion techniques" not in after
    body = re.search(r'<div class="checked-text">(.*?)</div>', after, re.S)
    assert body
    parser = checked(body.group(1))
    assert html.unescape("".join(parser.text)) == f"{HOSTILE_CASE.title}\n{HOSTILE_CASE.summary}"


# -- trends --------------------------------------------------------------------------------------


def test_trends_by_technique_count_cases_once_per_technique(service: Disproof) -> None:
    service.load_demo()
    add_cases(service, HOSTILE_CASE)
    result = service.trends("technique", "month")
    assert result.series and result.by == "technique"
    top = result.series[0]
    assert top.label in {"Loaded language", "Name calling"}
    assert top.total == sum(top.counts) <= sum(result.totals)
    for series in result.series:
        assert all(c <= t for c, t in zip(series.counts, result.totals, strict=True))
    rows = _rows(service)
    assert rows == service.count()  # every dated case text read once (the demo's are distinct)
    again = service.trends("technique", "month")
    assert again == result and _rows(service) == rows
    # narrowed to one narrative: only its cases count
    narrowed = service.trends("technique", "month", narrative="us-biolabs")
    assert narrowed.narrative == "us-biolabs"
    assert 0 < sum(narrowed.totals) < sum(result.totals)
    by_keyword = service.trends("keyword", "month", narrative="US-BIOLABS")
    assert sum(by_keyword.totals) == sum(narrowed.totals)
    # the scope's own term test is a subquery of its own, not tied to the counted terms
    by_narrative = service.trends("narrative", "month", narrative="us-biolabs", top=50)
    series = {s.key: s.total for s in by_narrative.series}
    assert series["us-biolabs"] == sum(narrowed.totals)
    assert len(series) > 1  # the narratives those cases carry besides


def test_web_trends_offers_techniques_with_the_note(web: TestClient) -> None:
    page = web.get("/trends", params={"by": "technique", "outlet": "<script>x"}).text
    assert '<option value="technique" selected>' in page
    assert "Model output." in page and "<script>x" not in page
    page = web.get("/trends", params={"by": "technique"}).text
    assert "Loaded language" in page


def test_a_broken_model_file_is_said_not_a_500(tmp_path: Path, fake_matching: FakeEmbedder) -> None:
    """A database's own model file that cannot be read: the check page, the report and the case
    page say so; nothing fails."""
    db = tmp_path / "broken.db"
    service = Disproof.open(Settings(db=str(db)))
    add_cases(service, HOSTILE_CASE)
    (tmp_path / "broken.db.techniques.npz").write_bytes(b"not a model")
    client = TestClient(create_app(service.settings, service=service))
    page = client.post("/check", data={"text": LOADED})
    assert page.status_code == 200
    assert "Techniques could not be detected" in page.text and "not a technique model" in page.text
    report = build_report(service, LOADED)
    assert report.techniques == [] and report.technique_note is None
    assert any("persuasion techniques were not detected" in note for note in report.notes)
    case = client.get("/cases/hostile-techniques", params={"techniques": "1"})
    assert case.status_code == 200 and "Techniques could not be detected" in case.text


def test_cli_show_and_trends_with_techniques(cli: Any) -> None:
    assert cli("demo").code == 0
    shown = cli("show", "demo-bucha-staged", "--techniques")
    assert shown.code == 0
    assert "Persuasion techniques in the title and summary" in shown.out
    assert "model output, not an analyst's judgement" in shown.out
    as_json = cli("show", "demo-bucha-staged", "--techniques", "--json")
    found = json.loads(as_json.out)["techniques"]
    assert found["note"] == NOTE and found["techniques"]
    assert {s["field"] for s in found["techniques"]} <= {"title", "summary"}
    trends = cli("trends", "--by", "technique", "--json")
    assert trends.code == 0 and "model output" in trends.err
    result = json.loads(trends.out)
    assert result["by"] == "technique" and result["series"]
    narrowed = json.loads(
        cli("trends", "--by", "technique", "--narrative", "us-biolabs", "--json").out
    )
    assert narrowed["narrative"] == "us-biolabs"
    assert sum(narrowed["totals"]) < sum(result["totals"])
