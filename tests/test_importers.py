"""Importers on small hand-made files: shapes, ids, merges, and every kind of broken input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from disproof.errors import ImportFailed, UnknownFormat
from disproof.models import CaseQuery
from disproof.service import Disproof

FULL_HEADER = (
    '"issue","date","outlet","language","origin","reported by","keywords","source",'
    '"title","summary","disproof"\n'
)


def full_row(
    outlet: str = "Outlet A",
    date: str = "10/03/17",
    title: str = "Made-up claim",
    summary: str = "An invented claim summary.",
    language: str = "Russian",
    disproof: str = "No evidence supports it.",
) -> str:
    cells = [
        "99",
        date,
        outlet,
        language,
        "Ukraine, EU",
        "A reporter",
        "Military, War in Ukraine",
        "https://example.org/a",
        title,
        summary,
        disproof,
    ]
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_full_csv_merges_the_same_claim_from_two_outlets(service: Disproof, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        FULL_HEADER
        + full_row("Outlet A", "10/03/17")
        + full_row(
            "Outlet B", "10/01/17", language="Czech", disproof="Translation of the case above."
        )
        + full_row("Outlet C", title="Another claim", summary="Different."),
    )
    report = service.import_file(path)
    assert report.format == "euvsdisinfo-csv"
    assert (report.rows, len(report.created), len(report.merged)) == (3, 2, 1)
    assert report.merged[0].row == 3 and report.merged[0].into_row == 2
    merged = service.get(report.merged[0].case_id)
    assert [a.outlet for a in merged.appearances] == ["Outlet B", "Outlet A"]  # by date
    assert str(merged.date) == "2017-10-01"
    assert merged.languages == ["ru", "cs"]
    assert merged.countries == ["UA", "EU"]
    assert "Translation of the case above." in merged.disproof
    assert merged.extra["review_issue"] == "99"


def test_reimport_changes_nothing(service: Disproof, tmp_path: Path) -> None:
    path = write(tmp_path, "cases.csv", FULL_HEADER + full_row() + full_row("Outlet B"))
    first = service.import_file(path)
    case = service.get(first.created[0])
    second = service.import_file(path)
    assert (len(second.created), len(second.updated), len(second.unchanged)) == (0, 0, 1)
    assert service.get(first.created[0]) == case


def test_changed_row_updates_and_keeps_created_at(service: Disproof, tmp_path: Path) -> None:
    path = write(tmp_path, "cases.csv", FULL_HEADER + full_row())
    case_id = service.import_file(path).created[0]
    before = service.get(case_id)
    write(tmp_path, "cases.csv", FULL_HEADER + full_row(disproof="A corrected disproof."))
    report = service.import_file(path)
    after = service.get(case_id)
    assert report.updated == [case_id]
    assert after.created_at == before.created_at and after.disproof == "A corrected disproof."


INDEX_HEADER = "date,id,title,countries,keywords,languages,outlets\n"


def test_case_index_keeps_url_identity_and_drops_show_more(
    service: Disproof, tmp_path: Path
) -> None:
    url = "https://euvsdisinfo.eu/report/an-invented-case/"
    path = write(
        tmp_path,
        "index.csv",
        INDEX_HEADER
        + f"2019-12-31,{url},Invented title,Estonia+US,Sputnik+Sanctions,Spanish+Castilian,"
        "Sputnik Spain+site.example+Show more\n",
    )
    report = service.import_file(path)
    assert report.format == "euvsdisinfo-index" and report.created == [url]
    case = service.get(url)
    assert case.languages == ["es"] and case.countries == ["EE", "US"]
    assert case.outlets == ["Sputnik Spain", "site.example"]
    assert case.extra == {"outlets_truncated": "true"} and case.source.url == url


def test_checkthat_claims_keep_vclaim_id_and_warn_on_bad_dates(
    service: Disproof, tmp_path: Path
) -> None:
    lines = [
        {
            "title": "Invented?",
            "subtitle": "Sub",
            "author": "A. Writer",
            "date": "26 May 2015",
            "vclaim_id": "vclaim-test-1",
            "vclaim": "An invented claim.",
        },
        {
            "title": "Other",
            "subtitle": "",
            "author": "",
            "date": "not a date at all",
            "vclaim_id": "vclaim-test-2",
            "vclaim": "Another claim.",
            "page_url": "https://example.org/x",
        },
    ]
    path = write(tmp_path, "vclaims.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    report = service.import_file(path)
    assert report.format == "checkthat-vclaims" and len(report.created) == 2
    assert [w.field for w in report.warnings] == ["date"]
    first, second = service.get("vclaim-test-1"), service.get("vclaim-test-2")
    assert str(first.date) == "2015-05-26" and first.summary == "An invented claim."
    assert second.date is None and second.extra["date_raw"] == "not a date at all"
    assert second.source.url == "https://example.org/x"


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        (
            "latin1.csv",
            FULL_HEADER.encode() + full_row(title="Caf\u00e9").encode("latin-1"),
            "not valid UTF-8",
        ),
        ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("cols.csv", "date,title\n2019-01-01,x\n", "cannot tell the format"),
        ("empty.jsonl", "", "cannot tell the format"),
    ],
)
def test_unreadable_files_are_refused(
    service: Disproof, tmp_path: Path, name: str, content: str | bytes, needle: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises((ImportFailed, UnknownFormat), match=needle):
        service.import_file(path)
    assert service.count() == 0


def test_missing_columns_are_named(service: Disproof, tmp_path: Path) -> None:
    path = write(tmp_path, "index.csv", "date,id,title\n2019-01-01,https://x.example/,T\n")
    with pytest.raises(ImportFailed, match="missing column.*countries"):
        service.import_file(path, "euvsdisinfo-index")


@pytest.mark.parametrize(
    ("row", "line", "field", "reason"),
    [
        (full_row(date="02/30/17"), 3, "date", "not a valid date"),
        (full_row(title="", summary=""), 3, None, "needs a title or a claim summary"),
        (full_row(summary="x" * 60_000), 3, "summary", "at most 50000"),
    ],
)
def test_bad_rows_abort_the_whole_file(
    service: Disproof, tmp_path: Path, row: str, line: int, field: str | None, reason: str
) -> None:
    path = write(tmp_path, "cases.csv", FULL_HEADER + full_row("Good") + row)
    with pytest.raises(ImportFailed) as info:
        service.import_file(path)
    problem = info.value.problems[0]
    assert (problem.row, problem.field) == (line, field)
    assert reason in problem.reason and str(path) in str(info.value)
    assert service.count() == 0


def test_skip_invalid_imports_valid_rows_and_writes_rejects(
    service: Disproof, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        FULL_HEADER + full_row("Good") + full_row(date="13/45/17", title="Bad"),
    )
    report = service.import_file(path, skip_invalid=True, reject_report=tmp_path / "rejects.csv")
    assert (len(report.created), report.rejected_rows, report.accounted()) == (1, 1, 2)
    assert "line,field" in (tmp_path / "rejects.csv").read_text().replace('"', "")
    assert "13/45/17" in (tmp_path / "rejects.csv").read_text()


def test_malformed_jsonl_line_is_named(service: Disproof, tmp_path: Path) -> None:
    good = json.dumps({"id": "c1", "title": "A claim"})
    path = write(tmp_path, "cases.jsonl", good + "\n{not json\n" + json.dumps([1]) + "\n")
    with pytest.raises(ImportFailed) as info:
        service.import_file(path)
    assert [(p.row, p.reason.split(":")[0]) for p in info.value.problems] == [
        (2, "malformed JSON"),
        (3, "expected a JSON object, got list"),
    ]


def test_jsonl_without_id_gets_a_deterministic_id(service: Disproof, tmp_path: Path) -> None:
    line = json.dumps(
        {"title": "A claim", "date": "2020-01-02", "appearances": [{"outlet": "Some outlet"}]}
    )
    path = write(tmp_path, "cases.jsonl", line + "\n")
    first = service.import_file(path).created
    assert first and first[0].startswith("case-")
    assert service.import_file(path).unchanged == first


def test_keywords_take_the_databases_spelling(service: Disproof, tmp_path: Path) -> None:
    one = json.dumps({"id": "a", "title": "A", "keywords": ["Colour revolution"]})
    two = json.dumps({"id": "b", "title": "B", "keywords": ["colour  REVOLUTION"]})
    service.import_file(write(tmp_path, "a.jsonl", one + "\n"))
    service.import_file(write(tmp_path, "b.jsonl", two + "\n"))
    assert service.get("b").keywords == ["Colour revolution"]
    assert service.search(CaseQuery(keywords=["colour revolution"])).total == 2


def test_unknown_format_name(service: Disproof, tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonl", json.dumps({"id": "a", "title": "A"}) + "\n")
    with pytest.raises(UnknownFormat, match="choose one of"):
        service.import_file(path, "excel")


def test_merge_report_tells_repeats_from_republications(service: Disproof, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        FULL_HEADER
        + full_row("Outlet A")
        + full_row("Outlet A")  # exact repeat
        + full_row("Outlet B")  # republication
        + full_row("Outlet A", disproof="Another explanation."),  # same place, more text
    )
    report = service.import_file(path)
    assert [(m.row, m.adds) for m in report.merged] == [
        (3, "nothing"),
        (4, "appearance"),
        (5, "details"),
    ]
    assert report.accounted() == report.rows == 4
