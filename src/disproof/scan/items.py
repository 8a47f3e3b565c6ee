"""What a scan reads: items (a text and its metadata) and bad rows (where, and why)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Characters of one item's text a scan accepts; a longer text is reported as a bad row (a dump
#: of a whole site in one field is a reader's mistake, and would hold a worker for hours).
MAX_TEXT = 1_000_000
#: Characters of a bad row's reason and of its shown value kept in the manifest and summary.
MAX_REASON = 300


@dataclass(frozen=True)
class Columns:
    """Which field of a record holds what (the ``--text-col`` … options)."""

    text: str = "text"
    id: str = "id"
    date: str = "date"
    url: str = "url"
    outlet: str = "outlet"
    lang: str = "lang"

    def named(self) -> set[str]:
        return {self.text, self.id, self.date, self.url, self.outlet, self.lang}


@dataclass(frozen=True)
class Item:
    """One text to scan, with the metadata written beside its matches. ``extra`` holds the
    record's other fields (kept as JSON in the output)."""

    id: str
    text: str
    date: str | None = None
    url: str | None = None
    outlet: str | None = None
    lang: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Where it was read: the file and its line (row, message or file number).
    source: str = ""
    line: int = 0


@dataclass(frozen=True)
class BadRow:
    """A record that could not be read: the file, its line (or row, or message) and why."""

    file: str
    line: int
    reason: str
    #: What ``line`` counts: a line, a Parquet row, a Telegram message, a folder's file.
    unit: str = "line"

    def __str__(self) -> str:
        return f"{self.file}, {self.unit} {self.line}: {self.reason}"

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            self.unit: self.line,
            "reason": self.reason[:MAX_REASON],
        }


def _scalar(value: object) -> str | None:
    """A metadata value as text (numbers and booleans too), None for missing or empty."""
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def item_from_record(
    record: dict[str, Any], columns: Columns, file: str, line: int, unit: str = "line"
) -> Item | BadRow:
    """An item from one record (a JSON object, a CSV or Parquet row): its text must be a
    non-empty string; a missing id becomes ``FILE:LINE`` (stable across runs)."""
    text = record.get(columns.text)
    if not isinstance(text, str):
        got = "missing" if text is None else f"of type {type(text).__name__}, not text"
        return BadRow(file, line, f"field {columns.text!r} is {got}", unit)
    if not text.strip():
        return BadRow(file, line, f"field {columns.text!r} is empty", unit)
    if len(text) > MAX_TEXT:
        size = f"{len(text):,} characters (at most {MAX_TEXT:,})"
        return BadRow(file, line, f"field {columns.text!r} has {size}", unit)
    item_id = _scalar(record.get(columns.id)) or f"{file}:{line}"
    named = columns.named()
    extra = {k: v for k, v in record.items() if k not in named}
    return Item(
        id=item_id,
        text=text,
        date=_scalar(record.get(columns.date)),
        url=_scalar(record.get(columns.url)),
        outlet=_scalar(record.get(columns.outlet)),
        lang=_scalar(record.get(columns.lang)),
        extra=extra,
        source=file,
        line=line,
    )
