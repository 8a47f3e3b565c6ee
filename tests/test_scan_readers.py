"""`disproof scan`'s readers, output rows and summary (issue 18): tiny files written here,
no cluster and no model (tests/test_scan_cluster.py runs real Dask processes)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow")

from disproof.errors import DisproofError  # noqa: E402
from disproof.models import CaseMatch, MatchResult, MatchSpan  # noqa: E402
from disproof.scan.html import html_text  # noqa: E402
from disproof.scan.items import BadRow, Columns, Item  # noqa: E402
from disproof.scan.output import Output, day_of, item_rows  # noqa: E402
from disproof.scan.readers import count_records, read_source  # noqa: E402
from disproof.scan.run import Totals, partitions  # noqa: E402
from disproof.scan.sources import Source, sources  # noqa: E402

HOSTILE = "<script>alert(1)</script> **bold** [x](javascript:alert(1)) | pipe"


def _read(path: Path, fmt: str, columns: Columns | None = None) -> list[Item | BadRow]:
    return list(read_source(Source(str(path), fmt), columns or Columns()))


def test_jsonl_items_bad_rows_and_extra_fields(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    lines = [
        json.dumps({"id": 7, "text": "Vaccines kill", "date": "2024-03-01", "likes": 3}),
        "",
        "{not json",
        json.dumps({"id": "b", "text": 12}),
        json.dumps(["a list"]),
        json.dumps({"text": "   "}),
        json.dumps({"body": "no id here", "channel": "TV"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = _read(path, "jsonl")
    first = got[0]
    assert isinstance(first, Item)
    assert (first.id, first.text, first.date, first.extra) == ("7", "Vaccines kill", "2024-03-01",
                                                               {"likes": 3})  # fmt: skip
    reasons = [(r.line, r.reason) for r in got if isinstance(r, BadRow)]
    assert [line for line, _ in reasons] == [3, 4, 5, 6, 7]
    assert "malformed JSON" in reasons[0][1]
    assert "'text' is of type int" in reasons[1][1]
    assert "expected a JSON object" in reasons[2][1]
    assert "'text' is empty" in reasons[3][1]
    assert str(got[1]).startswith(f"{path}, line 3: ")
    # columns named by options; a missing id is FILE:LINE
    other = _read(path, "jsonl", Columns(text="body", outlet="channel"))
    last = [r for r in other if isinstance(r, Item)][-1]
    assert (last.id, last.text, last.outlet) == (f"{path}:7", "no id here", "TV")


def test_csv_tsv_and_gzip(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv.gz"
    rows = 'post,message,when,extra\n1,"Line one, with ""quotes""",2024-01-02,x\n2,,2024-01-03,y\n'
    rows += "3,too,many,fields,here\n"
    path.write_bytes(gzip.compress(rows.encode("utf-8")))
    [found] = sources([str(path)])
    assert found.format == "csv"
    got = list(read_source(found, Columns(text="message", id="post", date="when")))
    assert isinstance(got[0], Item)
    assert (got[0].id, got[0].text, got[0].date, got[0].extra) == (
        "1", 'Line one, with "quotes"', "2024-01-02", {"extra": "x"},
    )  # fmt: skip
    assert [(r.line, r.reason) for r in got[1:] if isinstance(r, BadRow)] == [
        (3, "field 'message' is empty"),
        (4, "more fields than the header has"),
    ]
    tsv = tmp_path / "posts.tsv"
    tsv.write_text("id\ttext\na\tTab separated\n", encoding="utf-8")
    assert [i.text for i in _read(tsv, "tsv") if isinstance(i, Item)] == ["Tab separated"]


def test_parquet_rows(tmp_path: Path) -> None:
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "posts.parquet"
    table = pa.table(
        {
            "id": [1, 2, 3],
            "content": ["first post", None, "third post"],
            "published": [dt.date(2024, 5, 1), dt.date(2024, 5, 2), None],
            "score": [0.5, 0.1, 0.9],
        }
    )
    pq.write_table(table, path, row_group_size=2)
    got = _read(path, "parquet", Columns(text="content", date="published"))
    assert [g.id if isinstance(g, Item) else g.line for g in got] == ["1", 2, "3"]
    assert isinstance(got[0], Item) and got[0].date == "2024-05-01"
    assert got[0].extra == {"score": 0.5}
    assert str(got[1]) == f"{path}, row 2: field 'content' is missing"
    assert count_records(Source(str(path), "parquet"), Columns()) == 3
    missing = _read(path, "parquet")  # no 'text' column: said once, naming the columns
    assert len(missing) == 1 and "no column 'text'" in str(missing[0])


def test_telegram_export(tmp_path: Path) -> None:
    export = {
        "name": "Channel \"messages\": [ <b>",
        "type": "public_channel",
        "id": 1234,
        "messages": [
            {"id": 1, "type": "service", "action": "create_channel", "text": ""},
            {"id": 2, "type": "message", "date": "2022-02-24T05:00:00", "text": "Plain text"},
            {"id": 3, "type": "message", "date": "2022-02-25T06:00:00", "from": "Ch",
             "text": ["Bold ", {"type": "bold", "text": "claim"}, " and a ",
                      {"type": "link", "text": "https://x.example"}]},
            {"id": 4, "type": "message", "photo": "photos/1.jpg", "text": ""},
            {"id": 5, "type": "message", "text": [{"type": "bold"}]},
        ],
    }  # fmt: skip
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export, indent=1, ensure_ascii=False), encoding="utf-8")
    got = _read(path, "telegram")
    items = [g for g in got if isinstance(g, Item)]
    assert [(i.id, i.text, i.outlet) for i in items] == [
        ("1234/2", "Plain text", export["name"]),
        ("1234/3", "Bold claim and a https://x.example", export["name"]),
    ]
    assert items[1].extra == {"from": "Ch"} and items[1].date == "2022-02-25T06:00:00"
    bad = [g for g in got if isinstance(g, BadRow)]
    assert [str(b) for b in bad] == [
        f"{path}, message 5: field 'text' is neither text nor a list of text parts"
    ]
    # a file cut short: the messages before the cut are items, the cut is a bad row
    cut = tmp_path / "cut.json"
    cut.write_text(path.read_text(encoding="utf-8")[:-120], encoding="utf-8")
    got = _read(cut, "telegram")
    assert [i.id for i in got if isinstance(i, Item)][:1] == ["1234/2"]
    assert isinstance(got[-1], BadRow) and "message" in got[-1].unit
    # not a chat export at all
    wrong = tmp_path / "other.json"
    wrong.write_text('{"chats": {"list": []}}', encoding="utf-8")
    [only] = _read(wrong, "telegram")
    assert isinstance(only, BadRow) and "whole-account export" in only.reason


def test_folder_of_text_and_html(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "one.txt").write_text("A plain claim.", encoding="utf-8")
    (folder / "two.html").write_text(
        "<html><head><title>Headline &amp; more</title><style>p{}</style></head><body>"
        "<script>alert('x')</script><p>First &lt;para&gt;</p><div>Second</div></body></html>",
        encoding="utf-8",
    )
    (folder / "bad.txt").write_bytes(b"\xff\xfe not utf-8")
    (folder / "image.png").write_bytes(b"\x89PNG")
    [found] = sources([str(folder)])
    got = list(read_source(found, Columns()))
    texts = {g.id: g.text for g in got if isinstance(g, Item)}
    assert texts == {
        "a/one.txt": "A plain claim.",
        "two.html": "Headline & more\nFirst <para>\nSecond",
    }
    [bad] = [g for g in got if isinstance(g, BadRow)]
    assert bad.file.endswith("bad.txt") and bad.unit == "file"


def test_html_text_drops_what_is_not_text() -> None:
    assert html_text("<p>a<script>b</script>c</p><noscript>d</noscript>e") == "ac\ne"
    assert html_text("<svg><text>no</text></svg>Yes&nbsp;it&#39;s") == "Yes it's"  # nbsp is a space


def test_sources_globs_formats_and_errors(tmp_path: Path) -> None:
    for name in ("b.jsonl", "a.jsonl", "c.txt"):
        (tmp_path / name).write_text("", encoding="utf-8")
    found = sources([str(tmp_path / "*.jsonl")])
    assert [Path(s.name).name for s in found] == ["a.jsonl", "b.jsonl"]
    with pytest.raises(DisproofError, match="cannot tell its format"):
        sources([str(tmp_path / "c.txt")])
    assert sources([str(tmp_path / "c.txt")], "jsonl")[0].format == "jsonl"
    with pytest.raises(DisproofError, match="no such file"):
        sources([str(tmp_path / "missing-*.csv")])
    with pytest.raises(DisproofError, match="named twice"):
        sources([str(tmp_path / "a.jsonl"), str(tmp_path / "*.jsonl")])


def test_partitions_are_cut_per_file_with_stable_keys(tmp_path: Path) -> None:
    for name, n in (("a.jsonl", 5), ("b.jsonl", 2)):
        lines = [json.dumps({"id": i, "text": f"t{i}"}) for i in range(n)]
        (tmp_path / name).write_text("\n".join(lines), encoding="utf-8")
    found = sources([str(tmp_path / "*.jsonl")])
    parts = list(partitions(found, Columns(), 2))
    assert [(p.key, len(p.items)) for p in parts] == [
        ("0000-000000", 2), ("0000-000001", 2), ("0000-000002", 1), ("0001-000000", 2),
    ]  # fmt: skip


def _result(text: str) -> MatchResult:
    span = MatchSpan(start=0, end=len(text), text=text, language="en")
    other = MatchSpan(start=0, end=4, text=text[:4], language="en")
    matches = [
        CaseMatch(case_id="c1", score=0.97, band="confirmed", title=HOSTILE, span=span,
                  spans=[other, span]),
        CaseMatch(case_id="c2", score=0.2, band="none", title="Other", span=span),
    ]  # fmt: skip
    return MatchResult(language="en", spans_checked=1, characters=len(text), matches=matches)


def test_rows_parts_manifest_and_summary_escape_hostile_text(tmp_path: Path) -> None:
    from disproof.scan.summary import summarize, write_summary

    item = Item("i1", HOSTILE, date="1700000000", outlet=HOSTILE, url="javascript:alert(1)",
                extra={"k": [1, 2]}, source="f.jsonl", line=1)  # fmt: skip
    rows = item_rows([item], [_result(item.text)], keep_none=False)
    assert [(r["case_id"], r["best_span"], r["span_end"]) for r in rows.matches] == [
        ("c1", False, 4), ("c1", True, len(HOSTILE)),
    ]  # fmt: skip
    assert rows.items[0]["matches"] == 1 and rows.items[0]["day"] == "2023-11-14"
    assert len(item_rows([item], [_result(item.text)], keep_none=True).matches) == 3

    output = Output(tmp_path, {"inputs": ["x"]})
    output.open()
    output.write("0000-000000", rows, [BadRow("f.jsonl", 2, HOSTILE)])
    (tmp_path / "manifest.jsonl").open("a").write('{"key": "cut sho')  # a crash mid-line
    again = Output(tmp_path, {"inputs": ["x"]})
    again.open()
    assert list(again.finished) == ["0000-000000"]
    again.write("0000-000001", rows, [])  # after the cut line, on a line of its own
    assert list(Output(tmp_path, {"inputs": ["x"]}).open_finished()) == [
        "0000-000000",
        "0000-000001",
    ]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DisproofError, match="holds no scan"):
        Output(tmp_path / "other", {}).open()
    with pytest.raises(DisproofError, match="other inputs"):
        Output(tmp_path, {"inputs": ["y"]}).open()

    totals = Totals(items=1, matches=2, bad=1, partitions=1,
                    bad_rows=again.finished["0000-000000"].bad_rows)  # fmt: skip
    summary = summarize(tmp_path, totals, lambda ids: {i: ["<b>Narrative</b>"] for i in ids})
    assert summary["totals"]["items_confirmed"] == 1
    assert summary["cases"][0]["items"] == 1 and summary["by_day"] == [
        {"day": "2023-11-14", "items": 1}
    ]
    write_summary(tmp_path, summary)
    html = (tmp_path / "scan-summary.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert "<b>Narrative</b>" not in html
    markdown = (tmp_path / "scan-summary.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown and not re.search(r"(?<!\\)\]\(javascript", markdown)
    assert (
        json.loads((tmp_path / "scan-summary.json").read_text())["confirmed"][0]["item_id"] == "i1"
    )


def test_day_of() -> None:
    assert day_of("2024-02-03T10:00:00+02:00") == "2024-02-03"
    assert day_of("3 March 2024") is None and day_of(None) is None


def test_fsspec_urls_are_read(tmp_path: Path) -> None:
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/scan-test/a.jsonl", b'{"id": 1, "text": "from memory"}\n')
    fs.pipe("/scan-test/b.jsonl", b'{"id": 2, "text": "also"}\n')
    found = sources(["memory://scan-test/*.jsonl"])
    assert [s.format for s in found] == ["jsonl", "jsonl"]
    texts = [r.text for s in found for r in read_source(s, Columns()) if isinstance(r, Item)]
    assert texts == ["from memory", "also"]
    fs.rm("/scan-test", recursive=True)


def test_command_refuses_bad_inputs_before_starting_anything(cli: Any, tmp_path: Path) -> None:
    missing = cli("scan", str(tmp_path / "nothing-*.jsonl"), "--out", str(tmp_path / "o"))
    assert missing.code == 1 and "no such file or folder" in missing.err
    (tmp_path / "posts.txt").write_text("x", encoding="utf-8")
    unknown = cli("scan", str(tmp_path / "posts.txt"), "--out", str(tmp_path / "o"))
    assert unknown.code == 1 and "give --format" in unknown.err
    band = cli("scan", str(tmp_path / "posts.txt"), "--out", "o", "--min-band", "high")
    assert band.code == 2
    assert not (tmp_path / "o").exists()
