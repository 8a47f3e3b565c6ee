"""Property tests: importers never crash on arbitrary content, and every row gets a place."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disproof.errors import ImportFailed, RowProblem
from disproof.io import IMPORTERS, Record
from disproof.io.euvsdisinfo_csv import COLUMNS as FULL_COLUMNS

INDEX_COLUMNS = ["date", "id", "title", "countries", "keywords", "languages", "outlets"]
cell = st.text(max_size=60)
dates = st.one_of(
    cell, st.dates().map(lambda d: d.strftime("%m/%d/%y")), st.dates().map(lambda d: d.isoformat())
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def to_csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def parse_all(fmt: str, text: str) -> list[Record | RowProblem]:
    return list(IMPORTERS[fmt].read(Path("generated"), text))


def rows_seen(items: list[Record | RowProblem]) -> set[int]:
    return {item.row for item in items}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(dates, *[cell] * (len(FULL_COLUMNS) - 1)), min_size=1, max_size=5))
def test_full_case_csv_never_crashes(rows: list[tuple[str, ...]]) -> None:
    table = [[r[1], r[0], *r[2:]] for r in rows]  # issue, date, …
    text = to_csv(FULL_COLUMNS, table)
    try:
        items = parse_all("euvsdisinfo-csv", text)
    except ImportFailed:
        return  # e.g. a NUL byte in a cell: refused as a whole file, with a message
    assert len(rows_seen(items)) == len(rows)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(dates, st.one_of(cell, st.just("https://euvsdisinfo.eu/report/x/")), *[cell] * 5),
        min_size=1,
        max_size=5,
    )
)
def test_case_index_never_crashes(rows: list[tuple[str, ...]]) -> None:
    text = to_csv(INDEX_COLUMNS, [list(r) for r in rows])
    try:
        items = parse_all("euvsdisinfo-index", text)
    except ImportFailed:
        return
    assert len(rows_seen(items)) == len(rows)
    for item in items:
        if isinstance(item, Record):
            assert item.case.id.startswith(("http://", "https://"))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                ["vclaim_id", "title", "vclaim", "date", "author", "subtitle", "page_url"]
            ),
            json_values,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_checkthat_never_crashes(objects: list[dict[str, object]]) -> None:
    text = "\n".join(json.dumps(o) for o in objects)
    items = parse_all("checkthat-vclaims", text)
    assert len(rows_seen(items)) == len(objects)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            json_values,
            st.dictionaries(
                st.sampled_from(
                    [
                        "id",
                        "title",
                        "summary",
                        "date",
                        "appearances",
                        "keywords",
                        "countries",
                        "evidence",
                        "source",
                        "extra",
                        "created_at",
                    ]
                ),
                json_values,
            ),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_canonical_jsonl_never_crashes(objects: list[object]) -> None:
    text = "\n".join(json.dumps(o) for o in objects)
    items = parse_all("jsonl", text)
    assert len(rows_seen(items)) == len(objects)
