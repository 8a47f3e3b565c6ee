"""Canonical JSON Lines: one case per line, every field, lossless (export → import → export is
byte-identical)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from disproof.errors import RowProblem
from disproof.io.base import Parsed, build_case, json_object, json_value, lines
from disproof.io.ids import derived_id
from disproof.models import Case

name = "jsonl"
description = "canonical disproof JSON Lines (what `disproof export` writes)"


def _first_object(head: str) -> dict[str, object] | None:
    for line in head.split("\n"):
        if line.strip():
            try:
                value = json_value(line)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def sniff(path: Path, head: str) -> bool:
    first = _first_object(head)
    return (
        first is not None and "vclaim_id" not in first and ("title" in first or "summary" in first)
    )


def _derived(data: dict[str, Any]) -> str:
    """A deterministic id for a record without one: source dataset, date, title, first outlet."""
    source = data.get("source")
    dataset = source.get("dataset") if isinstance(source, dict) else None
    appearances = data.get("appearances")
    first = appearances[0] if isinstance(appearances, list) and appearances else None
    outlet = first.get("outlet") if isinstance(first, dict) else None
    title = data.get("title") or data.get("summary")
    return derived_id("case", *(str(v or "") for v in (dataset, data.get("date"), title, outlet)))


def read(path: Path, text: str) -> Iterator[Parsed]:
    for row, line in lines(text):
        if not line.strip():
            continue
        try:
            data = json_object(line)
        except ValueError as exc:
            yield RowProblem(row, None, str(exc))
            continue
        if not data.get("id"):
            data["id"] = _derived(data)
        result = build_case(row, data)
        if isinstance(result, list):
            yield from result
        else:
            yield result


def dumps(case: Case) -> str:
    """The canonical line for one case (no trailing newline)."""
    return json.dumps(case.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))


def write(cases: Iterable[Case], out: TextIO) -> int:
    count = 0
    for case in cases:
        out.write(dumps(case) + "\n")
        count += 1
    return count
