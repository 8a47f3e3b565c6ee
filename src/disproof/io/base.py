"""What every importer and exporter shares: records, row problems, safe file reading, dates."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from disproof.errors import DisproofError, ImportFailed, RowProblem
from disproof.models import Case

#: Files larger than this are refused before reading (the largest shared dataset is ~6 MB).
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Record:
    """A valid case read from ``row`` of an input file."""

    row: int
    case: Case
    warnings: tuple[RowProblem, ...] = ()


Parsed = Record | RowProblem


class Importer(Protocol):
    """One input format: can it read a file (``sniff``), and the records in it (``read``)."""

    name: str
    description: str

    def sniff(self, path: Path, head: str) -> bool: ...

    def read(self, path: Path, text: str) -> Iterator[Parsed]: ...


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_text(path: Path) -> str:
    """The file as text: refuses missing, huge, binary and non-UTF-8 files with a clear message."""
    name = str(path)
    if not path.exists():
        raise ImportFailed(name, "no such file")
    if not path.is_file():
        raise ImportFailed(name, "not a regular file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFailed(name, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise ImportFailed(name, "this looks like a binary file (it contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailed(
            name,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}); "
            "convert the file to UTF-8 first, e.g. iconv -f WINDOWS-1252 -t UTF-8",
        ) from exc


def validation_problems(row: int, error: ValidationError, prefix: str = "") -> list[RowProblem]:
    """Pydantic errors as row problems naming the field."""
    problems = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or None
        if prefix and field:
            field = f"{prefix}.{field}"
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(RowProblem(row, field, message))
    return problems


def build_case(row: int, data: dict[str, Any]) -> Record | list[RowProblem]:
    """Validate ``data`` as a case: a record, or the problems naming each bad field."""
    try:
        return Record(row, Case.model_validate(data))
    except ValidationError as exc:
        return validation_problems(row, exc)


def parse_date(value: str, formats: tuple[str, ...]) -> dt.date:
    """A date in one of ``formats``; ValueError names what was expected."""
    value = value.strip()
    for fmt in formats:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    shown = " or ".join(
        f.replace("%Y", "YYYY")
        .replace("%y", "YY")
        .replace("%m", "MM")
        .replace("%d", "DD")
        .replace("%B", "Month")
        .replace("%b", "Mon")
        for f in formats
    )
    raise ValueError(f"{value!r} is not a valid date (expected {shown})")


def csv_records(path: Path, text: str, required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each CSV record; refuses a file without the ``required`` columns."""
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        line = max(1, reader.line_num)
        raise ImportFailed(str(path), f"line {line}: broken CSV header: {exc}") from exc
    missing = sorted(required - set(header))
    if missing:
        raise ImportFailed(
            str(path),
            f"missing column(s) {', '.join(missing)}; "
            f"the header has: {', '.join(header) or '(none)'}",
        )
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFailed(str(path), f"line {reader.line_num}: broken CSV: {exc}") from exc
        yield line, row
        line = reader.line_num + 1


def check_columns(line: int, row: dict[str, str]) -> RowProblem | None:
    """A problem if the record has more or fewer fields than the header."""
    fields: dict[Any, Any] = dict(row)
    extra = fields.pop(None, None)
    expected = len(fields)
    missing = [k for k, v in fields.items() if v is None]
    if extra:
        return RowProblem(line, None, f"{expected + len(extra)} fields, the header has {expected}")
    if missing:
        return RowProblem(
            line, missing[0], f"{expected - len(missing)} fields, the header has {expected}"
        )
    return None


def json_value(line: str) -> Any:
    """The JSON value on one line. ValueError for anything that is not JSON, including values
    nested too deeply for the parser (``[[[[…]]]]``), which would otherwise raise RecursionError."""
    try:
        return json.loads(line)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def json_object(line: str) -> dict[str, Any]:
    """The JSON object on one line of a JSONL file. ValueError saying why not: "malformed
    JSON: …" or "expected a JSON object, got list"."""
    try:
        value = json_value(line)
    except ValueError as exc:
        raise ValueError(f"malformed JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {type(value).__name__}")
    return value


def lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) splitting on newlines only.

    ``str.splitlines`` also splits on U+2028, vertical tab and other characters that may sit
    unescaped inside a JSON string, so it must not be used on JSON Lines.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line.removesuffix("\r")


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """A JSON object from a file of ours (a model's metadata, labels…), or a clear error naming
    the file and ``what`` it should have been."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DisproofError(f"{path}: cannot read the {what}: {exc}") from exc
    if not isinstance(content, dict):
        raise DisproofError(f"{path}: expected a JSON object")
    return content
