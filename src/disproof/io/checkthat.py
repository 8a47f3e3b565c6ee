"""CLEF CheckThat! 2022 Task 2A verified claims (``vclaims.jsonl``): fact-checked claims from
Snopes with ``vclaim_id``, ``title``, ``subtitle``, ``vclaim``, ``date``, ``author`` and sometimes
``page_url``. They carry no disproof text.

The scraped ``date`` field is sometimes not a date at all (a sentence of the article); such rows
are kept, undated, with the raw value in ``extra.date_raw`` and a warning, since the claim itself
is sound.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from disproof.errors import RowProblem
from disproof.io.base import Parsed, Record, build_case, json_value, lines, parse_date

name = "checkthat-vclaims"
description = "CheckThat! 2022 verified claims JSONL (vclaim_id, title, vclaim, date, author)"
DATASET = "checkthat2022"
_LOOSE_DATE = re.compile(r"^\s*(\d{1,2})\s*([A-Za-z]+)\s*(\d{4})\s*$")


def sniff(path: Path, head: str) -> bool:
    for line in head.split("\n"):
        if line.strip():
            return '"vclaim_id"' in line and '"vclaim"' in line
    return False


def _date(raw: str) -> str | None:
    match = _LOOSE_DATE.match(raw)
    if not match:
        return None
    try:
        return parse_date(" ".join(match.groups()), ("%d %B %Y", "%d %b %Y")).isoformat()
    except ValueError:
        return None


def read(path: Path, text: str) -> Iterator[Parsed]:
    for line, raw_line in lines(text):
        if not raw_line.strip():
            continue
        try:
            item = json_value(raw_line)
        except ValueError as exc:
            yield RowProblem(line, None, f"malformed JSON: {exc}")
            continue
        if not isinstance(item, dict):
            yield RowProblem(line, None, "expected a JSON object")
            continue
        values = {k: v.strip() if isinstance(v, str) else v for k, v in item.items()}
        claim_id = values.get("vclaim_id")
        if not isinstance(claim_id, str) or not claim_id:
            yield RowProblem(line, "vclaim_id", "missing (every verified claim needs its id)")
            continue
        warnings: list[RowProblem] = []
        extra = {"subtitle": values.get("subtitle") or ""}
        raw_date = values.get("date") or ""
        date = _date(raw_date) if isinstance(raw_date, str) and raw_date else None
        if raw_date and date is None:
            extra["date_raw"] = str(raw_date)
            warnings.append(RowProblem(line, "date", f"not a date, kept as text: {raw_date!r:.60}"))
        page_url = values.get("page_url")
        data = {
            "id": claim_id,
            "title": values.get("title") or "",
            "summary": values.get("vclaim") or "",
            "date": date,
            "reviewed_by": values.get("author") or None,
            "source": {
                "dataset": DATASET,
                "url": page_url if isinstance(page_url, str) and page_url else None,
                "record": claim_id,
            },
            "extra": {k: v for k, v in extra.items() if v},
        }
        result = build_case(line, data)
        if isinstance(result, list):
            yield from result
        else:
            yield Record(result.row, result.case, tuple(warnings))
