"""EUvsDisinfo case index CSV: date, id (the case URL), title, and `+`-separated countries,
keywords, languages and outlets; no summary or disproof.

The case URL is the identity: it becomes the case id and the source URL. The site truncates long
outlet lists with a literal "Show more" entry, which is dropped (counted in ``extra``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from disproof.errors import RowProblem
from disproof.io.base import Parsed, build_case, check_columns, csv_records, parse_date
from disproof.normalize import split_list

name = "euvsdisinfo-index"
description = "EUvsDisinfo case index CSV (date, id = case URL, title, +-separated lists)"
DATASET = "euvsdisinfo"
REQUIRED = {"date", "id", "title", "countries", "keywords", "languages", "outlets"}
TRUNCATION_MARKERS = {"show more"}


def sniff(path: Path, head: str) -> bool:
    first = head.split("\n")[0].lower().replace('"', "") if head else ""
    return set(first.strip().split(",")) >= REQUIRED


def read(path: Path, text: str) -> Iterator[Parsed]:
    for line, row in csv_records(path, text, REQUIRED):
        shape = check_columns(line, row)
        if shape:
            yield shape
            continue
        url = (row["id"] or "").strip()
        if not url.lower().startswith(("http://", "https://")):
            yield RowProblem(line, "id", f"expected the case URL, got {url[:80]!r}")
            continue
        try:
            date = parse_date(row["date"], ("%Y-%m-%d",))
        except ValueError as exc:
            yield RowProblem(line, "date", str(exc))
            continue
        outlets = split_list(row["outlets"], "+")
        kept = [o for o in outlets if o.casefold() not in TRUNCATION_MARKERS]
        extra = {"outlets_truncated": "true"} if len(kept) < len(outlets) else {}
        data = {
            "id": url,
            "title": row["title"],
            "date": date,
            "appearances": [{"outlet": outlet, "date": date} for outlet in kept],
            "languages": split_list(row["languages"], "+"),
            "countries": split_list(row["countries"], "+"),
            "keywords": split_list(row["keywords"], "+"),
            "rating": "Disinformation",
            "reviewed_by": "EUvsDisinfo",
            "source": {"dataset": DATASET, "url": url},
            "extra": extra,
        }
        result = build_case(line, data)
        if isinstance(result, list):
            yield from result
        else:
            yield result
