"""ClaimReview export (issue #13): when the review was published, the page that publishes it,
its body, the validator of the rules search engines apply, and the refusal when a case has no
page to point to. The whole shared data is checked in ``test_claimreview_shared.py``."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from pydantic import ValidationError

from disproof.io import claimreview
from disproof.io.claimreview import (
    InvalidClaimReview,
    MissingPublicUrl,
    Problem,
    claim_review,
    is_iso_date,
    validate,
    validate_document,
)
from disproof.models import Case
from disproof.service import Disproof
from disproof.settings import Settings
from tests.fakes import add_cases
from tests.test_exporters import realistic_case

Cli = Any
BASE = "https://disproof.example"
HOSTILE = "</script><script>alert(1)</script> <!-- & \"quoted\" 'single' \u2028 Евросоюз 😀"


def errors(node: object) -> list[str]:
    return [p.path for p in validate(node) if p.severity == "error"]


def warnings(node: object) -> list[str]:
    return [p.path for p in validate(node) if p.severity == "warning"]


def document_errors(document: object) -> list[Problem]:
    return [p for p in validate_document(document) if p.severity == "error"]


def valid_node() -> dict[str, Any]:
    return claim_review(realistic_case(), base_url=BASE)


def bare(**changes: Any) -> Case:
    """A case with only a claim (no date, disproof, source, appearances), plus ``changes``."""
    return Case.model_validate({"id": "bare-1", "title": "A claim", **changes})


def export(*cases: Case, base_url: str | None = BASE) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    count = claimreview.write(cases, out, base_url=base_url)
    return count, json.loads(out.getvalue())


# --------------------------------------------------------------------------- the validator


def test_a_complete_node_has_no_problems() -> None:
    assert validate(valid_node()) == []
    assert validate({"@context": "https://schema.org", **valid_node()}) == []


@pytest.mark.parametrize(
    ("drop", "path"),
    [
        ("claimReviewed", "claimReviewed"),
        ("reviewRating", "reviewRating"),
        ("url", "url"),
    ],
)
def test_required_properties(drop: str, path: str) -> None:
    node = valid_node()
    del node[drop]
    assert errors(node) == [path]


def test_the_rating_needs_its_textual_verdict() -> None:
    node = valid_node()
    del node["reviewRating"]["alternateName"]
    assert errors(node) == ["reviewRating.alternateName"]
    node["reviewRating"] = {"@type": "AggregateRating", "alternateName": "False"}
    assert errors(node) == ["reviewRating.@type"]


@pytest.mark.parametrize(
    ("numbers", "path"),
    [
        ({"ratingValue": 6, "bestRating": 5, "worstRating": 1}, "reviewRating.ratingValue"),
        ({"ratingValue": 0}, "reviewRating.ratingValue"),  # default scale 1..5
        ({"ratingValue": 1, "bestRating": 1, "worstRating": 1}, "reviewRating"),
        ({"ratingValue": "1"}, "reviewRating.ratingValue"),
        ({"ratingValue": True}, "reviewRating.ratingValue"),
        ({"bestRating": 5, "worstRating": 1}, "reviewRating.ratingValue"),
    ],
)
def test_numeric_ratings_stay_on_their_scale(numbers: dict[str, Any], path: str) -> None:
    node = valid_node()
    node["reviewRating"] = {"@type": "Rating", "alternateName": "False", **numbers}
    assert errors(node) == [path]


def test_a_textual_rating_alone_is_valid() -> None:
    node = valid_node()
    node["reviewRating"] = {"@type": "Rating", "alternateName": "Cherry-picked"}
    assert validate(node) == []


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "/cases/1", "ftp://x.example/a", "https://", "https://a b", 3]
)
def test_url_must_be_an_absolute_web_address(url: object) -> None:
    node = valid_node()
    node["url"] = url
    assert errors(node) == ["url"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2023-02-14", True),
        ("2023-02-14T10:00:00Z", True),
        ("2023-02-14T10:00:00.5+01:00", True),
        ("2023-02-14T10:00", True),
        ("2023-02-30", False),
        ("2023-13-01", False),
        ("02/14/23", False),
        ("20230214", False),  # ISO's basic format: not what schema.org Date means
        ("2023-02-14 10:00", False),
        ("2023-02-14T25:00:00Z", False),
        ("", False),
        (20230214, False),
    ],
)
def test_dates_are_iso_8601(value: object, ok: bool) -> None:
    assert is_iso_date(value) is ok
    node = valid_node()
    node["datePublished"] = value
    node["itemReviewed"]["datePublished"] = value
    expected = set() if ok else {"datePublished", "itemReviewed.datePublished"}
    assert set(errors(node)) == expected


def test_authors_are_named_organizations_or_people() -> None:
    node = valid_node()
    node["author"] = {"@type": "Person", "name": "A. Checker", "url": "https://x.example/a"}
    node["itemReviewed"]["author"] = {"@type": "Organization", "name": "Outlet"}
    assert validate(node) == []
    node["author"] = {"@type": "Organization"}
    assert errors(node) == ["author.name"]
    node["author"] = {"@type": "Thing", "name": "x"}
    assert errors(node) == ["author.@type"]
    node["author"] = "EUvsDisinfo"
    assert errors(node) == ["author"]
    node["author"] = {"@type": "Organization", "name": "x", "url": "javascript:x"}
    assert errors(node) == ["author.url"]


def test_the_item_reviewed_is_a_claim_with_web_appearances() -> None:
    node = valid_node()
    node["itemReviewed"]["appearance"] = ["https://outlet.example/a", {"@type": "VideoObject"}]
    assert validate(node) == []
    node["itemReviewed"]["appearance"].append({"@type": "CreativeWork", "url": "data:text/html,x"})
    node["itemReviewed"]["firstAppearance"] = "javascript:alert(1)"
    assert errors(node) == ["itemReviewed.appearance[2].url", "itemReviewed.firstAppearance"]
    node["itemReviewed"] = {"@type": "CreativeWork"}
    assert errors(node) == ["itemReviewed.@type"]


def test_missing_recommended_properties_are_warnings() -> None:
    node = valid_node()
    for key in ("author", "datePublished"):
        del node[key]
    for key in ("author", "datePublished", "appearance", "firstAppearance"):
        del node["itemReviewed"][key]
    assert errors(node) == []
    assert warnings(node) == [
        "author",
        "datePublished",
        "itemReviewed.datePublished",
        "itemReviewed.author",
        "itemReviewed.appearance",
    ]
    del node["itemReviewed"]
    assert warnings(node)[-1] == "itemReviewed"


@pytest.mark.parametrize("empty", [None, "", [], {}])
def test_no_empty_values_anywhere(empty: object) -> None:
    node = valid_node()
    node["reviewBody"] = empty
    node["itemReviewed"]["spatialCoverage"][0]["name"] = empty
    assert "reviewBody" in errors(node)
    assert "itemReviewed.spatialCoverage[0].name" in errors(node)


def test_ids_and_contexts() -> None:
    node = valid_node()
    node["@id"] = "urn:disproof:case:x"
    assert validate(node) == []
    for bad in ("case-1", "javascript:x", "urn:with space"):
        node["@id"] = bad
        assert errors(node) == ["@id"]
    node = {"@context": "https://example.org/vocab", **valid_node()}
    assert errors(node) == ["@context"]
    assert [p.path for p in validate({"@type": "Review"})] == ["@type"]
    assert [p.path for p in validate(["not a node"])] == [""]


def test_whole_documents() -> None:
    node = valid_node()
    good = {"@context": "https://schema.org", "@graph": [node]}
    assert validate_document(good) == []
    twice = {"@context": "https://schema.org", "@graph": [node, copy.deepcopy(node)]}
    assert [p.path for p in validate_document(twice)] == ["@graph[1].@id"]
    broken = {"@context": "http://schema.org/", "@graph": [{**node, "url": "x"}]}
    assert [p.describe() for p in validate_document(broken)] == [
        "@context: expected 'https://schema.org'",
        "@graph[0].url: not an absolute http(s) URL: 'x'",
    ]
    assert validate_document({"@graph": {}})[-1] == Problem(
        "@graph", "expected a list of ClaimReview nodes"
    )
    assert validate_document([]) == [Problem("", "expected a JSON object")]


# --------------------------------------------------------------------------- datePublished


def test_date_published_is_the_review_date_else_the_case_date() -> None:
    stored_today = {"created_at": dt.datetime.now(dt.UTC), "updated_at": dt.datetime.now(dt.UTC)}
    case = bare(date="2019-05-01", **stored_today)
    assert claim_review(case)["datePublished"] == "2019-05-01"
    reviewed = bare(date="2019-05-01", extra={"review_date": "2019-05-09"}, **stored_today)
    node = claim_review(reviewed, base_url=BASE)
    assert node["datePublished"] == "2019-05-09"
    assert node["itemReviewed"]["datePublished"] == "2019-05-01"  # when the claim was made
    with_time = bare(extra={"review_date": "2019-05-09T23:30:00+02:00"})
    assert claim_review(with_time)["datePublished"] == "2019-05-09"
    for junk in ("09/05/2019", "last week", "2019-02-30", ""):
        node = claim_review(bare(date="2019-05-01", extra={"review_date": junk}))
        assert node["datePublished"] == "2019-05-01"  # unreadable: the case date, not junk


def test_an_undated_case_has_no_date_published() -> None:
    case = bare(updated_at=dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
    node = claim_review(case, base_url=BASE)
    assert "datePublished" not in node and "datePublished" not in node["itemReviewed"]
    assert errors(node) == []
    assert "datePublished" in warnings(node)


# --------------------------------------------------------------------------- url


@pytest.mark.parametrize(
    ("base", "case_id", "url"),
    [
        (BASE, "bare-1", "https://disproof.example/cases/bare-1"),
        ("https://disproof.example/", "bare-1", "https://disproof.example/cases/bare-1"),
        ("https://x.example/team/db", "a/b c", "https://x.example/team/db/cases/a/b%20c"),
        (BASE, "odd id/../with?query#frag", f"{BASE}/cases/odd%20id%2F..%2Fwith%3Fquery%23frag"),
        (BASE, "100%", f"{BASE}/cases/100%25"),
        (BASE, "ünï", f"{BASE}/cases/%C3%BCn%C3%AF"),
    ],
)
def test_url_is_the_cases_page_on_the_site_when_it_has_no_source_url(
    base: str, case_id: str, url: str
) -> None:
    node = claim_review(bare(id=case_id), base_url=base)
    assert node["url"] == node["@id"] == url


def test_the_source_url_comes_first() -> None:
    source = {"url": "https://euvsdisinfo.eu/report/x/"}
    assert claim_review(bare(source=source), base_url=BASE)["url"] == source["url"]
    assert claim_review(bare(source=source))["url"] == source["url"]
    unsafe = {"url": "javascript:alert(1)"}
    assert claim_review(bare(source=unsafe), base_url=BASE)["url"] == f"{BASE}/cases/bare-1"


def test_the_case_page_url_is_the_web_route_of_the_case(
    tmp_path: Path, fake_matching: object
) -> None:
    from fastapi.testclient import TestClient

    from disproof.api.app import create_app
    from disproof.web.urls import quote_case_id

    ids = ["plain", "a/b c", "odd id/../with?query#frag", "100%", "ünï", "https://x.example/r/1/"]
    service = Disproof.open(Settings(db=str(tmp_path / "web.db")))
    add_cases(service, *[bare(id=i, title=f"Claim number {n}") for n, i in enumerate(ids)])
    with TestClient(create_app(service.settings, service=service)) as client:
        for number, case_id in enumerate(ids):
            url = claim_review(service.get(case_id), base_url=BASE)["url"]
            assert url == f"{BASE}/cases/{quote_case_id(case_id)}"
            path = urlsplit(url).path
            assert unquote(path.removeprefix("/cases/")) == case_id
            page = client.get(path)
            assert page.status_code == 200, (case_id, page.status_code)
            assert f"Claim number {number}" in page.text


def test_write_refuses_cases_without_a_page_and_writes_nothing() -> None:
    cases = [bare(id="a"), realistic_case(), bare(id="c"), bare(id="d")]
    out = io.StringIO()
    with pytest.raises(MissingPublicUrl) as raised:
        claimreview.write(cases, out)
    assert out.getvalue() == ""
    assert (raised.value.missing, raised.value.total) == (3, 4)
    message = str(raised.value)
    assert "3 of 4 cases" in message and "'a'" in message
    assert "--base-url" in message and "DISPROOF_PUBLIC_URL" in message
    assert export(realistic_case(), base_url=None)[0] == 1  # every case has its own page


def test_write_refuses_an_invalid_node_and_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    real = claimreview.claim_review

    def broken(case: Case, **kwargs: Any) -> dict[str, Any]:
        node = real(case, **kwargs)
        if case.id == "bad":
            node["reviewRating"] = {"@type": "Rating"}
        return node

    monkeypatch.setattr(claimreview, "claim_review", broken)
    out = io.StringIO()
    with pytest.raises(InvalidClaimReview, match=r"'bad'.*reviewRating.alternateName"):
        claimreview.write([bare(id="good"), bare(id="bad")], out, base_url=BASE)
    assert out.getvalue() == ""


def test_large_exports_spill_to_disk_and_stay_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claimreview, "SPOOL_BYTES", 1_000)
    count, document = export(*[bare(id=f"c{i}", disproof="x " * 300) for i in range(20)])
    assert count == len(document["@graph"]) == 20
    assert document_errors(document) == []


# --------------------------------------------------------------------------- reviewBody


def test_review_body_is_the_disproof_or_absent() -> None:
    with_disproof = claim_review(bare(disproof="It is false: see the report."), base_url=BASE)
    assert with_disproof["reviewBody"] == "It is false: see the report."
    without = claim_review(bare(disproof="   "), base_url=BASE)
    assert "reviewBody" not in without and "ratingExplanation" not in without["reviewRating"]
    assert validate(without) == [
        Problem("datePublished", "recommended, missing", "warning"),
        Problem("itemReviewed.datePublished", "recommended, missing", "warning"),
        Problem("itemReviewed.author", "recommended, missing", "warning"),
        Problem(
            "itemReviewed.appearance",
            "recommended, missing (where the claim appeared)",
            "warning",
        ),
    ]


# --------------------------------------------------------------------------- hostile text


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inside = tag == "script"
        if self._inside:
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.blocks[-1] += data


def test_hostile_text_stays_text_when_embedded_in_html() -> None:
    case = bare(
        title=HOSTILE,
        summary=HOSTILE,
        disproof=HOSTILE,
        keywords=[HOSTILE],
        reviewed_by=HOSTILE,
        appearances=[{"outlet": HOSTILE, "url": "https://x.example/?a=<b>&c"}],
    )
    node = claim_review(case, with_context=True, base_url=BASE)
    text = claimreview.dumps(node)
    assert not set("<>&") & set(text)
    page = f'<html><head><script type="application/ld+json">{text}</script></head></html>'
    parser = _Scripts()
    parser.feed(page)
    assert len(parser.blocks) == 1  # the case text did not end the element or open another
    assert json.loads(parser.blocks[0]) == node
    assert node["claimReviewed"] == HOSTILE and node["reviewBody"] == HOSTILE
    assert node["itemReviewed"]["appearance"][0]["url"] == "https://x.example/?a=<b>&c"

    _, document = export(case)
    assert document["@graph"][0]["name"] == HOSTILE


def test_the_web_page_json_ld_is_the_same_node(tmp_path: Path) -> None:
    from disproof.web.text import json_for_script

    node = claim_review(bare(title=HOSTILE), with_context=True)
    assert json.loads(str(json_for_script(node))) == json.loads(claimreview.dumps(node))


# --------------------------------------------------------------------------- settings, CLI


def test_public_url_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPROOF_PUBLIC_URL", "https://disproof.example/team/")
    assert Settings(db="x.db").public_url == "https://disproof.example/team"
    monkeypatch.delenv("DISPROOF_PUBLIC_URL")
    assert Settings(db="x.db").public_url is None
    for bad in ("disproof.example", "ftp://x.example", "https://x.example/?a=1", "https://"):
        with pytest.raises(ValidationError, match="public_url"):
            Settings(db="x.db", public_url=bad)


def test_service_export_uses_the_setting_unless_given_a_base_url(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    add_cases(Disproof.open(Settings(db=db)), bare())
    service = Disproof.open(Settings(db=db, public_url="https://setting.example"))
    out = io.StringIO()
    service.export(out, "claimreview")
    assert json.loads(out.getvalue())["@graph"][0]["url"] == "https://setting.example/cases/bare-1"
    path = tmp_path / "r.jsonld"
    service.export_to_path(path, "claimreview", base_url="https://option.example")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["@graph"][0]["url"] == "https://option.example/cases/bare-1"
    with pytest.raises(MissingPublicUrl):
        Disproof.open(Settings(db=db)).export_to_path(tmp_path / "none.jsonld", "claimreview")
    assert not (tmp_path / "none.jsonld").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".none")] == []


def _import_cases(cli: Cli, tmp_path: Path, *cases: Case) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_text("".join(c.model_dump_json() + "\n" for c in cases), encoding="utf-8")
    result = cli("import", str(source))
    assert result.code == 0, result.err


def test_cli_export_needs_a_base_url_for_cases_without_a_page(cli: Cli, tmp_path: Path) -> None:
    _import_cases(cli, tmp_path, bare(), realistic_case(id="with-source"))
    out = tmp_path / "reviews.jsonld"
    refused = cli("export", str(out), "--format", "claimreview")
    assert refused.code == 1
    assert "1 of 2 cases" in refused.err and "--base-url" in refused.err
    assert "DISPROOF_PUBLIC_URL" in refused.err and not out.exists()
    streamed = cli("export", "-", "--format", "claimreview")
    assert (streamed.code, streamed.out) == (1, "")  # nothing half-written on stdout either

    done = cli("export", str(out), "--format", "claimreview", "--base-url", f"{BASE}/")
    assert done.code == 0, done.err
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document_errors(document) == []
    urls = [node["url"] for node in document["@graph"]]
    assert urls == [f"{BASE}/cases/bare-1", "https://euvsdisinfo.eu/report/invented-case-1"]


def test_cli_export_reads_the_base_url_from_the_environment(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import_cases(cli, tmp_path, bare())
    monkeypatch.setenv("DISPROOF_PUBLIC_URL", "https://env.example")
    result = cli("export", "-", "--format", "claimreview")
    assert result.code == 0, result.err
    assert json.loads(result.out)["@graph"][0]["url"] == "https://env.example/cases/bare-1"
    assert cli("export", "-").code == 0  # the setting is harmless for other formats


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--base-url", "disproof.example"], "not an absolute http(s) address"),
        (["--base-url", "https://x.example/#top"], "query or fragment"),
        (["--format", "csv", "--base-url", BASE], "only --format claimreview"),
    ],
)
def test_cli_export_base_url_usage_errors(cli: Cli, args: list[str], said: str) -> None:
    fmt = [] if "--format" in args else ["--format", "claimreview"]
    result = cli("export", "-", *fmt, *args)
    assert result.code == 2
    assert said in " ".join(result.err.split())
