"""`disproof scan` gives every item the matches `disproof match --jsonl` gives it (issue 18):
real CheckThat! 2022 tweets against the fact-checked claims they repeat (and unrelated
ones), with the e5 model, on a local Dask cluster of one worker. Skipped without
../shared/data."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

pytestmark = [pytest.mark.model, pytest.mark.slow]
TWEETS = 24
OTHER_CLAIMS = 120


def _sample(data: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A few dozen devtest tweets, the claims they repeat and some others."""
    folder = data / "checkthat2022"
    with (folder / "devtest_queries.tsv").open(encoding="utf-8", newline="") as f:
        tweets = list(csv.reader(f, delimiter="\t"))[:TWEETS]
    with (folder / "devtest_qrels.tsv").open(encoding="utf-8", newline="") as f:
        wanted = {row[2] for row in csv.reader(f, delimiter="\t")}
    claims = []
    with (folder / "vclaims.jsonl").open(encoding="utf-8") as f:
        for number, line in enumerate(f):
            claim = json.loads(line)
            if claim["vclaim_id"] in wanted or number % 100 == 0 and number < 100 * OTHER_CLAIMS:
                claims.append(line)
    cases = tmp_path / "vclaims.jsonl"
    cases.write_text("".join(claims), encoding="utf-8")
    posts = tmp_path / "posts.jsonl"
    with posts.open("w", encoding="utf-8") as f:
        for i, (tweet_id, text) in enumerate(tweets):
            f.write(json.dumps({"id": tweet_id, "text": text, "date": f"2021-01-{i + 1:02d}"}))
            f.write("\n")
    return cases, posts


def _from_scan(out: Path) -> dict[str, list[tuple[Any, ...]]]:
    import pyarrow.dataset as ds

    table = ds.dataset(str(out / "matches"), format="parquet").to_table()
    found: dict[str, list[tuple[Any, ...]]] = {}
    for row in sorted(table.to_pylist(), key=lambda r: (r["item_id"], r["rank"])):
        if row["best_span"]:
            found.setdefault(row["item_id"], []).append(
                (row["case_id"], row["band"], row["score"], row["span_start"], row["span_end"])
            )
    return found


def test_scan_matches_what_match_jsonl_gives(
    cli: Any, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases, posts = _sample(shared_data, tmp_path)
    assert cli("import", str(cases), "--format", "checkthat-vclaims").code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(posts.read_text(encoding="utf-8")))
    matched = cli("match", "--jsonl")
    assert matched.code == 0, matched.err
    expected = {}
    for line in matched.out.splitlines():
        row = json.loads(line)
        expected[row["id"]] = [
            (m["case_id"], m["band"], m["score"], m["span"]["start"], m["span"]["end"])
            for m in row["matches"]
        ]
    out = tmp_path / "out"
    scanned = cli("scan", str(posts), "--out", str(out), "--workers", "1", "--keep-none")
    assert scanned.code == 0, scanned.err
    assert "Dask dashboard: http" in scanned.err
    got = _from_scan(out)
    assert set(got) == {k for k, v in expected.items() if v} and len(expected) == TWEETS
    for item_id, matches in expected.items():
        mine = got.get(item_id, [])
        assert [m[:2] + m[3:] for m in mine] == [m[:2] + m[3:] for m in matches], item_id
        assert [m[2] for m in mine] == pytest.approx([m[2] for m in matches], abs=2e-4)
    assert any(band == "confirmed" for ms in expected.values() for _, band, *_ in ms)
    summary = json.loads((out / "scan-summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["items"] == TWEETS and summary["totals"]["bad"] == 0
