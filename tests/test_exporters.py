"""Exporters: the flat CSV, ClaimReview JSON-LD, and property tests of the canonical JSON Lines."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from disproof.io import claimreview, csv_export, jsonl
from disproof.io.base import Record
from disproof.models import Case

HEADER = [
    "id",
    "title",
    "summary",
    "disproof",
    "date",
    "outlets",
    "urls",
    "languages",
    "countries",
    "keywords",
    "narratives",
    "related",
    "evidence",
    "rating",
    "reviewed_by",
    "source_dataset",
    "source_url",
    "created_at",
    "updated_at",
]


def realistic_case(**changes: Any) -> Case:
    data: dict[str, Any] = {
        "id": "https://euvsdisinfo.eu/report/invented-case-1",
        "title": "The West is preparing a provocation in Moldova",
        "summary": "Western countries plan a false-flag attack in Moldova to blame Russia.",
        "disproof": "There is no evidence of any such plan. The claim repeats a recurring "
        "pro-Kremlin narrative about Western provocations.",
        "date": "2023-02-14",
        "appearances": [
            {
                "outlet": "outlet-b.example",
                "url": "https://outlet-b.example/article",
                "archive_url": "https://archive.example/b",
                "date": "2023-02-14",
                "language": "ru",
            },
            {
                "outlet": "outlet-a.example",
                "url": "https://outlet-a.example/news/1",
                "archive_url": "https://archive.example/a",
                "date": "2023-02-10",
                "language": "de",
            },
        ],
        "languages": ["ru", "de"],
        "countries": ["MD", "The West"],
        "keywords": ["Provocation", "False flag"],
        "narratives": ["western-provocations"],
        "related": ["case-0001"],
        "evidence": [
            {"url": "https://gov.example/statement", "title": "Official statement"},
            {"url": "https://factcheck.example/story"},
        ],
        "rating": "Disinformation",
        "reviewed_by": "EUvsDisinfo",
        "source": {
            "dataset": "euvsdisinfo",
            "url": "https://euvsdisinfo.eu/report/invented-case-1",
            "record": "1",
        },
        "created_at": "2023-02-15T10:00:00Z",
        "updated_at": "2023-03-01T08:30:00Z",
    }
    data.update(changes)
    return Case.model_validate(data)


def export_csv(*cases: Case) -> tuple[int, list[list[str]]]:
    out = io.StringIO(newline="")
    count = csv_export.write(cases, out)
    return count, list(csv.reader(io.StringIO(out.getvalue(), newline="")))


def csv_record(case: Case) -> dict[str, str]:
    count, rows = export_csv(case)
    assert count == 1 and len(rows) == 2
    return dict(zip(rows[0], rows[1], strict=True))


# --------------------------------------------------------------------------- CSV


def test_csv_header_and_row() -> None:
    count, rows = export_csv(realistic_case(), realistic_case(id="second"))
    assert count == 2
    assert rows[0] == HEADER == list(csv_export.COLUMNS)
    assert len(rows) == 3 and all(len(row) == len(HEADER) for row in rows)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["id"] == "https://euvsdisinfo.eu/report/invented-case-1"
    assert record["date"] == "2023-02-14"
    assert record["created_at"] == "2023-02-15T10:00:00+00:00"
    assert record["source_dataset"] == "euvsdisinfo"
    assert record["rating"] == "Disinformation"


def test_csv_joins_lists_with_a_pipe() -> None:
    record = csv_record(realistic_case())
    assert record["outlets"] == "outlet-b.example | outlet-a.example"
    assert record["urls"] == "https://outlet-b.example/article | https://outlet-a.example/news/1"
    assert record["languages"] == "ru | de"
    assert record["countries"] == "MD | The West"
    assert record["keywords"] == "Provocation | False flag"
    assert record["narratives"] == "western-provocations"
    assert record["related"] == "case-0001"
    assert record["evidence"] == "https://gov.example/statement | https://factcheck.example/story"


def test_csv_evidence_without_url_shows_its_title() -> None:
    case = realistic_case(evidence=[{"title": "A printed report"}, {"url": "https://x.example"}])
    assert csv_record(case)["evidence"] == "A printed report | https://x.example"


def test_csv_empty_fields_are_empty_cells() -> None:
    record = csv_record(Case(id="c1", title="Only a title"))
    assert record["title"] == "Only a title"
    empty = set(HEADER) - {"id", "title"}
    assert {key: record[key] for key in empty} == dict.fromkeys(empty, "")


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "=cmd|' /C calc'!A0",
    ],
)
def test_csv_neutralises_formulas_in_free_text(text: str) -> None:
    case = Case(
        id=text,
        title=text,
        summary=text,
        disproof=text,
        rating=text,
        reviewed_by=text,
        keywords=[text],
        narratives=[text],
        related=[text],
        appearances=[{"outlet": text, "url": text}],
        evidence=[{"title": text}],
        source={"dataset": text, "url": text},
    )
    record = csv_record(case)
    for column in HEADER:
        if column in ("date", "created_at", "updated_at", "languages", "countries"):
            continue
        assert record[column].startswith("'"), column
        assert record[column] == "'" + text, column


def test_csv_tab_and_carriage_return_triggers() -> None:
    assert csv_export.escape_formula("\tx") == "'\tx"
    assert csv_export.escape_formula("\rx") == "'\rx"
    assert csv_export.escape_formula("plain =1") == "plain =1"
    assert csv_export.escape_formula("") == ""
    # surrounding whitespace is trimmed by the model; what is left is still neutralised
    record = csv_record(Case(id="c", title="t", related=["\t=1"]))
    assert record["related"] == "'=1"


def test_csv_escapes_only_the_cell_start_of_lists() -> None:
    record = csv_record(Case(id="c", title="t", keywords=["harmless", "=1+1"]))
    assert record["keywords"] == "harmless | =1+1"
    record = csv_record(Case(id="c", title="t", keywords=["=1+1", "harmless"]))
    assert record["keywords"] == "'=1+1 | harmless"


def test_csv_dates_are_never_escaped() -> None:
    record = csv_record(realistic_case(date="0001-01-01", updated_at="2020-01-01T00:00:00-05:00"))
    assert record["date"] == "0001-01-01"
    assert record["updated_at"] == "2020-01-01T05:00:00+00:00"  # stored in UTC, never escaped


def test_csv_unicode_quotes_newlines_and_html_survive() -> None:
    title = 'Путин «сказал» "ok", 😀 — <script>alert(1)</script>'
    summary = 'line one\nline two, with a comma\n"quoted"'
    record = csv_record(Case(id="c-ü", title=title, summary=summary, countries=["Україна"]))
    assert record["id"] == "c-ü"
    assert record["title"] == title
    assert record["summary"] == summary
    assert "<script>alert(1)</script>" in record["title"]


def test_csv_writes_crlf_records_and_returns_zero_for_nothing() -> None:
    out = io.StringIO(newline="")
    assert csv_export.write([], out) == 0
    assert out.getvalue() == ",".join(HEADER) + "\r\n"
    assert (csv_export.name, bool(csv_export.description)) == ("csv", True)


# --------------------------------------------------------------------------- ClaimReview


def _walk(value: Any, path: str = "$") -> list[tuple[str, Any]]:
    """Every (path, value) pair in a JSON value, depth first."""
    found = [(path, value)]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _walk(item, f"{path}[{index}]")
    return found


def assert_json_ld_shape(document: dict[str, Any]) -> None:
    assert document["@context"] == "https://schema.org"
    assert isinstance(document["@graph"], list)
    for path, value in _walk(document["@graph"])[1:]:
        assert value is not None, f"null at {path}"
        assert value not in ("", [], {}), f"empty value at {path}"
        if isinstance(value, dict):
            assert isinstance(value.get("@type"), str), f"node without @type at {path}"
        if path.endswith((".datePublished", ".dateCreated")):
            dt.date.fromisoformat(value)
    errors = [p for p in claimreview.validate_document(document) if p.severity == "error"]
    assert not errors, errors


#: The public address the tests give the site (cases without a source URL link below it).
BASE = "https://disproof.example"


def export_claimreview(*cases: Case, base_url: str = BASE) -> tuple[int, str, dict[str, Any]]:
    out = io.StringIO()
    count = claimreview.write(cases, out, base_url=base_url)
    text = out.getvalue()
    assert "<" not in text  # safe to paste into a <script> element
    document = json.loads(text)
    assert_json_ld_shape(document)
    return count, text, document


def test_claimreview_structure_of_a_realistic_case() -> None:
    case = realistic_case()
    count, _, document = export_claimreview(case)
    assert count == 1
    [review] = document["@graph"]
    url = "https://euvsdisinfo.eu/report/invented-case-1"
    assert review["@type"] == "ClaimReview"
    assert review["@id"] == review["url"] == url
    assert review["claimReviewed"] == case.summary
    assert review["name"] == case.title
    assert review["datePublished"] == "2023-02-14"  # the case date, not when it was stored
    assert review["author"] == {"@type": "Organization", "name": "EUvsDisinfo"}
    assert review["reviewBody"] == case.disproof
    assert review["keywords"] == "Provocation, False flag"
    assert "inLanguage" not in review
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating"
    assert rating["alternateName"] == "Disinformation"
    assert rating["ratingExplanation"] == case.disproof
    assert (rating["ratingValue"], rating["worstRating"], rating["bestRating"]) == (1, 1, 5)

    claim = review["itemReviewed"]
    assert claim["@type"] == "Claim"
    assert claim["datePublished"] == "2023-02-14"
    assert claim["appearance"] == [
        {
            "@type": "CreativeWork",
            "url": "https://outlet-b.example/article",
            "datePublished": "2023-02-14",
            "inLanguage": "ru",
            "publisher": {"@type": "Organization", "name": "outlet-b.example"},
            "archivedAt": "https://archive.example/b",
        },
        {
            "@type": "CreativeWork",
            "url": "https://outlet-a.example/news/1",
            "datePublished": "2023-02-10",
            "inLanguage": "de",
            "publisher": {"@type": "Organization", "name": "outlet-a.example"},
            "archivedAt": "https://archive.example/a",
        },
    ]
    assert claim["firstAppearance"] == claim["appearance"][1]  # the earlier one
    assert claim["author"] == {"@type": "Organization", "name": "outlet-a.example"}
    assert claim["spatialCoverage"] == [
        {"@type": "Place", "name": "MD"},
        {"@type": "Place", "name": "The West"},
    ]
    assert review["citation"] == [
        {
            "@type": "CreativeWork",
            "url": "https://gov.example/statement",
            "name": "Official statement",
        },
        {"@type": "CreativeWork", "url": "https://factcheck.example/story"},
    ]
    assert claimreview.claim_review(case) == review


def test_claimreview_minimal_case_omits_empty_keys() -> None:
    case = Case(id="local case/1", title="A bare claim")
    review = claimreview.claim_review(case)
    assert review == {
        "@type": "ClaimReview",
        "@id": "urn:disproof:case:local%20case%2F1",  # no url: nowhere to point to
        "claimReviewed": "A bare claim",
        "name": "A bare claim",
        "author": {"@type": "Organization", "name": "disproof"},
        # the default label carries no numeric verdict: the case was never rated
        "reviewRating": {"@type": "Rating", "alternateName": "Disinformation"},
        "itemReviewed": {"@type": "Claim"},
    }
    assert "null" not in json.dumps(review)


def test_claimreview_date_is_never_the_time_it_was_stored() -> None:
    for updated_at in (None, "2030-01-01T00:00:00Z"):
        review = claimreview.claim_review(realistic_case(updated_at=updated_at))
        assert review["datePublished"] == "2023-02-14"


def test_claimreview_urn_when_source_url_is_not_http() -> None:
    for url in ("javascript:alert(1)", "ftp://x.example/a", "/relative/path", "euvsdisinfo"):
        review = claimreview.claim_review(realistic_case(id="c-1", source={"url": url}))
        assert review["@id"] == "urn:disproof:case:c-1"
        assert "url" not in review


def test_claimreview_drops_unsafe_urls_but_keeps_the_rest() -> None:
    case = realistic_case(
        appearances=[
            {
                "outlet": "Outlet",
                "url": "javascript:alert(1)",
                "archive_url": "data:text/html,<script>alert(1)</script>",
            }
        ],
        evidence=[{"url": "javascript:void(0)", "title": "Report"}],
    )
    review = claimreview.claim_review(case)
    appearance = {"@type": "CreativeWork", "publisher": {"@type": "Organization", "name": "Outlet"}}
    assert review["itemReviewed"]["appearance"] == [appearance]
    assert review["itemReviewed"]["firstAppearance"] == appearance  # no dated one: the first
    assert review["citation"] == [{"@type": "CreativeWork", "name": "Report"}]
    assert "javascript" not in json.dumps(review)


def test_claimreview_uses_title_when_no_summary_and_custom_rating() -> None:
    review = claimreview.claim_review(
        realistic_case(summary="", rating="Cherry-picked", reviewed_by=None, disproof="")
    )
    assert review["claimReviewed"] == review["name"]
    assert review["author"]["name"] == "disproof"
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Cherry-picked"}
    assert "reviewBody" not in review


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("False", 1),
        ("mostly  FALSE", 2),
        ("Misleading", 2),
        ("Half true", 3),
        ("Mostly true", 4),
        ("True", 5),
        ("Unproven", None),
    ],
)
def test_claimreview_known_ratings_get_a_number(label: str, value: int | None) -> None:
    rating = claimreview.claim_review(realistic_case(rating=label))["reviewRating"]
    assert rating["alternateName"] == label
    assert rating.get("ratingValue") == value


def test_claimreview_explanation_is_an_excerpt() -> None:
    disproof = ("word " * 400).strip()
    review = claimreview.claim_review(realistic_case(disproof=disproof))
    explanation = review["reviewRating"]["ratingExplanation"]
    assert len(explanation) <= 500
    assert explanation.endswith("…")
    assert disproof.startswith(explanation[:-1])
    assert review["reviewBody"] == disproof


def test_claimreview_script_and_unicode_survive_as_text() -> None:
    title = "Евросоюз </script><script>alert('x')</script> 😀 \"quoted\" & <!--"
    count, text, document = export_claimreview(realistic_case(title=title, summary=""))
    assert count == 1
    assert document["@graph"][0]["name"] == title
    assert "Евросоюз" in text and "😀" in text  # ensure_ascii=False
    assert "</script" not in text.lower() and "<!--" not in text and "&" not in text
    assert "\\u003c/script\\u003e" in text


def test_claimreview_document_is_pretty_and_matches_json_dumps() -> None:
    cases = [realistic_case(), realistic_case(id="x", source={}), Case(id="y", summary="s")]
    count, text, document = export_claimreview(*cases)
    assert count == 3
    assert text == claimreview.dumps(document, indent=2) + "\n"
    assert [node["@id"] for node in document["@graph"]] == [
        "https://euvsdisinfo.eu/report/invented-case-1",
        "https://disproof.example/cases/x",
        "https://disproof.example/cases/y",
    ]
    assert [node["url"] for node in document["@graph"]] == [
        node["@id"] for node in document["@graph"]
    ]


def test_claimreview_cases_sharing_a_source_url_keep_distinct_ids() -> None:
    shared = {"url": "https://factcheck.example/one-article-two-claims"}
    _, _, document = export_claimreview(
        realistic_case(id="a", source=shared), realistic_case(id="b", source=shared)
    )
    first, second = document["@graph"]
    assert first["@id"] == first["url"] == second["url"] == shared["url"]
    assert second["@id"] == "urn:disproof:case:b"
    assert claimreview.claim_review(realistic_case(id="b", source=shared))["@id"] == shared["url"]


def test_claimreview_empty_export_is_valid_json_ld() -> None:
    count, text, document = export_claimreview()
    assert count == 0
    assert document == {"@context": "https://schema.org", "@graph": []}
    assert text == json.dumps(document, indent=2) + "\n"


def test_claimreview_with_context_is_a_standalone_document() -> None:
    node = claimreview.claim_review(realistic_case(), with_context=True)
    assert node["@context"] == "https://schema.org"
    assert node["@type"] == "ClaimReview"
    assert (claimreview.name, bool(claimreview.description)) == ("claimreview", True)


# --------------------------------------------------------------------------- properties

#: Characters that str.splitlines() treats as line breaks but json.dumps leaves unescaped.
UNICODE_LINE_BREAKS = "\x85\u2028\u2029"

SPECIALS = [
    "\n",
    "\r",
    "\r\n",
    "\t",
    '"',
    "'",
    "\\",
    "\x00",
    "\x1b[31m",
    "\u00a0",
    "\u200b",
    "😀",
    "👩‍👩‍👧",
    "Ü",
    "é",
    "ﬁ",
    "«",
    "»",
    "“",
    "”",
    "—",
    "=",
    "+",
    "-",
    "@",
    ",",
    ";",
    "|",
    " | ",
    "<script>alert(1)</script>",
    "null",
    "{}",
    '["x"]',
    "  ",
    "U.S.",
    "...",
    *UNICODE_LINE_BREAKS,
    "\x0b",
    "\x0c",
    "\x1c",
]


def texts(max_pieces: int = 12) -> st.SearchStrategy[str]:
    """Any text (no lone surrogates), biased towards quoting, line and formula trouble."""
    characters = st.characters(codec="utf-8")  # no lone surrogates
    piece = st.one_of(characters, st.sampled_from(SPECIALS), st.text(max_size=5))
    return st.lists(piece, max_size=max_pieces).map("".join)


def words() -> st.SearchStrategy[str]:
    return st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=12)


URLS = st.one_of(
    st.none(),
    st.just(""),
    st.builds(lambda w: f"https://example.org/{w}?q=ü&x=1#a", words()),
    st.sampled_from(["javascript:alert(1)", "http://a.example", "/relative", "ftp://f.example"]),
)
LANGUAGES = st.sampled_from(
    ["en", "ru", "Russian", "Deutsch", "uk", "cnr", "Spain", "xx", "Klingon", " de ", "RU"]
)
COUNTRIES = st.sampled_from(
    [
        "RU",
        "Russia",
        "Ukraine",
        "UA",
        "EU",
        "The West",
        "czech republic",
        "Czechia",
        "Crimea",
        "USSR",
        "Atlantis",
        "u.s.a.",
        "ge",
        "IN",
    ]
)
#: Whole-minute UTC offsets (sub-minute ones: test_jsonl_keeps_sub_minute_utc_offsets).
TIMEZONES = st.one_of(
    st.none(),
    st.just(dt.UTC),
    st.builds(
        lambda minutes: dt.timezone(dt.timedelta(minutes=minutes)),
        st.integers(min_value=-23 * 60, max_value=23 * 60),
    ),
)
#: Years 2..9998: year 1 or 9999 with an offset leaves the representable range in UTC (the
#: model refuses those with a clear error, tested in test_out_of_range_timestamps_are_refused).
DATETIMES = st.one_of(
    st.none(),
    st.datetimes(
        min_value=dt.datetime(2, 1, 1), max_value=dt.datetime(9998, 12, 31), timezones=TIMEZONES
    ),
)
DATES = st.one_of(st.none(), st.dates())


def case_data() -> st.SearchStrategy[dict[str, Any]]:
    text = texts()
    short = texts(6)
    appearance = st.fixed_dictionaries(
        {
            "outlet": st.one_of(st.none(), short),
            "url": URLS,
            "archive_url": URLS,
            "date": DATES,
            "language": st.one_of(st.none(), LANGUAGES, short),
        }
    )
    link = st.fixed_dictionaries({"url": URLS, "title": st.one_of(st.none(), short)})
    return st.fixed_dictionaries(
        {
            "id": st.one_of(
                words(), st.builds(lambda w: f"https://euvsdisinfo.eu/report/{w}", words()), short
            ),
            "title": st.builds(lambda w, t: w + t, words(), text),
            "summary": text,
            "disproof": text,
            "date": DATES,
            "appearances": st.lists(appearance, max_size=3),
            "languages": st.lists(st.one_of(LANGUAGES, short), max_size=3),
            "countries": st.lists(st.one_of(COUNTRIES, short), max_size=3),
            "keywords": st.lists(short, max_size=4),
            "narratives": st.lists(short, max_size=2),
            "related": st.lists(short, max_size=2),
            "evidence": st.lists(link, max_size=2),
            "rating": st.one_of(
                st.none(), st.sampled_from(["Disinformation", "False", "=1"]), short
            ),
            "reviewed_by": st.one_of(st.none(), short),
            "source": st.fixed_dictionaries(
                {
                    "dataset": st.one_of(st.none(), short),
                    "url": URLS,
                    "record": st.one_of(st.none(), short),
                }
            ),
            "extra": st.dictionaries(words(), text, max_size=3),
            "created_at": DATETIMES,
            "updated_at": DATETIMES,
        }
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    data = draw(case_data())
    for link in data["evidence"]:
        if not (link["url"] or "").strip() and not (link["title"] or "").strip():
            link["title"] = "evidence"
    try:
        return Case.model_validate(data)
    except ValidationError as exc:  # e.g. an id or link made only of characters that get removed
        reject()
        raise AssertionError("unreachable") from exc


PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
#: Batches cost several cases per example: fewer examples keep the suite fast.
BATCH_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=30)


def assert_jsonl_round_trip(case: Case) -> None:
    line = jsonl.dumps(case)
    assert "\n" not in line
    parsed = list(jsonl.read(Path("x.jsonl"), line))
    assert len(parsed) == 1, parsed
    [record] = parsed
    assert isinstance(record, Record), record
    assert record.row == 1
    assert jsonl.dumps(record.case) == line
    assert record.case.model_dump(mode="json") == case.model_dump(mode="json")


@PROPERTY_SETTINGS
@given(cases())
def test_jsonl_round_trip_is_byte_identical(case: Case) -> None:
    assert_jsonl_round_trip(case)


@BATCH_SETTINGS
@given(st.lists(cases(), max_size=3))
def test_jsonl_write_then_read_many(batch: list[Case]) -> None:
    out = io.StringIO()
    assert jsonl.write(batch, out) == len(batch)
    parsed = list(jsonl.read(Path("x.jsonl"), out.getvalue()))
    assert all(isinstance(p, Record) for p in parsed), parsed
    assert "".join(jsonl.dumps(p.case) + "\n" for p in parsed if isinstance(p, Record)) == (
        out.getvalue()
    )


@pytest.mark.parametrize("char", list(UNICODE_LINE_BREAKS))
def test_jsonl_round_trip_with_unicode_line_separators(char: str) -> None:
    # json.dumps(ensure_ascii=False) leaves these raw inside strings; str.splitlines() would
    # break the line there, so the reader must split on "\n" only.
    assert_jsonl_round_trip(
        Case(id=f"id{char}1", title="t", related=[f"a{char}b"], extra={"k": f"a{char}b"})
    )


def test_jsonl_keeps_sub_minute_utc_offsets() -> None:
    # Python-made datetimes can carry such offsets, e.g. zoneinfo local mean time before ~1920.
    offset = dt.timezone(dt.timedelta(seconds=1))
    case = Case(id="c", title="t", updated_at=dt.datetime(2000, 1, 1, tzinfo=offset))
    assert_jsonl_round_trip(case)


@BATCH_SETTINGS
@given(st.lists(cases(), max_size=3))
def test_csv_never_raises_and_has_one_row_per_case(batch: list[Case]) -> None:
    out = io.StringIO(newline="")
    assert csv_export.write(batch, out) == len(batch)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == HEADER
    assert len(rows) == len(batch) + 1
    for case, row in zip(batch, rows[1:], strict=True):
        assert row == csv_export.row(case)
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@BATCH_SETTINGS
@given(st.lists(cases(), max_size=3))
def test_claimreview_is_always_valid_json_ld(batch: list[Case]) -> None:
    count, _, document = export_claimreview(*batch)
    assert count == len(document["@graph"]) == len(batch)


def test_out_of_range_timestamps_are_refused() -> None:
    early = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(minutes=1)))
    with pytest.raises(ValueError, match="out of range once converted to UTC"):
        Case(id="c", title="t", created_at=early)
