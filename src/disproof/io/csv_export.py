"""A flat, spreadsheet-friendly CSV export: one row per case, one column per field.

Columns, in order::

    id, title, summary, disproof, date, outlets, urls, languages, countries, keywords,
    narratives, related, evidence, rating, reviewed_by, source_dataset, source_url,
    created_at, updated_at

* List fields (``outlets``, ``urls``, ``languages``, ``countries``, ``keywords``, ``narratives``,
  ``related``, ``evidence``) are joined with ``" | "`` into one cell. ``urls`` are the appearance
  URLs; ``evidence`` holds each evidence link's URL (its title when it has no URL). An item that
  itself contains ``" | "`` cannot be told apart after joining: this export is for reading, not
  for round trips (use the canonical JSON Lines export for those).
* Dates and timestamps are ISO 8601 (``2024-03-01``, ``2024-03-01T12:00:00+00:00``); an empty
  cell means the value is unknown.
* Case text is hostile by nature, so every free-text cell that a spreadsheet could evaluate as a
  formula — one beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — gets a
  leading apostrophe (``'``), as OWASP advises against CSV injection. Date cells are left alone.
* The file has a header row and is written with :data:`csv.QUOTE_MINIMAL` and CRLF record
  ends (RFC 4180); open ``out`` with ``newline=""`` so newlines are not translated twice. Cells
  may contain newlines (quoted, as the csv module does).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from typing import TextIO

from disproof.models import Case

name = "csv"
description = "flat CSV for spreadsheets (lists joined with ' | ', formula cells neutralised)"

#: The column names, in order (the header row).
COLUMNS: tuple[str, ...] = (
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
)

#: How list fields are joined into one cell.
SEPARATOR = " | "

#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: str) -> str:
    """``value`` with a leading apostrophe if a spreadsheet could read it as a formula."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _text(value: str | None) -> str:
    return escape_formula(value or "")


def _join(values: Iterable[str | None]) -> str:
    return escape_formula(SEPARATOR.join(v for v in values if v))


def _when(value: dt.date | None) -> str:
    """An ISO date or timestamp; never escaped (it cannot start with a formula character)."""
    return value.isoformat() if value is not None else ""


def row(case: Case) -> list[str]:
    """The CSV cells for one case, in :data:`COLUMNS` order."""
    return [
        _text(case.id),
        _text(case.title),
        _text(case.summary),
        _text(case.disproof),
        _when(case.date),
        _join(case.outlets),
        _join(a.url for a in case.appearances),
        _join(case.languages),
        _join(case.countries),
        _join(case.keywords),
        _join(case.narratives),
        _join(case.related),
        _join(link.url or link.title for link in case.evidence),
        _text(case.rating),
        _text(case.reviewed_by),
        _text(case.source.dataset),
        _text(case.source.url),
        _when(case.created_at),
        _when(case.updated_at),
    ]


def write(cases: Iterable[Case], out: TextIO) -> int:
    """Write the header and one row per case to ``out``; the number of cases written."""
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    count = 0
    for case in cases:
        writer.writerow(row(case))
        count += 1
    return count
