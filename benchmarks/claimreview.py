"""ClaimReview export audit (issue #13): import the shared datasets with the product's importers,
export ClaimReview, and count where each record's datePublished, url and reviewBody come from
and what the validator says.

    python -m benchmarks.claimreview [--data ../shared/data] [--base-url https://disproof.example]

Two rows: the two EUvsDisinfo files, then the same database with CheckThat! 2022 added. Prints
a Markdown table (copy it into docs/benchmarks.md with the machine and date).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import io
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from disproof.io import claimreview
from disproof.links import http_url
from disproof.models import Case
from disproof.service import Disproof
from disproof.settings import Settings

EUVSDISINFO = ["euvsdisinfo/cases_2015_2017.csv", "euvsdisinfo/case_index_2015_2019.csv"]
CHECKTHAT = ["checkthat2022/vclaims.jsonl"]


def audit(service: Disproof, base_url: str) -> dict[str, Any]:
    """Export, validate and count; the numbers of one table row."""
    row: dict[str, Any] = {"cases": service.count()}
    start = time.perf_counter()
    try:
        service.export(io.StringIO(), "claimreview", base_url=None)
        row["refused without base URL"] = "no"
    except claimreview.MissingPublicUrl as exc:
        row["refused without base URL"] = f"yes ({exc.missing:,} without a page)"
    row["refusal s"] = time.perf_counter() - start

    out = io.StringIO()
    start = time.perf_counter()
    service.export(out, "claimreview", base_url=base_url)
    row["export s"] = time.perf_counter() - start
    document = json.loads(out.getvalue())
    graph = document["@graph"]
    cases: list[Case] = list(service.store.iter_cases())
    assert len(graph) == len(cases)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    counts: collections.Counter[str] = collections.Counter()
    for case, node in zip(cases, graph, strict=True):
        counts["records"] += 1
        published = node.get("datePublished")
        if published is None:
            counts["no datePublished"] += 1
        elif (
            claimreview.REVIEW_DATE_KEY in case.extra
            and published == case.extra.get(claimreview.REVIEW_DATE_KEY, "")[:10]
        ):
            counts["datePublished = review date"] += 1
        elif case.date is not None and published == case.date.isoformat():
            counts["datePublished = case date"] += 1
        else:
            counts["datePublished from elsewhere"] += 1
        if published == today and (case.date is None or case.date.isoformat() != today):
            counts["datePublished = today (import)"] += 1
        if node.get("url") and node["url"] == http_url(case.source.url):
            counts["url = source URL"] += 1
        elif node.get("url", "").startswith(base_url + "/cases/"):
            counts["url = base URL/cases/ID"] += 1
        else:
            counts["no url"] += 1
        if "reviewBody" in node:
            counts["reviewBody"] += 1
            counts["reviewBody = disproof"] += node["reviewBody"] == case.disproof
        elif case.disproof:
            counts["disproof but no reviewBody"] += 1
    problems = claimreview.validate_document(document)
    row.update(counts)
    row["validator errors"] = sum(p.severity == "error" for p in problems)
    row["records with errors"] = len(
        {p.path.split(".")[0] for p in problems if p.severity == "error"}
    )
    warnings = collections.Counter(
        p.path.split(".", 1)[1] for p in problems if p.severity == "warning"
    )
    row["warnings"] = ", ".join(f"{path} {n:,}" for path, n in warnings.most_common()) or "none"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--base-url", default="https://disproof.example")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {platform.processor() or '?'}, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    rows: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as folder:
        service = Disproof.open(Settings(db=str(Path(folder) / "bench.db")))
        for label, files in (
            ("EUvsDisinfo (2 files)", EUVSDISINFO),
            ("+ CheckThat! 2022", CHECKTHAT),
        ):
            for name in files:
                service.import_file(args.data / name)
            rows.append((label, audit(service, args.base_url)))
        service.store.engine.dispose()
    keys = list(dict.fromkeys(key for _, row in rows for key in row))
    print()
    print("| | " + " | ".join(label for label, _ in rows) + " |")
    print("|---|" + "---:|" * len(rows))
    for key in keys:
        cells = []
        for _, row in rows:
            value = row.get(key, 0)
            cells.append(
                f"{value:.2f}"
                if isinstance(value, float)
                else f"{value:,}"
                if isinstance(value, int)
                else str(value)
            )
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
