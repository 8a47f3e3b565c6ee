"""The web pages, in-process: every page renders real content, hostile case text stays inert,
forms are CSRF-protected, sign-in redirects are local only, charts are well-formed SVG."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi.testclient import TestClient

from disproof.api.app import create_app
from disproof.auth import Role
from disproof.history import Actor
from disproof.models import Appearance, Case, CaseUpdate, Link
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.web import csrf
from disproof.web.charts import Bar, bar_chart, column_chart
from disproof.web.text import Highlight, linkify, segments
from disproof.web.urls import local_path, quote_case_id
from tests.fakes import FakeEmbedder, add_cases, sign_in_cookie
from tests.webform import as_data, browser_form, replace

URL_ID = "https://euvsdisinfo.eu/report/nato-builds-bases-on-every-russian-border/"
ODD_ID = "odd id/../with?query#frag"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
QUOTES = "\"quoted\" and 'single' </title></textarea>"
HOSTILE_ID = "hostile-case"

CASES = [
    Case(
        id=URL_ID,
        title="NATO is encircling Russia with military bases",
        summary="The alliance builds bases on every Russian border, said the broadcaster.",
        disproof=(
            "NATO has no bases on most of Russia's borders; see https://www.nato.int/cps/en/"
            "natohq/topics_136388.htm, or the map (https://example.org/map).\n\n"
            "A second paragraph of the disproof."
        ),
        date=dt.date(2021, 12, 23),
        appearances=[
            Appearance(
                outlet="RT",
                url="https://rt.example/article",
                archive_url="https://archive.example/rt",
                date=dt.date(2021, 12, 23),
                language="en",
            )
        ],
        languages=["en"],
        countries=["RU", "Lithuania"],
        keywords=["NATO", "Encircling Russia"],
        narratives=["nato-aggression"],
        related=["labs"],
        evidence=[Link(url="https://www.nato.int/facts", title="NATO facts")],
        rating="Disinformation",
        reviewed_by="test desk",
    ),
    Case(
        id="labs",
        title="The US runs secret biolabs in Ukraine",
        summary="American laboratories develop bioweapons near Russia.",
        disproof="There are no US bioweapons labs in Ukraine.",
        date=dt.date(2022, 3, 6),
        keywords=["Biological weapons", "NATO"],
        countries=["UA", "US"],
        languages=["ru"],
        appearances=[Appearance(outlet="Zvezda", date=dt.date(2022, 3, 6), language="ru")],
    ),
    Case(
        id=ODD_ID,
        title="Ukraine shot down flight MH17 with its own Buk",
        summary="A Ukrainian missile destroyed the Malaysian airliner.",
        date=dt.date(2014, 7, 21),
        keywords=["MH17"],
        countries=["UA"],
    ),
    Case(
        id=HOSTILE_ID,
        title=f"Hostile {SCRIPT} title {IMG} {QUOTES}",
        summary=f"Summary {SCRIPT} with {IMG} and javascript:alert(1) and {QUOTES}",
        disproof=f'Disproof {SCRIPT} {IMG} see javascript:alert(2) and http://x.example/"><b>',
        date=dt.date(2023, 1, 1),
        appearances=[
            Appearance(
                outlet=f"Outlet {IMG}",
                url="javascript:alert(3)",
                archive_url="data:text/html,<script>alert(4)</script>",
                language="en",
            )
        ],
        keywords=[f"kw {SCRIPT}", f"kw {QUOTES}"],
        countries=[f"Land {IMG}"],
        narratives=[f"narr {SCRIPT}"],
        related=[f"rel {IMG}"],
        evidence=[
            Link(url="javascript:alert(5)", title=f"evidence {IMG}"),
            Link(url=" JaVaScRiPt:alert(6)", title="spaced"),
        ],
        rating=f"rating {SCRIPT}",
        reviewed_by=f"reviewer {QUOTES}",
    ),
]
RAW_PAYLOADS = [SCRIPT, IMG, "<b>", "</title></textarea>", "<img"]


add = add_cases


@pytest.fixture
def fake_model(fake_matching: FakeEmbedder) -> FakeEmbedder:
    return fake_matching


@pytest.fixture
def web_service(tmp_path: Path, fake_model: FakeEmbedder) -> Disproof:
    service = Disproof.open(Settings(db=str(tmp_path / "web.db")))
    add(service, *CASES)
    return service


@pytest.fixture
def client(web_service: Disproof) -> Iterator[TestClient]:
    app = create_app(web_service.settings, service=web_service)
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def editor(client: TestClient, web_service: Disproof) -> str:
    """Sign the client in as an editor (the cookie the sign-in page sets); the token."""
    token = web_service.tokens.create("ed", Role.editor)
    sign_in_cookie(client, token)
    return token


def case_path(case_id: str, action: str = "") -> str:
    return f"/cases/{quote_case_id(case_id)}" + (f"/{action}" if action else "")


def form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]*)"', page)
    assert found, "no csrf_token in the form"
    return found.group(1)


class Links(HTMLParser):
    """Every href/src/action in a page, and the elements with inline handlers or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.urls.append(value)
            if name == "style" or name.startswith("on"):
                self.inline.append(f"{tag} {name}")
        if tag == "script":
            self.scripts.append(dict(attrs))


def parsed(page: str) -> Links:
    links = Links()
    links.feed(page)
    return links


def assert_inert(page: str) -> None:
    """No hostile payload unescaped, no javascript:/data: link, nothing CSP would block."""
    for payload in RAW_PAYLOADS:
        assert payload not in page, payload
    links = parsed(page)
    assert not [u for u in links.urls if u.strip().lower().startswith(("javascript:", "data:"))]
    assert links.inline == []
    for script in links.scripts:
        assert script.get("src") or script.get("type") == "application/ld+json", script


# -- pages render ---------------------------------------------------------------------------------


def test_every_page_renders_real_content(client: TestClient, editor: str) -> None:
    pages = {
        "/": "Text to check",
        "/search": "4 cases",
        "/stats": "Cases per year",
        "/signin": "API token",
        case_path("labs"): "There are no US bioweapons labs in Ukraine.",
        "/cases/new": "Check for similar cases",
        case_path("labs", "edit"): "American laboratories develop bioweapons",
    }
    for path, expected in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert expected in response.text, path
        assert '<main id="main"' in response.text and 'href="#main"' in response.text
        assert "Signed in as <strong>ed</strong>" in response.text
        assert_inert(response.text)


def test_every_input_has_a_label(client: TestClient, editor: str) -> None:
    for path in ("/", "/search", "/signin", "/cases/new"):
        page = client.get(path).text
        ids = re.findall(
            r'<(?:input|textarea|select)(?![^>]*type="(?:hidden|submit)")[^>]*id="([^"]+)"', page
        )
        assert ids, path
        for field_id in ids:
            assert f'for="{field_id}"' in page, (path, field_id)


# -- search -----------------------------------------------------------------------------------


def test_search_filters_with_facets_and_chips(client: TestClient) -> None:
    page = client.get("/search", params={"keyword": "NATO"}).text
    assert "2 cases" in page
    assert "NATO is encircling Russia" in page and "secret biolabs" in page
    assert "Ukraine shot down flight MH17" not in page
    # the active filter is a chip whose link removes it
    chip = re.search(r'<a class="chip" href="([^"]+)">', page)
    assert chip and "keyword" not in html.unescape(chip.group(1))
    # facet counts are those of the current results: Ukraine (labs) 1, Russia (nato) 1
    assert re.search(r"Ukraine</span>\s*<span class=\"count\">.*?1<", page, re.S)
    country = re.search(r'href="([^"]*country=UA[^"]*)"', page)
    assert country
    narrowed = client.get(html.unescape(country.group(1))).text
    assert "1 case" in narrowed and "secret biolabs" in narrowed


def test_search_takes_words_that_name_one_narrative(client: TestClient) -> None:
    moved = client.get("/search", params={"narrative": "MH17"}, follow_redirects=False)
    assert moved.status_code == 303 and "narrative=mh17-ukraine-guilty" in moved.headers["location"]
    # words that name several narratives, or none, stay a chip of an empty result
    several = client.get("/search", params={"narrative": "Ukraine"}, follow_redirects=False)
    assert several.status_code == 200 and "No cases found" in several.text


def test_search_text_year_and_paging(client: TestClient, web_service: Disproof) -> None:
    extra = [
        Case(
            id=f"bulk-{i:02}",
            title=f"Bulk claim number {i} about sanctions",
            date=dt.date(2020, 1, 1 + i),
        )
        for i in range(25)
    ]
    add(web_service, *extra)
    first = client.get("/search", params={"q": "sanctions"}).text
    assert "25 cases" in first and "showing 1–20" in first
    assert first.count('class="card case-card"') == 20
    assert 'rel="next"' in first
    second_url = html.unescape(re.search(r'href="([^"]+)" rel="next"', first).group(1))  # type: ignore[union-attr]
    assert parse_qs(urlsplit(second_url).query) == {"q": ["sanctions"], "page": ["2"]}
    second = client.get(second_url).text
    assert second.count('class="card case-card"') == 5 and "showing 21–25" in second
    years = client.get("/search", params={"year": "2014"}).text
    assert "1 case" in years and "MH17" in years
    assert client.get("/search", params={"page": "abc"}).status_code == 422


# -- check ------------------------------------------------------------------------------------


def test_check_highlights_spans_by_offset_and_links_cards(
    client: TestClient, web_service: Disproof
) -> None:
    text = (
        "Home | World | Politics\n\nThe weather was mild & calm <b>today</b> and many families "
        "went to the park. The US runs secret biolabs in Ukraine, a blogger "
        "wrote. The city council also discussed a new tram line for the northern district. "
        "Work on the line is expected to start next spring and to last about two years, "
        "according to the transport department, which published the plans on Friday. "
        "Residents of the northern district have asked for a faster connection to the centre "
        "for years, and local shops hope that the tram will bring them more customers. "
        "The mayor promised to publish the timetable before the summer holidays begin.\n\n"
        "© 2024 Example News. All rights reserved."
    )
    assert len(text) > 600  # checked sentence by sentence
    response = client.post("/check", data={"text": text})
    assert response.status_code == 200
    page = response.text
    expected = web_service.matchers.get().match(text, top_k=5)
    found = [m for m in expected.matches if m.band != "none"]
    assert found and found[0].case_id == "labs"
    span = found[0].span
    marks = re.findall(
        r'<mark id="span-(\d+)" class="band-(\w+)"><a href="#match-(\d+)">(.*?)</a>', page, re.S
    )
    assert marks
    mark_number, band, card, inner = marks[0]
    # (a persuasion-technique underline may sit inside the mark: tags stripped)
    assert html.unescape(re.sub(r"<[^>]+>", "", inner)) == text[span.start : span.end]
    assert band == found[0].band
    # the text around the marks is escaped, and the full text is reproduced exactly
    assert "&lt;b&gt;today&lt;/b&gt;" in page and "mild &amp; calm" in page
    body = re.search(r'<div class="checked-text">(.*?)</div>', page, re.S).group(1)  # type: ignore[union-attr]
    assert html.unescape(re.sub(r"<sup[^>]*>.*?</sup>|<[^>]+>", "", body)) == text
    # the mark links to its card, and the card to the case and back to the mark
    card_html = page.split(f'id="match-{card}"', 1)[1].split("</article>", 1)[0]
    assert 'href="/cases/labs"' in card_html
    assert f'href="#span-{mark_number}"' in card_html
    assert "There are no US bioweapons labs" in card_html
    assert "Zvezda" in card_html


def test_check_a_hostile_text_and_show_hostile_cases(client: TestClient) -> None:
    text = f"Hostile {SCRIPT} title {IMG} {QUOTES}"
    page = client.post("/check", data={"text": text}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert_inert(page)


def test_check_upload_and_its_limits(client: TestClient) -> None:
    text = "NATO is encircling Russia with military bases."
    ok = client.post("/check", files={"file": ("post.txt", text.encode(), "text/plain")})
    assert ok.status_code == 200 and "<mark" in ok.text
    empty = client.post("/check", data={"text": "   "})
    assert empty.status_code == 400 and "Paste a text" in empty.text
    binary = client.post("/check", files={"file": ("a.txt", b"\xff\xfe\x00bad", "text/plain")})
    assert binary.status_code == 400 and "not UTF-8" in binary.text
    wrong = client.post("/check", files={"file": ("a.pdf", b"%PDF", "application/pdf")})
    assert wrong.status_code == 400 and ".txt" in wrong.text
    big = client.post("/check", files={"file": ("big.txt", b"a " * 200_000, "text/plain")})
    assert big.status_code in (400, 413)
    assert "Traceback" not in big.text


def test_unmatched_text_shows_nearest_cases_or_none(client: TestClient) -> None:
    page = client.post("/check", data={"text": "Simmer the tomatoes with basil."}).text
    assert "No known case matched" in page and "<mark" not in page


# -- the case page ------------------------------------------------------------------------------


def test_case_page_with_a_url_shaped_id(client: TestClient) -> None:
    path = case_path(URL_ID)
    assert path == "/cases/https://euvsdisinfo.eu/report/nato-builds-bases-on-every-russian-border/"
    page = client.get(path).text
    assert "<h1" in page and "NATO is encircling Russia with military bases" in page
    # disproof paragraphs with safe links, trailing punctuation outside them
    assert page.count("<p>NATO has no bases") == 1 and "A second paragraph" in page
    assert (
        '<a href="https://www.nato.int/cps/en/natohq/topics_136388.htm" '
        'rel="nofollow noopener noreferrer">' in page
    )
    assert '<a href="https://example.org/map" rel="nofollow noopener noreferrer">' in page
    # appearances, evidence, facets as search links, narrative by name, related with reasons
    assert "https://archive.example/rt" in page and ">RT<" in page
    assert (
        '<a href="https://www.nato.int/facts" rel="nofollow noopener noreferrer">NATO facts' in page
    )
    assert 'href="/search?keyword=Encircling+Russia"' in page
    assert 'href="/search?country=LT"' in page and "Lithuania" in page
    assert 'href="/search?narrative=nato-aggression"' in page
    assert "NATO is encircling Russia" in page
    related = page.split('id="related-heading"', 1)[1]
    assert 'href="/cases/labs"' in related and "linked by analysts" in related


def test_an_id_with_dots_query_and_percent_round_trips(client: TestClient) -> None:
    path = case_path(ODD_ID)
    assert "/../" not in path and "?" not in path and "#" not in path
    # "%" is escaped too (not fetched here: Starlette's TestClient decodes paths twice)
    assert quote_case_id("a%41/b") == "a%2541/b"
    response = client.get(path)
    assert response.status_code == 200 and "Ukraine shot down flight MH17" in response.text
    assert ODD_ID in html.unescape(response.text)


def test_search_results_link_to_url_shaped_ids(client: TestClient) -> None:
    page = client.get("/search", params={"q": "encircling"}).text
    hrefs = [h for h in parsed(page).urls if h.startswith("/cases/")]
    assert case_path(URL_ID) in hrefs
    assert client.get(case_path(URL_ID)).status_code == 200


def test_json_ld_is_valid_and_cannot_close_the_script(client: TestClient) -> None:
    for case_id in (URL_ID, HOSTILE_ID):
        page = client.get(case_path(case_id)).text
        blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        assert len(blocks) == 1
        raw = blocks[0]
        assert "</script" not in raw.lower() and "<" not in raw and "&" not in raw
        data = json.loads(raw)  # \u003c escapes are plain JSON
        assert data["@context"] == "https://schema.org" and data["@type"] == "ClaimReview"
        assert data["name"] == next(c.title for c in CASES if c.id == case_id)
        # the review's url is this page (search engines want it on the showing site)
        assert data["url"] == "http://testserver" + case_path(case_id)
        assert client.get(data["url"].removeprefix("http://testserver")).status_code == 200
    hostile = json.loads(
        re.search(r'ld\+json">(.*?)</script>', client.get(case_path(HOSTILE_ID)).text, re.S).group(
            1
        )  # type: ignore[union-attr]
    )
    assert SCRIPT in hostile["name"]
    assert all("url" not in node for node in hostile["citation"])  # javascript: links dropped


def test_hostile_case_is_escaped_on_every_page(client: TestClient, editor: str) -> None:
    pages = [
        case_path(HOSTILE_ID),
        case_path(HOSTILE_ID, "edit"),
        "/search?q=hostile",
        "/search",
        "/stats",
        "/search?" + "keyword=" + SCRIPT,
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert(response.text)
    case = client.get(case_path(HOSTILE_ID)).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in case
    assert "javascript:alert(5)" not in parsed(case).urls
    # a URL in the disproof cannot break out of its attribute
    assert 'href="http://x.example/&#34;&gt;&lt;b&gt;"' not in case
    assert 'href="http://x.example/"' in case
    edit = client.get(case_path(HOSTILE_ID, "edit")).text
    assert "&lt;/textarea&gt;" in edit and "&#34;quoted&#34;" in edit


def test_errors_are_friendly_pages(client: TestClient) -> None:
    missing = client.get("/cases/no-such-case")
    assert missing.status_code == 404 and "Not found" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    bad = client.get("/search", params={"year": "-4"})
    assert bad.status_code == 422 and "<h1>" in bad.text and "Traceback" not in bad.text


# -- editor, sign-in, CSRF ---------------------------------------------------------------------


def test_the_editor_needs_a_signed_in_editor(client: TestClient, web_service: Disproof) -> None:
    response = client.get("/cases/new")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Fcases%2Fnew"
    edit = client.get(case_path(URL_ID, "edit"))
    assert edit.status_code == 303
    assert parse_qs(urlsplit(edit.headers["location"]).query)["next"] == [case_path(URL_ID, "edit")]
    assert client.post("/cases/new", data={"title": "x"}).status_code == 303
    viewer = web_service.tokens.create("reader", Role.viewer)
    sign_in_cookie(client, viewer)
    forbidden = client.get("/cases/new")
    assert forbidden.status_code == 403 and "Not allowed" in forbidden.text


def test_create_a_case_with_csrf(client: TestClient, editor: str, web_service: Disproof) -> None:
    form = client.get("/cases/new").text
    token = form_token(form)
    fields = {
        "title": "Sanctions hurt only Europe, never Russia",
        "summary": "Europe freezes while Russia thrives, the outlet said.",
        "disproof": "Russia's economy shrank; see https://example.org/data.",
        "date": "2023-02-01",
        "outlets_outlet": ["Sputnik", "RT"],
        "outlets_url": ["https://sputnik.example/a", ""],
        "outlets_date": ["2023-02-01", ""],
        "keywords": "Sanctions\r\nEnergy",
        "countries": "Germany\r\nRU",
        "languages": "German",
        "narratives": "decadent-west",
        "related": "labs",
        "evidence_url": ["https://example.org/data"],
        "evidence_title": ["Data"],
    }
    bad = client.post("/cases/new", data={**fields, "csrf_token": "0" * 64})
    assert bad.status_code == 403
    missing = client.post("/cases/new", data=fields)
    assert missing.status_code == 403
    created = client.post("/cases/new", data={**fields, "csrf_token": token, "action": "save"})
    assert created.status_code == 303
    location = created.headers["location"]
    assert location.startswith("/cases/") and location.endswith("?saved=1")
    case_id = unquote(urlsplit(location).path.removeprefix("/cases/"))
    case = web_service.get(case_id)
    assert case.title == fields["title"] and case.date == dt.date(2023, 2, 1)
    assert [a.outlet for a in case.appearances] == ["Sputnik", "RT"]
    assert case.countries == ["DE", "RU"] and case.languages == ["de"]
    assert case.related == ["labs"] and case.evidence[0].title == "Data"
    shown = client.get(location)
    assert "The case was saved." in shown.text and "Sanctions hurt only Europe" in shown.text


def test_editing_round_trips_every_field(
    client: TestClient, editor: str, web_service: Disproof
) -> None:
    before = web_service.get(URL_ID)
    fields = browser_form(client.get(case_path(URL_ID, "edit")).text)
    assert [v for k, v in fields if k == "narratives"] == ["nato-aggression"]
    saved = client.post(case_path(URL_ID, "edit"), data=as_data(fields))
    assert saved.status_code == 303
    assert web_service.get(URL_ID).content() == before.content()
    edited = replace(fields, "title", "NATO is encircling Russia — edited")
    client.post(case_path(URL_ID, "edit"), data=as_data(edited))
    assert web_service.get(URL_ID).title == "NATO is encircling Russia — edited"


def test_validation_errors_are_shown_next_to_fields(client: TestClient, editor: str) -> None:
    token = form_token(client.get("/cases/new").text)
    data = {
        "csrf_token": token,
        "title": "",
        "summary": "",
        "date": "31/02/2024",
        "outlets_outlet": "RT",
        "outlets_url": "https://rt.example",
        "outlets_date": "yesterday",
    }
    response = client.post("/cases/new", data=data)
    assert response.status_code == 422
    page = response.text
    assert "The case was not saved" in page
    date_field = page.split('for="f-date"', 1)[1].split("</div>", 1)[0]
    assert "is not a date like 2024-03-31" in date_field
    outlets = page.split('id="f-outlets"', 1)[1].split("</fieldset>", 1)[0]
    assert "row 1: &#39;yesterday&#39; is not a date" in outlets and "f-outlets-error" in outlets
    assert "31/02/2024" in page  # what was typed is kept


def test_similar_cases_without_javascript(client: TestClient, editor: str) -> None:
    token = form_token(client.get("/cases/new").text)
    data = {
        "csrf_token": token,
        "title": "The US runs secret biolabs in Ukraine",
        "action": "similar",
    }
    page = client.post("/cases/new", data=data)
    assert page.status_code == 200
    similar = page.text.split('id="similar"', 1)[1].split("</section>", 1)[0]
    assert 'href="/cases/labs"' in similar
    assert "Suggested keywords" in similar and "Biological weapons" in similar
    assert 'value="The US runs secret biolabs in Ukraine"' in page.text


def test_sign_in_sets_a_safe_cookie_and_redirects(
    client: TestClient, web_service: Disproof
) -> None:
    token = web_service.tokens.create("signer", Role.editor)
    form = client.get("/signin", params={"next": "/cases/new"})
    assert "disproof_presession" in form.headers["set-cookie"]
    signin_token = form_token(form.text)
    wrong = client.post(
        "/signin", data={"csrf_token": signin_token, "token": "dsp_" + "x" * 43, "next": "/"}
    )
    assert wrong.status_code == 401 and "not accepted" in wrong.text
    assert csrf.SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
    ok = client.post(
        "/signin", data={"csrf_token": signin_token, "token": token, "next": "/cases/new"}
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/cases/new"
    [cookie] = [c.lower() for c in ok.headers.get_list("set-cookie") if "disproof_session=" in c]
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain http here; https requests get Secure
    page = client.get("/cases/new")
    assert page.status_code == 200 and "Signed in as <strong>signer</strong>" in page.text
    assert '<span class="role">editor</span>' in page.text
    out = client.post("/signout", data={"csrf_token": form_token(page.text)})
    assert out.status_code == 303
    assert "max-age=0" in out.headers["set-cookie"].lower()
    assert "Signed in as" not in client.get("/").text


def test_sign_in_form_is_csrf_protected(client: TestClient, web_service: Disproof) -> None:
    token = web_service.tokens.create("x", Role.editor)
    refused = client.post("/signin", data={"token": token, "csrf_token": "f" * 64})
    assert refused.status_code == 403
    assert csrf.SESSION_COOKIE not in refused.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/%0a/evil.example",
    ],
)
def test_next_cannot_redirect_elsewhere(
    client: TestClient, web_service: Disproof, target: str
) -> None:
    token = web_service.tokens.create("nexter", Role.viewer)
    form = client.get("/signin", params={"next": target}).text
    shown = re.search(r'name="next" value="([^"]*)"', form).group(1)  # type: ignore[union-attr]
    assert html.unescape(shown) == local_path(target)
    response = client.post(
        "/signin", data={"csrf_token": form_token(form), "token": token, "next": target}
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == local_path(target)
    assert urlsplit(location).netloc == "" and location.startswith("/")
    assert not location.startswith("//") and "\\" not in location
    if target == "/%0a/evil.example":
        assert location == target  # a percent-escape is just a local path
    else:
        assert location == "/"


def test_local_path_rules() -> None:
    assert local_path("/search?q=a") == "/search?q=a"
    for bad in ("", "//x", "/\\x", "http://x", "x", "/a\nb", "/\x00", " /x"):
        assert local_path(bad) == "/", bad


# -- stats and charts ---------------------------------------------------------------------------


def test_stats_charts_are_well_formed_svg(client: TestClient) -> None:
    page = client.get("/stats").text
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svgs) == 4
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("width") and root.get("height") and root.get("role") == "img"
        titles = root.findall(".//{http://www.w3.org/2000/svg}title")
        assert len(titles) >= 2
    assert "Encircling Russia" in page and "<table" in page
    assert re.search(r'<a href="/search\?year=2022">2022</a>', page)


def test_chart_labels_are_escaped() -> None:
    bars = [Bar(SCRIPT, 3), Bar(QUOTES + " & more", 1000), Bar("zero", 0)]
    for chart in (bar_chart(bars, "T <x>"), column_chart(bars, "T & y")):
        root = ET.fromstring(str(chart))
        texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}title")]
        assert SCRIPT + ": 3" in texts
        assert SCRIPT not in str(chart)
    assert ET.fromstring(str(column_chart([], "empty"))).find("{*}rect") is None


# -- building blocks ----------------------------------------------------------------------------


def test_segments_never_nest_and_cover_the_text() -> None:
    text = "abcdefghij"
    parts = segments(
        text,
        [
            Highlight(2, 5, 1, "confirmed"),
            Highlight(4, 8, 2, "suggested"),
            Highlight(9, 40, 3, "x"),
        ],
    )
    assert "".join(p.text for p in parts) == text
    assert [(p.text, p.mark) for p in parts] == [
        ("ab", None),
        ("cde", 1),
        ("fgh", 2),
        ("i", None),
        ("j", 3),
    ]


def test_linkify_escapes_before_linking() -> None:
    out = str(linkify('x <i>y</i> https://a.example/p?q=1&r=2). "https://b.example/"'))
    assert "&lt;i&gt;y&lt;/i&gt;" in out
    assert '<a href="https://a.example/p?q=1&amp;r=2" rel="nofollow noopener noreferrer">' in out
    assert "</a>)." in out
    assert str(linkify("javascript:alert(1)")) == "javascript:alert(1)"


# -- settings and app-level behaviour ----------------------------------------------------------


def test_pages_need_a_viewer_when_reading_is_not_public(web_service: Disproof) -> None:
    settings = web_service.settings.model_copy(update={"public_read": False})
    with TestClient(create_app(settings, service=web_service), follow_redirects=False) as client:
        for path in ("/", "/search", "/stats", case_path("labs")):
            response = client.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/signin?next=")
        assert client.get("/signin").status_code == 200
        sign_in_cookie(client, web_service.tokens.create("v", Role.viewer))
        assert client.get(case_path("labs")).status_code == 200


def test_cookies_are_secure_over_https(client: TestClient, web_service: Disproof) -> None:
    token = web_service.tokens.create("tls", Role.viewer)
    client.base_url = "https://testserver"  # type: ignore[assignment]
    form = client.get("/signin")
    assert "secure" in form.headers["set-cookie"].lower()
    ok = client.post("/signin", data={"csrf_token": form_token(form.text), "token": token})
    [cookie] = [c for c in ok.headers.get_list("set-cookie") if "disproof_session=" in c]
    assert "secure" in cookie.lower() and ok.headers["location"] == "/"


def test_unknown_urls_get_an_html_page_and_api_paths_keep_json(client: TestClient) -> None:
    page = client.get("/no-such-page", headers={"accept": "text/html,*/*"})
    assert page.status_code == 404 and "<h1>Not found</h1>" in page.text
    api = client.get("/api/v1/no-such-thing", headers={"accept": "text/html"})
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    plain = client.get("/no-such-page", headers={"accept": "application/json"})
    assert plain.status_code == 404 and plain.json() == {"detail": "Not Found"}


def test_static_assets_are_served(client: TestClient) -> None:
    css = client.get("/static/disproof.css")
    assert css.status_code == 200 and ".band-confirmed" in css.text
    js = client.get("/static/editor.js")
    assert js.status_code == 200 and "textContent" in js.text and "innerHTML" not in js.text
    assert client.get("/static/favicon.svg").status_code == 200


def test_editing_does_not_list_the_case_as_similar_to_itself(
    client: TestClient, editor: str
) -> None:
    form = client.get(case_path("labs", "edit")).text
    data = {
        "csrf_token": form_token(form),
        "title": "The US runs secret biolabs in Ukraine",
        "action": "similar",
    }
    page = client.post(case_path("labs", "edit"), data=data).text
    similar = page.split('id="similar"', 1)[1].split("</section>", 1)[0]
    assert 'href="/cases/labs"' not in similar


def test_narratives_page_shows_the_taxonomy_tree_with_case_counts(client: TestClient) -> None:
    page = client.get("/narratives")
    assert page.status_code == 200
    html = page.text
    assert "Aggressive NATO is encircling Russia" in html
    # the NATO case advances 'nato-aggression' through its keyword 'Encircling Russia'
    assert re.search(r'<a href="/search\?narrative=nato-aggression">1 case</a>', html)
    # a sub-narrative is nested under its parent
    parent = html.index('id="n-nato-aggression"')
    assert parent < html.index('id="n-nato-broken-promise"')
    assert 'aria-current="page">Narratives<' in html
    assert "Content-Security-Policy" in page.headers


# -- history, deleted cases, conflicts ---------------------------------------------------------


def editor_form(page: str) -> dict[str, object]:
    """The values an editor form posts, as a browser would send them back."""
    values: dict[str, object] = {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<input id="f-(\w+)" name="\w+" type="\w+" value="([^"]*)"', page
        )
    }
    values.update(
        {
            name: html.unescape(value)
            for name, value in re.findall(
                r'<textarea id="f-(\w+)"[^>]*>(.*?)</textarea>', page, re.S
            )
        }
    )
    values["narratives"] = re.findall(r'name="narratives" value="([^"]+)" checked', page)
    return values | {"csrf_token": form_token(page), "action": "save"}


def test_case_history_is_shown_escaped_to_signed_in_users_only(
    client: TestClient, web_service: Disproof
) -> None:
    hostile = Actor(f"ed {SCRIPT}", "editor")
    web_service.update_case(HOSTILE_ID, CaseUpdate(title=f"New {IMG} title"), hostile)
    anonymous = client.get(case_path(HOSTILE_ID)).text
    assert 'id="history-heading"' not in anonymous
    sign_in_cookie(client, web_service.tokens.create("v", Role.viewer))
    page = client.get(case_path(HOSTILE_ID)).text
    assert 'id="history-heading"' in page and "version 2" in page
    assert "Edited" in page and "&lt;script&gt;" in page
    assert "New &lt;img src=x onerror=alert(1)&gt; title" in page
    assert "Recorded" in page  # version 1, kept when the edit replaced it
    assert "Go back to version" not in page  # viewers cannot restore
    assert_inert(page)


def test_a_deleted_case_has_a_page_with_its_history_and_a_restore_button(
    client: TestClient, editor: str, web_service: Disproof
) -> None:
    web_service.update_case("labs", CaseUpdate(summary="Edited once."), Actor("ed", "editor"))
    web_service.delete_case("labs", Actor("boss", "admin"))
    page = client.get(case_path("labs"))
    assert page.status_code == 410
    assert "This case was deleted by boss (admin)" in page.text
    assert "Restore this case" in page.text and 'id="history-heading"' in page.text
    assert_inert(page.text)
    forged = client.post(case_path("labs", "restore"), data={"csrf_token": "0" * 64})
    assert forged.status_code == 403
    restored = client.post(case_path("labs", "restore"), data={"csrf_token": form_token(page.text)})
    assert restored.status_code == 303
    assert restored.headers["location"] == case_path("labs") + "?restored=1"
    assert web_service.get("labs").summary == "Edited once."
    shown = client.get(restored.headers["location"]).text
    assert "The case was restored (now version 4)" in shown
    back = client.post(
        case_path("labs", "restore"),
        data={"csrf_token": form_token(shown), "version": "1", "current": "4"},
    )
    assert back.status_code == 303
    assert (
        web_service.get("labs").summary == "American laboratories develop bioweapons near Russia."
    )
    client.cookies.clear()
    assert client.get(case_path("never-there")).status_code == 404


def test_a_deleted_case_is_just_missing_for_visitors(
    client: TestClient, web_service: Disproof
) -> None:
    web_service.delete_case("labs", "boss")
    page = client.get(case_path("labs"))
    assert page.status_code == 404 and "boss" not in page.text


def test_an_edit_posted_without_its_version_is_refused(
    client: TestClient, editor: str, web_service: Disproof
) -> None:
    """Issue 15, item 8: a post without ``version`` used to overwrite whatever was stored."""
    data = editor_form(client.get(case_path("labs", "edit")).text)
    web_service.update_case("labs", CaseUpdate(title="Changed meanwhile"), Actor("bob", "admin"))
    data["disproof"] = "An overwrite that never saw bob's change"
    for version in (None, ""):
        posted = {k: v for k, v in data.items() if k != "version"}
        if version is not None:
            posted["version"] = version
        refused = client.post(case_path("labs", "edit"), data=posted)
        assert refused.status_code == 422
        assert "does not say which version of the case it edits" in refused.text
        assert "An overwrite that never saw" in refused.text  # the typed text is kept
        assert 'name="version"' not in refused.text  # reloading the editor is the way on
    case = web_service.get_public("labs")
    assert case.title == "Changed meanwhile" and case.version == 2
    assert case.disproof == "There are no US bioweapons labs in Ukraine."
    created = {**data, "id": "brand-new", "title": "A new case"}
    created.pop("version")
    new = client.post("/cases/new", data=created)  # a new case has no version to name
    assert new.status_code == 303


def test_a_stale_edit_is_refused_and_keeps_the_typed_text(
    client: TestClient, editor: str, web_service: Disproof
) -> None:
    form = client.get(case_path("labs", "edit")).text
    data = editor_form(form)
    assert data["version"] == "1"
    web_service.update_case("labs", CaseUpdate(title="Changed meanwhile"), Actor("bob", "admin"))
    data["disproof"] = f"My careful new disproof {SCRIPT}"
    refused = client.post(case_path("labs", "edit"), data=data)
    assert refused.status_code == 409
    page = refused.text
    assert "Not saved: this case was changed while you were editing it." in page
    assert "You started from version 1; it is now at version 2." in page
    assert "bob (admin)" in page and "UTC — title" in page
    assert f'href="{case_path("labs")}" target="_blank"' in page
    assert "My careful new disproof &lt;script&gt;" in page  # the typed text is kept, escaped
    assert_inert(page)
    assert web_service.get("labs").title == "Changed meanwhile"
    assert web_service.get("labs").disproof == "There are no US bioweapons labs in Ukraine."
    again = editor_form(page)
    assert again["version"] == "2"
    saved = client.post(case_path("labs", "edit"), data=again)
    assert saved.status_code == 303
    case = web_service.get_public("labs")
    assert case.disproof == f"My careful new disproof {SCRIPT}" and case.version == 3
