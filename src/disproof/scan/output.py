"""A scan's output folder: Parquet parts, the manifest of finished partitions, bad rows.

``OUT/matches/part-K.parquet``: one row per (item, span, matched case) — the item's id and
metadata, the case, its score and band, the span's offsets and text; ``best_span`` marks the
span the score is for (a case is listed once per item with every span that matched it, as
``disproof match`` lists it). ``OUT/items/part-K.parquet``: one row per item scanned (its
language, spans checked, matches kept). Each part is written to a temporary name and renamed
(readers never see half a file); only then is the partition appended to ``manifest.jsonl``,
whose lines a rerun reads to skip finished partitions. A part without a manifest line (a crash
between the two) is simply written again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from disproof.errors import DisproofError
from disproof.scan.items import BadRow, Item

if TYPE_CHECKING:
    import pyarrow as pa

    from disproof.models import MatchResult

MANIFEST = "manifest.jsonl"
#: Bad rows kept per partition in the manifest (all are counted).
KEPT_BAD_ROWS = 50
BAND_ORDER = {"none": 0, "suggested": 1, "confirmed": 2}
_META = ("item_id", "source", "line", "date", "day", "url", "outlet", "lang", "language")


def day_of(value: str | None) -> str | None:
    """The ``YYYY-MM-DD`` day of a date or timestamp given as text (ISO or Unix seconds)."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        pass
    try:
        return dt.datetime.fromtimestamp(float(value), dt.UTC).date().isoformat()
    except (ValueError, OverflowError, OSError):
        return None


@dataclass
class PartRows:
    """The rows one partition adds to each table (built on the worker, written by the client)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    matches: list[dict[str, Any]] = field(default_factory=list)


def item_rows(items: list[Item], results: list[MatchResult], keep_none: bool) -> PartRows:
    """The rows of matched items; matches in band "none" are left out unless ``keep_none``."""
    rows = PartRows()
    for item, result in zip(items, results, strict=True):
        meta: dict[str, Any] = {
            "item_id": item.id, "source": item.source, "line": item.line, "date": item.date,
            "day": day_of(item.date), "url": item.url, "outlet": item.outlet, "lang": item.lang,
            "language": result.language,
        }  # fmt: skip
        extra = json.dumps(item.extra, ensure_ascii=False, default=str) if item.extra else None
        kept = [m for m in result.matches if keep_none or m.band != "none"]
        best = max(kept, key=lambda m: (BAND_ORDER.get(m.band, 0), m.score), default=None)
        rows.items.append(
            {
                **meta,
                "characters": result.characters,
                "spans_checked": result.spans_checked,
                "matches": len(kept),
                "best_band": best.band if best else None,
                "best_score": best.score if best else None,
                "extra": extra,
            }
        )
        for rank, match in enumerate(kept, start=1):
            for span in match.spans or [match.span]:
                rows.matches.append(
                    {
                        **meta,
                        "case_id": match.case_id,
                        "case_title": match.title,
                        "rank": rank,
                        "score": match.score,
                        "band": match.band,
                        "best_span": (span.start, span.end) == (match.span.start, match.span.end),
                        "span_start": span.start,
                        "span_end": span.end,
                        "span_text": span.text,
                        "span_language": span.language,
                        "extra": extra,
                    }
                )
    return rows


def schemas() -> dict[str, pa.Schema]:
    """The two tables' columns (fixed, so parts of every partition read as one dataset)."""
    import pyarrow as pa

    meta = [
        ("item_id", pa.string()), ("source", pa.string()), ("line", pa.int64()),
        ("date", pa.string()), ("day", pa.string()), ("url", pa.string()),
        ("outlet", pa.string()), ("lang", pa.string()), ("language", pa.string()),
    ]  # fmt: skip
    items = [
        ("characters", pa.int64()), ("spans_checked", pa.int64()), ("matches", pa.int64()),
        ("best_band", pa.string()), ("best_score", pa.float64()), ("extra", pa.string()),
    ]  # fmt: skip
    matches = [
        ("case_id", pa.string()), ("case_title", pa.string()), ("rank", pa.int64()),
        ("score", pa.float64()), ("band", pa.string()), ("best_span", pa.bool_()),
        ("span_start", pa.int64()), ("span_end", pa.int64()), ("span_text", pa.string()),
        ("span_language", pa.string()), ("extra", pa.string()),
    ]  # fmt: skip
    return {"items": pa.schema(meta + items), "matches": pa.schema(meta + matches)}


def _write_atomic(table: pa.Table, path: Path) -> None:
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, temporary, compression="zstd")
    os.replace(temporary, path)


@dataclass(frozen=True)
class Finished:
    """A manifest line: a partition done, with what it held."""

    key: str
    items: int
    matches: int
    bad: int
    bad_rows: list[dict[str, Any]]


class Output:
    """The output folder of one scan, tied to its inputs and options by ``signature``."""

    def __init__(self, folder: Path, signature: dict[str, Any]) -> None:
        self.folder = folder
        self.signature = signature
        self.finished: dict[str, Finished] = {}

    @staticmethod
    def check(folder: Path) -> None:
        """Refuse a folder that holds anything but a scan (before anything is written)."""
        if folder.exists() and not folder.is_dir():
            raise DisproofError(f"{folder} is a file, not a folder for the scan's output")
        # the bundle is written first (staged in .bundle.*), then scan.json
        ours = {"bundle", "scan.json"}
        if (
            folder.is_dir()
            and {p.name for p in folder.iterdir() if not p.name.startswith(".bundle.")} - ours
            and not (folder / "scan.json").exists()
        ):
            raise DisproofError(
                f"{folder} is not empty and holds no scan (scan.json): give a new --out folder"
            )

    def open(self) -> None:
        """Create the folder, or resume the scan in it: the same inputs and options only."""
        self.check(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        saved = self.folder / "scan.json"
        if saved.exists():
            previous = json.loads(saved.read_text(encoding="utf-8"))
            if previous != self.signature:
                raise DisproofError(
                    f"{self.folder} holds a scan of other inputs, options or cases "
                    "(scan.json); give a new --out folder to start another scan"
                )
        else:
            saved.write_text(json.dumps(self.signature, indent=2), encoding="utf-8")
        self.finished = self._read_manifest()
        manifest = self.folder / MANIFEST
        if manifest.exists() and not manifest.read_bytes().endswith(b"\n"):
            with manifest.open("a", encoding="utf-8") as handle:  # end a line cut by a crash
                handle.write("\n")

    def open_finished(self) -> dict[str, Finished]:
        """Open the folder; the partitions finished in it."""
        self.open()
        return self.finished

    def _read_manifest(self) -> dict[str, Finished]:
        path = self.folder / MANIFEST
        done: dict[str, Finished] = {}
        if not path.exists():
            return done
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                done[row["key"]] = Finished(
                    row["key"], row["items"], row["matches"], row["bad"], row["bad_rows"]
                )
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash: that partition is done again
        return done

    def write(self, key: str, rows: PartRows, bad: list[BadRow]) -> Finished:
        """Write one partition's parts, then record it as finished."""
        import pyarrow as pa

        for table, data in (("items", rows.items), ("matches", rows.matches)):
            schema = schemas()[table]
            _write_atomic(
                pa.Table.from_pylist(data, schema=schema),
                self.folder / table / f"part-{key}.parquet",
            )
        done = Finished(
            key, len(rows.items), len(rows.matches), len(bad),
            [b.as_json() for b in bad[:KEPT_BAD_ROWS]],
        )  # fmt: skip
        line = json.dumps(done.__dict__, ensure_ascii=False) + "\n"
        with (self.folder / MANIFEST).open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        self.finished[key] = done
        return done
