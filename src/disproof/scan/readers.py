"""Readers: each source streamed as items and bad rows, never loaded whole.

Every reader yields :class:`Item` or :class:`BadRow` in file order; a bad row names the file,
its line (CSV: the line the row ends on; Parquet: the row; Telegram: the message's place in
``messages``) and the field, and the reading goes on. A file that cannot be read on (not
UTF-8 from some byte on, a broken Parquet footer) ends with one bad row saying so.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from disproof.scan.html import html_text
from disproof.scan.items import MAX_TEXT, BadRow, Columns, Item, item_from_record
from disproof.scan.sources import Source

Record = Item | BadRow
#: Parquet rows read at a time.
PARQUET_BATCH = 1024
#: Folder files read: plain text and HTML.
FOLDER_SUFFIXES = (".txt", ".html", ".htm")


@contextmanager
def open_binary(name: str) -> Iterator[IO[bytes]]:
    """A local path or fsspec URL opened for reading, decompressed by its suffix."""
    import fsspec

    with fsspec.open(name, "rb", compression="infer") as handle:
        yield handle


def read_jsonl(name: str, columns: Columns) -> Iterator[Record]:
    from disproof.io.base import json_object

    with open_binary(name) as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield BadRow(name, number, f"not UTF-8: {exc}")
                continue
            if not line.strip():
                continue
            try:
                value = json_object(line)
            except ValueError as exc:
                yield BadRow(name, number, str(exc))
                continue
            yield item_from_record(value, columns, name, number)


def read_csv(name: str, columns: Columns, delimiter: str = ",") -> Iterator[Record]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open_binary(name) as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text, delimiter=delimiter)
        try:
            for row in reader:
                record: dict[str, Any] = {k: v for k, v in row.items() if k is not None}
                if None in row:  # more fields than the header names
                    yield BadRow(name, reader.line_num, "more fields than the header has")
                    continue
                yield item_from_record(record, columns, name, reader.line_num)
        except (UnicodeDecodeError, csv.Error) as exc:
            yield BadRow(name, reader.line_num + 1, f"cannot read on: {exc}")


def read_parquet(name: str, columns: Columns) -> Iterator[Record]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open_binary(name) as handle:
        try:
            table = pq.ParquetFile(handle)
        except (pa.ArrowException, OSError) as exc:
            yield BadRow(name, 0, f"not a readable Parquet file: {exc}", "row")
            return
        if columns.text not in table.schema_arrow.names:
            found = ", ".join(table.schema_arrow.names[:20])
            yield BadRow(name, 0, f"no column {columns.text!r} (columns: {found})", "row")
            return
        number = 0
        for batch in table.iter_batches(batch_size=PARQUET_BATCH):
            for record in batch.to_pylist():
                number += 1
                yield item_from_record(record, columns, name, number, "row")


def read_folder(name: str) -> Iterator[Record]:
    """Each .txt or .html file under the folder is one item, its id its path in the folder."""
    root = Path(name)
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in FOLDER_SUFFIXES)
    for number, path in enumerate(files, start=1):
        relative = path.relative_to(root).as_posix()
        shown = f"{name}/{relative}"
        try:
            if path.stat().st_size > 4 * MAX_TEXT:
                yield BadRow(shown, number, f"larger than {4 * MAX_TEXT:,} bytes", "file")
                continue
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            yield BadRow(shown, number, f"cannot read it as UTF-8 text: {exc}", "file")
            continue
        html = path.suffix.lower() != ".txt"
        record = {"id": relative, "text": html_text(text) if html else text}
        yield item_from_record(record, Columns(), shown, number, "file")


def read_source(source: Source, columns: Columns) -> Iterator[Record]:
    """The records of one source, by its format."""
    from disproof.scan.telegram import read_telegram

    if source.format == "jsonl":
        return read_jsonl(source.name, columns)
    if source.format in ("csv", "tsv"):
        return read_csv(source.name, columns, "\t" if source.format == "tsv" else ",")
    if source.format == "parquet":
        return read_parquet(source.name, columns)
    if source.format == "telegram":
        return read_telegram(source.name)
    return read_folder(source.name)


def count_records(source: Source, columns: Columns) -> int:
    """How many records a source holds (for the progress bar's ETA): JSONL lines are counted
    without being parsed and Parquet's footer says it; other formats are read through."""
    if source.format == "jsonl":
        with open_binary(source.name) as handle:
            return sum(1 for raw in handle if raw.strip())
    if source.format == "parquet":
        import pyarrow.parquet as pq

        try:
            with open_binary(source.name) as handle:
                return int(pq.ParquetFile(handle).metadata.num_rows)
        except Exception:  # the reader reports it, as a bad row
            return 1
    return sum(1 for _ in read_source(source, columns))


def json_extra(extra: dict[str, Any]) -> str | None:
    """A record's other fields as JSON (dates and other values as their text)."""
    return json.dumps(extra, ensure_ascii=False, default=str) if extra else None
