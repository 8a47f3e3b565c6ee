"""Hostile input to the importers and the text pipeline, tried systematically.

Importers get any Unicode (lone surrogates through JSON escapes, control characters, NUL, BOMs,
CRLF, bidi overrides), wrong JSON types, huge fields, a 10 MB single line and empty files. Each
file either imports (every row accounted for) or fails with :class:`ImportFailed` or
:class:`UnknownFormat` naming the file, and then nothing of it was written. The text pipeline
(sentences, claim spans, language id, BM25 analysis, matching with the fake embedder) gets any
Unicode, mixed scripts, control characters, empty input and 10 MB: no exception, exact offsets,
bounded time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disproof.errors import DisproofError, ImportFailed, UnknownFormat
from disproof.io import IMPORTERS
from disproof.io.euvsdisinfo_csv import COLUMNS as FULL_COLUMNS
from disproof.match.matcher import Matcher
from disproof.models import Case
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.text import Analyzer, claim_spans, detect_language, split_sentences
from tests.conftest import Api, CliResult
from tests.fakes import FAKE_CALIBRATION, FakeEmbedder, add_cases

INDEX_COLUMNS = ["date", "id", "title", "countries", "keywords", "languages", "outlets"]
CHECKTHAT_KEYS = ["vclaim_id", "title", "vclaim", "date", "author", "subtitle", "page_url"]
JSONL_KEYS = [
    *("id", "title", "summary", "disproof", "date", "appearances", "languages", "countries"),
    *("keywords", "narratives", "related", "evidence", "rating", "reviewed_by", "source"),
    *("extra", "created_at", "updated_at"),
]
#: Characters that break parsers: NUL, CR, BOM, line and paragraph separators, NEL, quotes,
#: separators, an ANSI escape, lone surrogates, a bidi override, a combining accent.
TROUBLE = [
    *("\x00", "\r", "\n", "\t", "\ufeff", "\u2028", "\u2029", "\x85", '"', "'", ",", "+", ";"),
    *("\\", "\x1b", "\ud800", "\udfff", "\u202e", "\u0301", "\x7f", "\u200b"),
]
hostile_chars = st.one_of(
    st.characters(exclude_categories=()),  # every code point, surrogates included
    st.characters(max_codepoint=0x7F),
    st.sampled_from(TROUBLE),
)
hostile_text = st.text(hostile_chars, max_size=40)
plain_text = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=40)
cell = st.one_of(plain_text, plain_text, hostile_text)  # mostly importable, often not
dates = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(hostile_text, children, max_size=3)
    ),
    max_leaves=8,
)
#: Generated files per importer.
FILE_EXAMPLES = 300
FUZZ = settings(
    max_examples=FILE_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEED = [
    Case(id="seed-1", title="NATO is encircling Russia", keywords=["NATO"]),
    Case(id="seed-2", title="Secret biolabs in Ukraine", date=dt.date(2022, 3, 6)),
]


def json_lines(objects: list[Any], ascii_only: bool) -> str:
    """JSON Lines; with ``ascii_only`` a lone surrogate becomes a ``\\udXXX`` escape (valid
    UTF-8 file), without it the raw surrogate makes the file invalid UTF-8."""
    return "\n".join(json.dumps(o, ensure_ascii=ascii_only) for o in objects)


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue()


def objects(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    fields = st.dictionaries(st.sampled_from(keys), cell | json_values, max_size=6)
    return st.one_of(fields, st.dictionaries(st.sampled_from(keys) | hostile_text, json_values))


#: CheckThat! claims of the right shape, with hostile text.
vclaims = st.builds(
    lambda n, text: {"vclaim_id": f"v{n}", "vclaim": f"claim {text}"},
    st.integers(0, 10**6),
    cell,
)

#: Cases of the right shape with hostile text in every field.
shaped_cases = st.fixed_dictionaries(
    {"title": cell},
    optional={
        "id": cell,
        "summary": cell,
        "disproof": cell,
        "date": dates.map(dt.date.isoformat) | cell,
        "appearances": st.lists(
            st.fixed_dictionaries({}, optional={"outlet": cell, "url": cell, "language": cell}),
            max_size=2,
        ),
        **dict.fromkeys(["keywords", "countries", "languages", "narratives"], st.lists(cell)),
        "evidence": st.lists(st.fixed_dictionaries({"url": cell, "title": cell}), max_size=2),
        "extra": st.dictionaries(cell, cell, max_size=2),
    },
)
FILES: dict[str, st.SearchStrategy[str]] = {
    "jsonl": st.builds(
        json_lines,
        st.lists(shaped_cases | objects(JSONL_KEYS) | json_values, max_size=4),
        st.booleans(),
    ),
    "checkthat-vclaims": st.builds(
        json_lines,
        # well-shaped claims too: with only random objects, about 1 file in 100 imported and a
        # run of 300 could see none (the test asserts both outcomes happen)
        st.lists(objects(CHECKTHAT_KEYS) | json_values | vclaims, max_size=4),
        st.booleans(),
    ),
    "euvsdisinfo-csv": st.builds(
        csv_text,
        st.just(FULL_COLUMNS) | st.lists(cell, max_size=12),
        st.lists(
            st.tuples(cell, dates.map("{:%m/%d/%y}".format) | cell, *[cell] * 9).map(list),
            max_size=4,
        ),
    ),
    "euvsdisinfo-index": st.builds(
        csv_text,
        st.just(INDEX_COLUMNS) | st.lists(cell, max_size=8),
        st.lists(
            st.tuples(
                dates.map(dt.date.isoformat) | cell,
                cell.map("https://euvsdisinfo.eu/report/{}/".format) | cell,
                *[cell] * 5,
            ).map(list),
            max_size=4,
        ),
    ),
}


@pytest.fixture(scope="module")
def importing(tmp_path_factory: pytest.TempPathFactory) -> Disproof:
    """A database holding two cases, shared by the examples of a module."""
    service = Disproof.open(Settings(db=str(tmp_path_factory.mktemp("fuzz") / "fuzz.db")))
    add_cases(service, *SEED)
    return service


def snapshot(service: Disproof) -> str:
    out = io.StringIO()
    service.export(out)
    return out.getvalue()


def try_import(service: Disproof, path: Path, data: bytes, fmt: str) -> DisproofError | None:
    """Import ``data`` from ``path``: None if it imported (and every row is accounted for), the
    error if it was refused (then the database is as it was, and the error names the file)."""
    path.write_bytes(data)
    before = snapshot(service)
    try:
        report = service.import_file(path, fmt)
    except (ImportFailed, UnknownFormat) as exc:
        assert snapshot(service) == before, "a refused file changed the database"
        assert str(path) in str(exc)
        lines = len(data.decode("utf-8", "replace").splitlines()) + 1
        for problem in getattr(exc, "problems", []):
            assert 1 <= problem.row <= lines and problem.reason
            assert problem.field is None or len(problem.field) > 0
        return exc
    assert report.accounted() == report.rows
    return None


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(IMPORTERS))
def test_importers_import_or_refuse_cleanly(importing: Disproof, tmp_path: Path, fmt: str) -> None:
    assert set(FILES) == set(IMPORTERS), "a new importer needs a generator here"
    seen = {"imported": 0, "refused": 0}

    @FUZZ
    @given(
        text=FILES[fmt],
        bom=st.sampled_from(["", "\ufeff"]),
        newline=st.sampled_from(["\n", "\r\n"]),
        detect=st.booleans(),
    )
    def run(text: str, bom: str, newline: str, detect: bool) -> None:
        data = (bom + text.replace("\n", newline)).encode("utf-8", "surrogatepass")
        error = try_import(importing, tmp_path / "input.txt", data, "auto" if detect else fmt)
        seen["refused" if error else "imported"] += 1

    run()
    print(f"\n{fmt}: {seen}")
    assert seen["imported"] and seen["refused"]


BIG = 10_000_000


def ten_mb_lines() -> Iterator[tuple[str, str]]:
    big = "x" * BIG
    yield "jsonl", json.dumps({"title": big})
    yield "jsonl", big
    yield "jsonl", json.dumps({"title": "t", "keywords": ["k"] * (BIG // 5)})
    yield "checkthat-vclaims", json.dumps({"vclaim_id": "v", "title": "t", "vclaim": big})
    yield "euvsdisinfo-csv", ",".join(FULL_COLUMNS) + "\n1,01/01/20" + f",{big}" * 9
    yield "euvsdisinfo-csv", ",".join(FULL_COLUMNS) + '\n"' + big
    yield "euvsdisinfo-index", ",".join(INDEX_COLUMNS) + f"\n2020-01-01,https://x.example/,{big}"


@pytest.mark.slow
def test_a_10_mb_single_line_is_refused_quickly(importing: Disproof, tmp_path: Path) -> None:
    for fmt, line in ten_mb_lines():
        started = time.perf_counter()
        error = try_import(importing, tmp_path / "big.txt", line.encode(), fmt)
        assert isinstance(error, ImportFailed), fmt
        assert time.perf_counter() - started < 60, fmt


@pytest.mark.parametrize(
    ("fmt", "text", "line"),
    [
        ("jsonl", '{"title": 42, "keywords": "not a list", "date": [], "source": 1}', 1),
        ("jsonl", '[1, 2, 3]\n"a string"\nnull', 1),
        ("checkthat-vclaims", '{"vclaim_id": 7, "vclaim": {"a": 1}}', 1),
        ("jsonl", '{"title": "' + "x" * 2_000_000 + '"}', 1),
        ("euvsdisinfo-index", ",".join(INDEX_COLUMNS) + "\n1,2,3", 2),
    ],
)
def test_wrong_types_and_huge_fields_name_row_and_field(
    importing: Disproof, tmp_path: Path, fmt: str, text: str, line: int
) -> None:
    error = try_import(importing, tmp_path / "bad.txt", text.encode(), fmt)
    assert isinstance(error, ImportFailed) and error.problems
    assert f"bad.txt, line {line}" in str(error)


@pytest.mark.parametrize("content", ["", "\ufeff", "\r\n\r\n", "\n \n"])
@pytest.mark.parametrize("fmt", ["auto", *IMPORTERS])
def test_empty_files(importing: Disproof, tmp_path: Path, fmt: str, content: str) -> None:
    error = try_import(importing, tmp_path / "empty.txt", content.encode(), fmt)
    if fmt == "auto":
        assert isinstance(error, UnknownFormat) and "(empty file)" in str(error)
    elif fmt.startswith("euvsdisinfo"):  # a CSV importer needs its header
        assert isinstance(error, ImportFailed) and "missing column" in str(error)
    else:  # an empty file is a mistake, not an import of nothing (issue 16)
        assert isinstance(error, ImportFailed) and "nothing was imported" in str(error)


# -- regressions --------------------------------------------------------------------------------


def test_lone_surrogates_in_json_are_refused_with_row_and_field(
    importing: Disproof, tmp_path: Path
) -> None:
    """Before: a ``\\ud800`` escape crashed the JSONL importer with UnicodeEncodeError (deriving
    an id) or reached SQLite (a keyword), instead of being a row problem."""
    text = '{"title": "ok", "keywords": ["\\ud800"]}\n{"title": "a\\udfffb"}\n'
    error = try_import(importing, tmp_path / "s.jsonl", text.encode(), "jsonl")
    assert isinstance(error, ImportFailed)
    assert {(p.row, p.field) for p in error.problems} == {(1, "keywords.0"), (2, "title")}


def test_lone_surrogates_in_an_api_body_are_422(api: Api) -> None:
    """Before: 500 (UnicodeEncodeError when SQLite stored the keyword)."""
    bodies = [
        '{"title": "x", "keywords": ["\\udfff"]}',
        '{"title": "x", "extra": {"k": "\\ud800"}}',
    ]
    for body in bodies:
        response = api.client.post(
            "/api/v1/cases",
            content=body.encode(),
            headers={**api.auth("editor"), "content-type": "application/json"},
        )
        assert response.status_code == 422, body
        assert "surrogate" in response.text
    assert api.service.count() == 0


@pytest.mark.parametrize("fmt", ["euvsdisinfo-csv", "euvsdisinfo-index"])
@pytest.mark.parametrize("header", ['"', '" ', 'date,"id', '"date""\n'])
def test_a_broken_csv_header_is_refused(
    importing: Disproof, tmp_path: Path, fmt: str, header: str
) -> None:
    """Before: csv.Error escaped while reading the header (found by atheris)."""
    error = try_import(importing, tmp_path / "broken.csv", header.encode(), fmt)
    assert isinstance(error, ImportFailed) and "line 1: broken CSV header" in str(error)


@pytest.mark.parametrize("fmt", ["jsonl", "checkthat-vclaims", "auto"])
def test_deeply_nested_json_is_a_row_problem(importing: Disproof, tmp_path: Path, fmt: str) -> None:
    """Before: RecursionError escaped the JSON importers and format detection."""
    nested = "[" * 100_000 + "]" * 100_000
    text = f'{{"vclaim_id": "v", "vclaim": "c", "title": {nested}}}\n'
    error = try_import(importing, tmp_path / "deep.jsonl", text.encode(), fmt)
    assert isinstance(error, ImportFailed) and "nested too deeply" in str(error)
    undetectable = try_import(importing, tmp_path / "deep.jsonl", nested.encode(), "auto")
    assert isinstance(undetectable, UnknownFormat)


def test_deeply_nested_json_on_stdin_is_a_clear_cli_error(
    cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("[" * 100_000 + "]" * 100_000 + "\n"))
    result = cli("match", "--jsonl")
    assert result.code == 1 and "line 1" in result.err and "nested too deeply" in result.err


# -- the text pipeline ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matcher]:
    """The demo cases' matcher with the fake embedder (built once for the module)."""
    with pytest.MonkeyPatch.context() as patch:
        embedder = FakeEmbedder()
        patch.setattr("disproof.embed.load_embedder", lambda name=None: (embedder, []))
        patch.setattr(
            "disproof.match.calibration.calibration_for", lambda model_id: FAKE_CALIBRATION
        )
        service = Disproof.open(Settings(db=str(tmp_path_factory.mktemp("m") / "m.db")))
        service.load_demo()
        yield service.matchers.get()


MIXED_PIECES = [
    "NATO builds secret biolabs in Ukraine. ",
    "НАТО строит секретные биолаборатории на Украине! ",
    "Das Pentagon finanziert Labore? ",
    "北约在乌克兰建立秘密生物实验室。",
    "الناتو يبني مختبرات سرية. ",
    "Dr. Novak said 3.5 million… ",
    "\n\n",
    "\x00\x1b[31m\u202e\u200b",
    "\ud800",
    "https://example.org/a.b?x=1 ",
]
mixed_text = st.lists(st.sampled_from(MIXED_PIECES) | hostile_text, max_size=30).map("".join)
any_text = st.one_of(st.text(hostile_chars, max_size=400), mixed_text)
#: Generated texts per text pipeline test.
TEXT_EXAMPLES = 300
TEXT_FUZZ = settings(
    max_examples=TEXT_EXAMPLES,
    deadline=dt.timedelta(seconds=20),  # generous: an example takes milliseconds
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check_offsets(text: str) -> None:
    for span in split_sentences(text):
        assert text[span.start : span.end] == span.text
    for claim in claim_spans(text):
        assert text[claim.start : claim.end] == claim.text and 0 <= claim.score <= 1


@pytest.mark.slow
@TEXT_FUZZ
@given(any_text)
def test_text_pipeline_takes_any_text(text: str) -> None:
    check_offsets(text)
    guess = detect_language(text)
    assert 0 <= guess.confidence <= 1
    assert all(isinstance(t, str) and t for t in Analyzer().tokens(text))


@pytest.mark.slow
@TEXT_FUZZ
@given(any_text, st.integers(min_value=1, max_value=100))
def test_matching_takes_any_text(matcher: Matcher, text: str, top_k: int) -> None:
    result = matcher.match(text, top_k=top_k)
    for match in result.matches:
        assert 0 <= match.span.start <= match.span.end <= len(text)
        assert match.band in ("confirmed", "suggested", "none")


@pytest.mark.parametrize("text", ["", " ", "\x00", "\ufeff", "\ud800", "\n" * 10, "." * 1000])
def test_empty_and_degenerate_texts(matcher: Matcher, text: str) -> None:
    check_offsets(text)
    detect_language(text)
    Analyzer().tokens(text)
    matcher.match(text)


def ten_mb_text() -> str:
    unit = "".join(MIXED_PIECES) + "x" * 700 + " " + "слово " * 50
    return (unit * (BIG // len(unit) + 1))[:BIG]


@pytest.mark.slow
def test_10_mb_of_text_in_bounded_time(matcher: Matcher) -> None:
    text = ten_mb_text()
    steps: dict[str, Callable[[], object]] = {
        "sentences": lambda: split_sentences(text),
        "language": lambda: detect_language(text),
        "analysis": lambda: Analyzer().tokens(text),
        "claims and matching": lambda: matcher.match(text),
    }
    for name, step in steps.items():
        started = time.perf_counter()
        step()
        assert time.perf_counter() - started < 120, name
