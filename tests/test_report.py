"""Reports: what they say about a text that repeats known cases and about one that does not,
that hostile case text stays inert in Markdown and HTML, and the `disproof report` command."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from markdown_it import MarkdownIt
from markupsafe import escape

from disproof.api.app import create_app
from disproof.auth import Role
from disproof.models import Appearance, Case, Link
from disproof.narratives import builtin_taxonomy
from disproof.narratives.classify import LabelScore, NarrativeModel, NarrativePrediction
from disproof.narratives.decide import Calibration
from disproof.narratives.pipeline import NarrativeClassifier
from disproof.report import Report, ReportCase, build_report, to_html, to_markdown
from disproof.report.html import content_security_policy, stylesheet
from disproof.report.markdown import text as md_text
from disproof.report.narratives import narratives_from_cases, narratives_from_classifier
from disproof.service import Disproof
from tests.fakes import FakeEmbedder, add_cases, sign_in_cookie

FILLER = (
    "The weather was mild and many families went to the park on Sunday afternoon. "
    "The city council also discussed a new tram line for the northern district. "
    "Work on the line is expected to start next spring and to last about two years, "
    "according to the transport department, which published the plans on Friday. "
    "Residents of the northern district have asked for a faster connection to the centre "
    "for years, and local shops hope that the tram will bring them more customers. "
)
BIOLABS = "US-funded labs in Ukraine were building bioweapons against Russians."
BUCHA = "The Bucha massacre was staged by Kyiv for Western media."
ARTICLE = f"{FILLER}{BIOLABS} {FILLER}{BUCHA} The mayor will publish the timetable in May."
UNRELATED = "Simmer the tomatoes with basil and a little olive oil for twenty minutes."

SCRIPT = "<script>alert(1)</script>"
PAYLOADS = [
    SCRIPT,
    "[click](javascript:alert(1))",
    "![img](http://evil.example/x.png)",
    "<img src=x onerror=alert(1)>",
    "`code` ``",
    "| a | b |",
    "*bold* _em_ ~~gone~~",
    "<http://evil.example/auto>",
]
Cli = Any

HOSTILE_TITLE = "# Heading? " + " ".join(PAYLOADS)
HOSTILE = Case(
    id="hostile-report-case",
    title=HOSTILE_TITLE,
    summary="## Not a heading\n\n1. not a list\n\n- nor this\n\n> nor a quote\n\n"
    + " ".join(PAYLOADS),
    disproof="---\n\n    indented code?\n\n" + " ".join(PAYLOADS) + " see https://ok.example/a_b",
    date=dt.date(2023, 1, 1),
    appearances=[Appearance(outlet=f"Outlet {SCRIPT} |x|", url="javascript:alert(3)")],
    keywords=[f"kw {SCRIPT}", "kw ![i](http://evil.example)"],
    narratives=[f"narr {SCRIPT} [x](javascript:alert(2))"],
    evidence=[
        Link(url="javascript:alert(5)", title="evidence [x](javascript:alert(1))"),
        Link(url="https://good.example/evidence)(", title=f"good {SCRIPT}"),
    ],
)


@pytest.fixture
def demo(service: Disproof, fake_matching: FakeEmbedder) -> Disproof:
    service.load_demo()
    return service


def rendered_markdown(markdown: str) -> str:
    """The HTML a CommonMark renderer with GitHub tables makes of ``markdown``."""
    return MarkdownIt("commonmark").enable("table").render(markdown)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.urls.append(value)
            if name == "style" or name.startswith("on"):
                self.inline.append(f"{tag} {name}")


def tags_of(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


# -- content ------------------------------------------------------------------------------------


def test_report_on_a_text_repeating_demo_cases(demo: Disproof) -> None:
    report = build_report(demo, ARTICLE, database="demo.db")
    ids = [case.case_id for case in report.cases]
    assert {"demo-ukraine-biolabs-2022", "demo-bucha-staged"} <= set(ids)
    assert report.meta.cases_searched == demo.count()
    assert report.meta.embedder == FakeEmbedder.model_id and report.meta.language == "en"
    assert report.meta.claims_checked > 2 and report.meta.database == "demo.db"
    # each claim quotes the text by offset and points to the numbered cases it repeats
    for claim in report.claims:
        assert ARTICLE[claim.start : claim.end] == claim.text
    quoted = {claim.text for claim in report.claims}
    assert BIOLABS in quoted and BUCHA in quoted
    biolabs = next(c for c in report.cases if c.case_id == "demo-ukraine-biolabs-2022")
    stored = demo.get(biolabs.case_id)
    assert biolabs.disproof == stored.disproof and biolabs.summary == stored.summary
    assert biolabs.band in ("confirmed", "suggested") and biolabs.outlets
    assert [e.url for e in biolabs.evidence] == [e.url for e in stored.evidence]
    # related cases for the best cases, the analysts' links first
    first = report.cases[0]
    assert first.related and first.related[0].reasons[0] == "linked by analysts"
    assert {r.case_id for r in first.related} >= set(demo.get(first.case_id).related[:1])
    # narratives listed on the matched cases, with their names from the taxonomy
    narratives = {n.id: n for n in report.narratives}
    assert narratives["us-biolabs"].sources == ["cases"]
    assert narratives["us-biolabs"].cases == ["demo-ukraine-biolabs-2022"]
    assert narratives["staged-atrocities"].name.startswith("Atrocities")

    markdown = to_markdown(report)
    for expected in ("## Claims that repeat known cases", "## Known cases", "**Disproof.**"):
        assert expected in markdown
    assert md_text(stored.disproof.split(". ")[0]) in markdown
    assert "## Narratives the text advances" in markdown and "## What this report" in markdown
    assert "not a verdict" in markdown
    html = to_html(report)
    assert 'id="case-1"' in html and "Known cases" in html and "not a verdict" in html
    # a long text confirms no case (docs/matching.md), so the summary does not say "repeats"
    assert all(case.band == "suggested" for case in report.cases)
    assert "The text may repeat **" in markdown and "The text may repeat <strong>" in html
    alone = build_report(demo, BIOLABS)
    assert alone.cases and alone.cases[0].band == "confirmed"
    assert "The text repeats **1 known case** (1 confirmed)" in to_markdown(alone)


def test_a_text_that_matches_nothing_says_so(demo: Disproof) -> None:
    report = build_report(demo, UNRELATED)
    assert report.cases == [] and report.claims == [] and report.narratives == []
    assert report.nearest  # one claim: its nearest cases, none of them a match
    assert all(m.band == "none" and m.case_number is None for m in report.nearest)
    markdown = to_markdown(report)
    assert "**No known case matched.**" in markdown and "## Nearest cases" in markdown
    assert "## Known cases" not in markdown and "not a verdict" in markdown
    assert "No known case matched." in to_html(report)
    longer = build_report(demo, FILLER * 2)  # several claims, none near enough
    assert longer.cases == [] and longer.nearest == []
    assert "No known case matched" in to_markdown(longer)


def test_min_band_and_case_links(demo: Disproof) -> None:
    confirmed = build_report(demo, ARTICLE, min_band="confirmed")
    assert all(case.band == "confirmed" for case in confirmed.cases)
    assert confirmed.meta.min_band == "confirmed"
    linked = build_report(
        demo, ARTICLE, case_url=lambda case_id: f"https://disproof.example/cases/{case_id}"
    )
    assert linked.cases[0].url == f"https://disproof.example/cases/{linked.cases[0].case_id}"
    unsafe = build_report(demo, ARTICLE, case_url=lambda case_id: f"javascript:{case_id}")
    assert all(case.url is None for case in unsafe.cases)
    assert "](https://disproof.example/cases/" in to_markdown(linked)


def test_narratives_from_keywords_only_for_cases_without_narratives() -> None:
    def case(
        case_id: str, keywords: list[str], narratives: list[str], title: str = "Secret biolabs"
    ) -> ReportCase:
        return ReportCase(
            number=1,
            case_id=case_id,
            title=title,
            band="confirmed",
            score=0.9,
            claims=[1],
            keywords=keywords,
            narratives=narratives,
        )

    found = narratives_from_cases(
        [
            case("imported", ["biological WEAPONS", "Unknown"], []),
            case("listed", ["Euromaidan"], ["maidan-coup", "not-in-taxonomy"]),
            case("passing", ["Biological weapons"], [], title="The West hates Russia"),
        ],
        builtin_taxonomy(),
    )
    by_id = {n.id: n for n in found}
    assert by_id["us-biolabs"].sources == ["keywords"]
    assert by_id["us-biolabs"].keywords == ["biological WEAPONS"]
    assert by_id["us-biolabs"].cases == ["imported"]  # "passing": its text names no biolab
    assert by_id["maidan-coup"].sources == ["cases"]
    assert by_id["not-in-taxonomy"].name == "not-in-taxonomy"
    assert "colour-revolutions" not in by_id  # Euromaidan signals it, but "listed" lists its own


def test_classifier_narratives_are_named_as_such(demo: Disproof) -> None:
    prediction = NarrativePrediction(
        narratives=(LabelScore("URW: Discrediting Ukraine", 0.81),),
        subnarratives=(LabelScore("URW: Discrediting Ukraine: Other", 0.4),),
    )
    found = narratives_from_classifier(prediction)
    assert [n.sources for n in found] == [["classifier"], ["classifier"]]
    assert found[0].classifier_score == 0.81
    other = NarrativePrediction((LabelScore("Other", 0.9),), (LabelScore("Other", 0.9),))
    assert narratives_from_classifier(other) == []

    labels = ("URW: Blaming the war on others",)
    model = NarrativeModel(
        narratives=labels,
        subnarratives=(),
        parents=np.zeros(0, dtype=np.intp),
        weights=np.zeros((FakeEmbedder.dim, 2), dtype=np.float32),
        bias=np.array([5.0, -5.0], dtype=np.float32),
        calibration=Calibration(),
        meta={"trained_on": ["semeval:EN"], "documents": 12},
    )
    classifier = NarrativeClassifier(model, FakeEmbedder())
    report = build_report(demo, ARTICLE, classifier=classifier)
    assert report.meta.narrative_model == "narrative classifier trained on semeval:EN, 12 documents"
    from_model = [n for n in report.narratives if n.sources == ["classifier"]]
    assert [n.name for n in from_model] == list(labels)
    assert "| classifier | score 0.99 |" in to_markdown(report)
    silent = NarrativeClassifier(
        model.__class__(**{**model.__dict__, "bias": -model.bias}), FakeEmbedder()
    )
    assert (
        "found none of its narratives" in build_report(demo, ARTICLE, classifier=silent).notes[-1]
    )


# -- hostile case text ----------------------------------------------------------------------------


def hostile_report(service: Disproof) -> Report:
    add_cases(service, HOSTILE)
    return build_report(service, HOSTILE_TITLE, min_band="none")


def test_markdown_escapes_hostile_case_text(service: Disproof, fake_matching: object) -> None:
    report = hostile_report(service)
    assert report.cases and report.cases[0].case_id == HOSTILE.id
    markdown = to_markdown(report)
    html = rendered_markdown(markdown)
    tags = tags_of(html)
    assert {"script", "img", "pre", "code", "del", "s"}.isdisjoint(tags.tags), tags.tags
    assert tags.inline == []
    assert all(url.startswith("https://") for url in tags.urls), tags.urls
    # only the report's own headings and lists; case text made none
    headings = re.findall(r"<h(\d)>(.*?)</h\d>", html)
    assert [h for h in headings if h[0] == "1"] == [("1", "Disinformation check report")]
    assert not any("Not a heading" in text for _, text in headings)
    assert "<ol" not in html and "<hr" not in html and "<blockquote>\n<p>nor a quote" not in html
    # tables keep their shape: every narrative row has three cells
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        assert row.count("<td") in (0, 3), row
    # the text itself survives, visibly
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[click](javascript:alert(1))" in html and "| a | b |" in html
    assert 'href="https://good.example/evidence%29%28"' in html


def test_markdown_text_escaping_rules() -> None:
    assert md_text("# title") == "\\# title"
    assert md_text("1. first") == "1\\. first" and md_text("12) x") == "12\\) x"
    assert md_text("- item") == "\\- item" and md_text("+ item") == "\\+ item"
    assert md_text("a\n\nb   c") == "a b c"
    assert md_text("<b>&amp;</b>") == "&lt;b&gt;&amp;amp;&lt;/b&gt;"
    assert md_text("0.1.0 is fine") == "0.1.0 is fine"


def test_html_escapes_hostile_case_text(service: Disproof, fake_matching: object) -> None:
    html = to_html(hostile_report(service))
    for raw in (SCRIPT, "<img src=x", "<http://evil", "<b>"):
        assert raw not in html, raw
    tags = tags_of(html)
    assert "script" not in tags.tags and "img" not in tags.tags and "iframe" not in tags.tags
    assert tags.inline == []
    # links: the report's own anchors, and http(s) URLs (those in a disproof become links)
    assert all(u.startswith(("https://", "http://", "#")) for u in tags.urls), tags.urls
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # self-contained: one stylesheet, allowed by hash, nothing else may load or run
    assert "<link" not in html and "@import" not in html and "url(" not in stylesheet()
    policy = content_security_policy()
    assert f'http-equiv="Content-Security-Policy" content="{escape(policy)}"' in html
    assert "default-src 'none'" in policy and "script-src" not in policy


# -- the command ----------------------------------------------------------------------------------


def test_cli_report_from_text_file_and_stdin(
    cli: Cli, fake_matching: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = cli
    assert run("demo").code == 0
    result = run("report", ARTICLE)
    assert result.code == 0, result.err
    assert result.out.startswith("# Disinformation check report")
    assert "Bucha massacre" in result.out and "demo-bucha-staged" in result.out
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    from_file = run("report", "--file", str(article), "--min-band", "confirmed")
    assert from_file.code == 0 and "Lowest band listed:** confirmed" in from_file.out
    monkeypatch.setattr("sys.stdin", io.StringIO(UNRELATED))
    from_stdin = run("report", "--file", "-")
    assert from_stdin.code == 0 and "No known case matched" in from_stdin.out
    linked = run("report", BUCHA, "--base-url", "http://127.0.0.1:8000/")
    assert "(http://127.0.0.1:8000/cases/demo-bucha-staged)" in linked.out


def test_cli_report_out_refuses_to_overwrite(
    cli: Cli, fake_matching: object, tmp_path: Path
) -> None:
    run = cli
    run("demo")
    out = tmp_path / "report.html"
    first = run("report", BUCHA, "--format", "html", "--out", str(out))
    assert first.code == 0 and first.out == "" and "report written to" in first.err
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    out.write_text("keep me", encoding="utf-8")
    again = run("report", BUCHA, "--out", str(out))
    assert again.code == 1 and "--force" in again.err and "Traceback" not in again.err
    assert out.read_text(encoding="utf-8") == "keep me"
    forced = run("report", BUCHA, "--out", str(out), "--force")
    assert forced.code == 0 and out.read_text(encoding="utf-8").startswith("# Disinformation")


def test_cli_report_usage_errors(cli: Cli, fake_matching: object, tmp_path: Path) -> None:
    run = cli
    assert run("report").code == 2
    assert run("report", "text", "--file", "x.txt").code == 2
    assert run("report", "text", "--min-band", "likely").code == 2
    assert run("report", "text", "--format", "pdf").code == 2
    assert run("report", "text", "--base-url", "javascript:x").code == 2
    missing = run("report", "--file", str(tmp_path / "nope.txt"))
    assert missing.code == 1 and "nope.txt: no such file" in missing.err
    assert run("report", "  ").code == 1


# -- the web page and the API --------------------------------------------------------------------


@pytest.fixture
def client(demo: Disproof) -> Iterator[TestClient]:
    app = create_app(demo.settings, service=demo)
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def report_form(page: str) -> dict[str, str]:
    form = page.split('class="report-form"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    return {name: html_lib.unescape(value) for name, value in fields.items()}


def test_download_the_report_of_a_check(client: TestClient) -> None:
    page = client.post("/check", data={"text": ARTICLE}).text
    assert 'action="/check/report"' in page and "Download report" in page
    fields = report_form(page)
    assert fields["text"] == ARTICLE and fields["csrf_token"] == ""  # nobody signed in
    html = client.post("/check/report", data={**fields, "format": "html"})
    assert html.status_code == 200, html.text
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    disposition = html.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="disproof-report-\d{8}-\d{6}\.html"', disposition)
    assert html.headers["content-security-policy"] == content_security_policy(header=True)
    assert html.headers["x-frame-options"] == "DENY" and html.headers["cache-control"] == "no-store"
    assert "Bucha massacre" in html.text
    assert "testserver" not in html.text  # no public URL set: cases are named, not linked
    markdown = client.post("/check/report", data={**fields, "format": "markdown"})
    assert markdown.status_code == 200
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    assert markdown.headers["content-disposition"].endswith('.md"')
    assert markdown.text.startswith("# Disinformation check report")
    assert "content-security-policy" in markdown.headers  # the site's own policy
    # every other page keeps the site's policy
    assert "script-src 'self'" in client.get("/").headers["content-security-policy"]


@pytest.mark.parametrize("public_url", [None, "https://disproof.example/desk"])
def test_report_links_never_come_from_the_host_header(
    demo: Disproof, public_url: str | None
) -> None:
    """Issue 15, item 8: ``Host: evil.example`` made the report link to http://evil.example/…"""
    demo.settings.public_url = public_url
    app = create_app(demo.settings, service=demo)
    with TestClient(app, follow_redirects=False) as client:
        fields = report_form(client.post("/check", data={"text": ARTICLE}).text)
        for fmt in ("html", "markdown"):
            report = client.post(
                "/check/report", data={**fields, "format": fmt}, headers={"Host": "evil.example"}
            )
            assert report.status_code == 200 and "Bucha massacre" in report.text
            assert "evil.example" not in report.text
            linked = "https://disproof.example/desk/cases/demo-bucha-staged" in report.text
            assert linked == (public_url is not None)


def test_report_download_checks_csrf_and_input(client: TestClient, demo: Disproof) -> None:
    assert client.post("/check/report", data={"text": ARTICLE, "format": "pdf"}).status_code == 400
    empty = client.post("/check/report", data={"text": "  ", "format": "html"})
    assert empty.status_code == 400 and "no text" in empty.text
    sign_in_cookie(client, demo.tokens.create("viewer", Role.viewer))
    fields = report_form(client.post("/check", data={"text": BUCHA}).text)
    assert fields["csrf_token"]
    forged = client.post("/check/report", data={"text": BUCHA, "format": "html"})
    assert forged.status_code == 403 and "content-disposition" not in forged.headers
    wrong = {**fields, "csrf_token": "0" * 64, "format": "html"}
    assert client.post("/check/report", data=wrong).status_code == 403
    ok = client.post("/check/report", data={**fields, "format": "markdown"})
    assert ok.status_code == 200 and "Bucha" in ok.text


def test_report_api_returns_the_report_as_json(client: TestClient) -> None:
    response = client.post("/api/v1/report", json={"text": ARTICLE})
    assert response.status_code == 200
    body = response.json()
    assert {c["case_id"] for c in body["cases"]} >= {"demo-bucha-staged"}
    assert body["meta"]["cases_searched"] > 0 and body["limits"]
    assert Report.model_validate(body).cases[0].disproof
    assert client.post("/api/v1/report", json={"text": "x", "min_band": "x"}).status_code == 422
