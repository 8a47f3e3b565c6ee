"""The import use case: read a file, validate every row, merge rows of one claim, write atomically.

Every row of the input ends in exactly one place: ``created``, ``updated`` or ``unchanged`` (the
first row of a case), ``merged`` (a further row of a case already seen in this file, e.g. the same
claim from another outlet), ``joined`` (merged with the same claim already stored from another
source, see :mod:`disproof.joining`), or ``rejected`` (with the line, field and reason). The
counts add up to the rows of the file. Without ``skip_invalid`` one rejected row aborts the import
and nothing is written; with it, valid rows are imported and the rejected ones are written to a
report.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from disproof.errors import ImportFailed, RowProblem
from disproof.io import Importer, Record, detect_importer, importer, read_text
from disproof.joining import join
from disproof.merge import merge_cases
from disproof.models import Case
from disproof.normalize import keyword_key
from disproof.store import CaseStore, ImportLogEntry
from disproof.store.history import EditMark

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class MergedRow:
    """A row folded into the case of an earlier row with the same id.

    ``adds`` says what it brought: a new ``appearance`` (a republication by another outlet or
    at another URL), other ``details`` (keywords, countries, a differing disproof …), or
    ``nothing`` (an exact repeat of what was already there).
    """

    row: int
    case_id: str
    into_row: int
    adds: Literal["appearance", "details", "nothing"]


@dataclass(frozen=True)
class JoinedRow:
    """A row whose claim was already stored from another source (see :mod:`disproof.sameclaim`),
    merged with it into one case: ``rule`` says how they were recognised (``title``,
    ``prefix`` or ``near``)."""

    row: int
    record_id: str
    case_id: str
    rule: str


@dataclass
class ImportReport:
    file: str
    format: str
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    merged: list[MergedRow] = field(default_factory=list)
    joined: list[JoinedRow] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    reject_report: Path | None = None
    #: stored cases folded into a case of this file's claims (their ids are now aliases)
    retired: list[str] = field(default_factory=list)
    #: text-less cases that several cases claim equally, left apart: id → those cases
    ambiguous: dict[str, list[str]] = field(default_factory=dict)

    @property
    def rejected_rows(self) -> int:
        return len({p.row for p in self.rejected})

    def accounted(self) -> int:
        """Rows given a place; equals ``rows`` for a consistent report."""
        return (
            len(self.created)
            + len(self.updated)
            + len(self.unchanged)
            + len(self.merged)
            + len(self.joined)
            + self.rejected_rows
        )


def _collect(
    path: Path, reader: Importer, text: str, report: ImportReport
) -> dict[str, tuple[int, Case]]:
    """Parse every row; merge records sharing an id (first row wins order)."""
    by_id: dict[str, tuple[int, Case]] = {}
    rows: set[int] = set()
    for item in reader.read(path, text):
        rows.add(item.row)
        if isinstance(item, RowProblem):
            report.rejected.append(item)
            continue
        report.warnings.extend(item.warnings)
        seen = by_id.get(item.case.id)
        if seen is None:
            by_id[item.case.id] = (item.row, item.case)
        else:
            merged = merge_cases(seen[1], item.case)
            adds: Literal["appearance", "details", "nothing"] = (
                "appearance"
                if len(merged.appearances) > len(seen[1].appearances)
                else "nothing"
                if merged == seen[1]
                else "details"
            )
            report.merged.append(MergedRow(item.row, item.case.id, seen[0], adds))
            by_id[item.case.id] = (seen[0], merged)
    report.rows = len(rows)
    rejected_rows = {p.row for p in report.rejected}
    # a row can yield a record and be rejected only if an importer misbehaves; keep counts honest
    return {cid: (row, case) for cid, (row, case) in by_id.items() if row not in rejected_rows}


def _unify_keywords(cases: list[Case], spellings: dict[str, str]) -> list[Case]:
    """Spell each keyword the way the database (or, failing that, this file) first spelled it."""
    vocabulary = dict(spellings)
    out = []
    for case in cases:
        keywords = [vocabulary.setdefault(keyword_key(k), k) for k in case.keywords]
        out.append(
            case if keywords == case.keywords else case.model_copy(update={"keywords": keywords})
        )
    return out


def write_reject_report(path: Path, file: str, problems: list[RowProblem]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "field", "reason"])
        for problem in problems:
            writer.writerow([file, problem.row, problem.field or "", problem.reason])


def import_file(
    store: CaseStore,
    path: Path,
    fmt: str = "auto",
    *,
    skip_invalid: bool = False,
    reject_report: Path | None = None,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file all-or-nothing (see the module docstring)."""
    return import_text(
        store,
        read_text(path),
        path,
        fmt,
        skip_invalid=skip_invalid,
        reject_report=reject_report,
        batch_size=batch_size,
        progress=progress,
    )


def import_text(
    store: CaseStore,
    text: str,
    path: Path,
    fmt: str = "auto",
    *,
    skip_invalid: bool = False,
    reject_report: Path | None = None,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``text`` read from ``path`` (the name used in messages and the import log)."""
    reader = detect_importer(path, text) if fmt == "auto" else importer(fmt)
    report = ImportReport(file=str(path), format=reader.name)
    collected = _collect(path, reader, text, report)
    if report.rows == 0 and not report.rejected:  # a mistake to report, not an import to log
        raise ImportFailed(str(path), f"holds no {reader.name} records: nothing was imported")
    if report.rejected and not skip_invalid:
        raise ImportFailed(
            str(path),
            f"{report.rejected_rows} of {report.rows} rows are invalid, so nothing was imported "
            "(fix them, or pass --skip-invalid to import the valid rows and write a reject report)",
            report.rejected,
        )
    if report.rejected:
        report.reject_report = reject_report or Path(f"{path.name}.rejects.csv")
        write_reject_report(report.reject_report, str(path), report.rejected)
    rows = {case.id: row for row, case in collected.values()}
    ordered = [case for _, case in sorted(collected.values(), key=lambda rc: rc[0])]
    ordered = _unify_keywords(ordered, store.keyword_spellings())
    now = dt.datetime.now(dt.UTC)
    # a history entry per created or changed case; its state is kept once a change replaces it
    mark = EditMark(reader.name, "import", "import", str(path), snapshots=False)
    with store.transaction() as connection:
        joined = join(connection, ordered, mark, now)
        report.retired, report.ambiguous = joined.retired, joined.ambiguous
        outcomes: dict[str, str] = {}
        for start in range(0, len(joined.cases), batch_size):
            outcomes |= store.upsert(
                connection, joined.cases[start : start + batch_size], now, mark
            )
            if progress:
                progress(min(start + batch_size, len(joined.cases)), len(joined.cases))
        for case in ordered:
            final = joined.final[case.id]
            rule = joined.rule.get(case.id)
            if rule and outcomes[final] != "unchanged":
                report.joined.append(JoinedRow(rows[case.id], case.id, final, rule))
            else:
                getattr(report, outcomes[final]).append(final)
        store.log_import(
            connection,
            ImportLogEntry(
                file=str(path),
                sha256=hashlib.sha256(text.encode()).hexdigest(),
                format=reader.name,
                rows=report.rows,
                created=len(report.created),
                updated=len(report.updated),
                unchanged=len(report.unchanged),
                merged=len(report.merged),
                joined=len(report.joined),
                rejected=report.rejected_rows,
            ),
            now,
        )
    store.checkpoint()
    return report


__all__ = ["ImportReport", "JoinedRow", "MergedRow", "Record", "import_file", "import_text"]
