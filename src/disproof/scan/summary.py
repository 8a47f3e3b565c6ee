"""A scan's summary: which cases and narratives the corpus repeats, when, where and in which
language, and the items with confirmed matches — ``scan-summary.json`` plus a Markdown and a
self-contained HTML report (every text escaped: it is hostile).

Counted from the ``matches`` dataset batch by batch (memory holds the counters, not the
rows); an item counts for a case when the case is matched in band suggested or confirmed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from disproof.scan.run import Totals

#: Rows of each ranking kept in the summary.
TOP = 25
#: Items with confirmed matches listed (best score first).
CONFIRMED_LISTED = 100
SPAN_SHOWN = 300
_COLUMNS = ["item_id", "case_id", "case_title", "band", "score", "day", "outlet", "language",
            "url", "span_text"]  # fmt: skip


def _confirmed_row(row: dict[str, Any]) -> dict[str, Any]:
    text = row["span_text"] or ""
    return {
        "item_id": row["item_id"], "case_id": row["case_id"], "score": row["score"],
        "day": row["day"], "outlet": row["outlet"], "url": row["url"],
        "span": text[:SPAN_SHOWN] + ("…" if len(text) > SPAN_SHOWN else ""),
    }  # fmt: skip


def _ranked(counter: Counter[str], top: int = TOP) -> list[dict[str, Any]]:
    return [{"name": name, "items": n} for name, n in counter.most_common(top)]


def summarize(
    folder: Path, totals: Totals, narratives: Callable[[list[str]], dict[str, list[str]]]
) -> dict[str, Any]:
    """The summary of the scan in ``folder``; ``narratives`` names the narratives of cases."""
    import pyarrow.dataset as ds

    cases: dict[str, dict[str, Any]] = {}
    items_by_case: dict[str, set[str]] = defaultdict(set)
    by_day: dict[str, set[str]] = defaultdict(set)
    by_outlet: dict[str, set[str]] = defaultdict(set)
    by_language: dict[str, set[str]] = defaultdict(set)
    matched: set[str] = set()
    confirmed_items: set[str] = set()
    confirmed: list[dict[str, Any]] = []
    parts = sorted((folder / "matches").glob("part-*.parquet"))
    dataset = ds.dataset([str(p) for p in parts], format="parquet") if parts else None
    kept = ds.field("best_span") & ds.field("band").isin(["suggested", "confirmed"])
    batches = dataset.to_batches(columns=_COLUMNS, filter=kept) if dataset else []
    for batch in batches:
        for row in batch.to_pylist():
            item, case_id = row["item_id"], row["case_id"]
            case = cases.setdefault(
                case_id,
                {"case_id": case_id, "title": row["case_title"], "items": 0, "confirmed": 0,
                 "first_day": None, "last_day": None},
            )  # fmt: skip
            day = row["day"]
            if day:
                case["first_day"] = min(filter(None, [case["first_day"], day]))
                case["last_day"] = max(filter(None, [case["last_day"], day]))
                by_day[day].add(item)
            items_by_case[case_id].add(item)
            matched.add(item)
            by_outlet[row["outlet"] or "(unknown)"].add(item)
            by_language[row["language"] or "(unknown)"].add(item)
            if row["band"] == "confirmed":
                case["confirmed"] += 1
                confirmed_items.add(item)
                confirmed.append(_confirmed_row(row))
                if len(confirmed) > 4 * CONFIRMED_LISTED:
                    confirmed = sorted(confirmed, key=lambda r: -r["score"])[:CONFIRMED_LISTED]
    for case_id, case in cases.items():
        case["items"] = len(items_by_case[case_id])  # distinct items (an id seen twice once)
    named = narratives(sorted(cases))
    by_narrative: dict[str, set[str]] = defaultdict(set)
    for case_id, names in named.items():
        for name in names:
            by_narrative[name] |= items_by_case[case_id]
    ranked_cases = sorted(cases.values(), key=lambda c: (-c["items"], c["case_id"]))
    return {
        "totals": {
            **asdict(totals),
            "bad_rows": totals.bad_rows[:CONFIRMED_LISTED],
            "items_matched": len(matched),
            "items_confirmed": len(confirmed_items),
            "cases_matched": len(cases),
        },  # fmt: skip
        "cases": [{**c, "narratives": named.get(c["case_id"], [])} for c in ranked_cases[:TOP]],
        "narratives": _ranked(Counter({k: len(v) for k, v in by_narrative.items()})),
        "by_day": [{"day": d, "items": len(by_day[d])} for d in sorted(by_day)],
        "by_outlet": _ranked(Counter({k: len(v) for k, v in by_outlet.items()})),
        "by_language": _ranked(Counter({k: len(v) for k, v in by_language.items()})),
        "confirmed": sorted(confirmed, key=lambda r: (-r["score"], r["item_id"]))[
            :CONFIRMED_LISTED
        ],
    }


def write_summary(folder: Path, summary: dict[str, Any]) -> list[Path]:
    """``scan-summary.json``, ``.md`` and ``.html`` in ``folder`` (each written atomically)."""
    from disproof.scan.report import to_html, to_markdown

    written = []
    for name, content in (
        ("scan-summary.json", json.dumps(summary, ensure_ascii=False, indent=2)),
        ("scan-summary.md", to_markdown(summary)),
        ("scan-summary.html", to_html(summary)),
    ):
        path = folder / name
        temporary = path.with_name(f".{name}.tmp")
        temporary.write_text(content, encoding="utf-8")
        temporary.replace(path)
        written.append(path)
    return written
