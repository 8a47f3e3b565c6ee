"""EUvsDisinfo full-case CSV (summary + disproof, one outlet per row).

Columns: issue, date (MM/DD/YY), outlet, language, origin (countries, comma-separated),
reported by, keywords (comma-separated), source (article URL), title, summary, disproof; and
optionally ``quote``: the claim as that outlet published it (the appearance's text, which the
matcher reads as one more field of the case).

The same claim republished by several outlets appears as several rows with the same title and
summary; they share one id (derived from title and summary) and are merged by the importer into
one case with one appearance per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from disproof.errors import RowProblem
from disproof.io.base import Parsed, build_case, check_columns, csv_records, parse_date
from disproof.io.ids import derived_id
from disproof.normalize import split_list

name = "euvsdisinfo-csv"
description = "EUvsDisinfo full cases CSV (issue, date MM/DD/YY, outlet, …, summary, disproof)"
DATASET = "euvsdisinfo"
COLUMNS = [
    "issue",
    "date",
    "outlet",
    "language",
    "origin",
    "reported by",
    "keywords",
    "source",
    "title",
    "summary",
    "disproof",
]
#: The optional column of an appearance's text.
QUOTE = "quote"
REQUIRED = {"date", "outlet", "title", "summary", "disproof"}


def sniff(path: Path, head: str) -> bool:
    first = head.split("\n")[0].lower() if head else ""
    return all(f'"{c}"' in first or f"{c}," in first or f",{c}" in first for c in REQUIRED) and (
        "reported by" in first
    )


def _url(value: str) -> str | None:
    value = value.strip()
    return value if value.lower().startswith(("http://", "https://")) else None


def to_case_data(row: dict[str, str]) -> dict[str, Any]:
    """The case fields for one row (the date is parsed by the caller)."""
    get = {k: (row.get(k) or "").strip() for k in COLUMNS}
    extra = {"review_issue": get["issue"], "reported_by": get["reported by"]}
    if get["source"] and not _url(get["source"]):
        extra["source_text"] = get["source"]
    return {
        "id": derived_id(DATASET, get["title"], get["summary"]),
        "title": get["title"],
        "summary": get["summary"],
        "disproof": get["disproof"],
        "appearances": [
            {
                "outlet": get["outlet"],
                "url": _url(get["source"]),
                "language": get["language"] or None,
                "text": (row.get(QUOTE) or "").strip() or None,
            }
        ],
        "languages": [get["language"]] if get["language"] else [],
        "countries": split_list(get["origin"], ","),
        "keywords": split_list(get["keywords"], ","),
        "rating": "Disinformation",
        "reviewed_by": "EUvsDisinfo",
        "source": {"dataset": DATASET},
        "extra": {k: v for k, v in extra.items() if v},
    }


def read(path: Path, text: str) -> Iterator[Parsed]:
    for line, row in csv_records(path, text, REQUIRED):
        shape = check_columns(line, row)
        if shape:
            yield shape
            continue
        data = to_case_data(row)
        raw_date = (row.get("date") or "").strip()
        if raw_date:
            try:
                data["date"] = parse_date(raw_date, ("%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d"))
            except ValueError as exc:
                yield RowProblem(line, "date", str(exc))
                continue
            data["appearances"][0]["date"] = data["date"]
        result = build_case(line, data)
        if isinstance(result, list):
            yield from result
        else:
            yield result
