"""Appearance texts: the claim as an outlet published it, stored on the appearance and read by
the matcher as one more field of the case (``match/appearances.py``).

Model-free: the fake embedder's vectors are bags of words, so a span made of a filed quote's
words is nearest that quote."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from disproof.match.appearances import AppearanceRows, field_name
from disproof.match.index import build_index
from disproof.models import MAX_APPEARANCE_TEXT, Appearance, Case, CaseCreate, CaseUpdate
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.cases import content_hash
from disproof.store.corpus import AppearanceText, CaseText, CorpusStore
from disproof.text import Analyzer
from tests.fakes import FakeEmbedder

QUOTE = "Die Krim ist nach einem legitimen Referendum freiwillig beigetreten"
OTHER = "Kiew hat die Minsker Abkommen absichtlich sabotiert"


def test_a_case_without_appearance_texts_serialises_and_hashes_as_before() -> None:
    case = Case(
        id="x",
        title="NATO bases",
        appearances=[
            Appearance(outlet="RT DE", url="https://example.org/a", language="de"),
            Appearance(outlet="Sputnik"),
        ],
    )
    assert [sorted(a) for a in case.content()["appearances"]] == [
        ["archive_url", "date", "language", "outlet", "url"]
    ] * 2
    assert '"text"' not in case.model_dump_json()
    # the hash the store kept for this case before appearances had a text field
    plain = Case(
        id="x",
        title="NATO bases",
        appearances=[
            {
                "outlet": "RT DE",
                "url": "https://example.org/a",
                "language": "de",
                "date": "2024-01-02",
            },
            {"outlet": "Sputnik"},
        ],
    )
    assert content_hash(plain) == (
        "1009580277e0b93e83ee4f48c165f018cd6ae35154cdd1d3f494b75c1045749b"
    )
    with_text = plain.model_copy(
        update={"appearances": [*plain.appearances, Appearance(outlet="RT", text=QUOTE)]}
    )
    assert content_hash(with_text) != content_hash(plain)
    assert with_text.content()["appearances"][2]["text"] == QUOTE


def test_hostile_appearance_texts_are_cleaned_or_refused() -> None:
    cleaned = Appearance(text="  \x1b[31mRT\x00 says\r\nso  ")
    assert cleaned.text == "[31mRT says\nso"
    assert Appearance(text="   ").text is None
    with pytest.raises(ValidationError):
        Appearance(text="x" * (MAX_APPEARANCE_TEXT + 1))
    with pytest.raises(ValidationError):
        Appearance(text="lone \ud800 surrogate")


def test_two_quotes_of_one_outlet_are_two_appearances() -> None:
    from disproof.merge import merge_cases

    first = Case(id="a", title="t", appearances=[Appearance(outlet="RT DE", text=QUOTE)])
    second = Case(id="a", title="t", appearances=[Appearance(outlet="RT DE", text=OTHER)])
    assert len(merge_cases(first, second).appearances) == 2
    again = Case(id="a", title="t", appearances=[Appearance(outlet="RT DE", text=QUOTE)])
    assert len(merge_cases(first, again).appearances) == 1
    linked = [Appearance(outlet="RT", url="https://example.org/1", text=t) for t in (QUOTE, OTHER)]
    assert Appearance.key(linked[0]) == Appearance.key(linked[1])  # a URL names the appearance


def test_jsonl_and_csv_import_and_export_keep_appearance_texts(
    service: Disproof, tmp_path: Path
) -> None:
    quoted = {
        "id": "q1",
        "title": "Crimea joined Russia after a legitimate referendum",
        "appearances": [{"outlet": "RT DE", "language": "de", "text": QUOTE}, {"outlet": "TASS"}],
    }
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(quoted) + "\n", encoding="utf-8")
    service.import_file(path)
    stored = service.get("q1")
    assert stored is not None and stored.appearances[0].text == QUOTE
    out = io.StringIO()
    service.export(out, "jsonl")
    exported = json.loads(out.getvalue())
    assert exported["appearances"][0]["text"] == QUOTE
    assert "text" not in exported["appearances"][1]
    from disproof.io.claimreview import claim_review, dumps

    assert QUOTE not in dumps(claim_review(stored))  # ClaimReview has no place for it
    again = tmp_path / "again.jsonl"
    again.write_text(out.getvalue(), encoding="utf-8")
    assert service.import_file(again).unchanged == ["q1"]
    header = "issue,date,outlet,language,origin,reported by,keywords,source,title,summary,"
    header += "disproof,quote\n"
    row = '1,01/02/20,RT DE,German,Russia,EU,Crimea,,"Crimea title","Crimea claim","No.",'
    csv = tmp_path / "full.csv"
    csv.write_text(header + row + f'"{OTHER}"\n', encoding="utf-8")
    service.import_file(csv)
    imported = [c for c in service.store.iter_cases() if c.title == "Crimea title"]
    assert imported[0].appearances[0].text == OTHER


def test_the_case_page_and_show_print_the_text_escaped(service: Disproof, tmp_path: Path) -> None:
    from rich.console import Console

    from disproof.render import case_panel

    hostile = "<script>alert(1)</script> \x1b[2J " + "long " * 200
    case = CaseCreate(id="h", title="A claim", appearances=[Appearance(outlet="X", text=hostile)])
    service.create_case(case, "t")
    console = Console(record=True, width=200)
    stored = service.get("h")
    assert stored is not None
    console.print(case_panel(stored))
    shown = console.export_text()
    assert "<script>alert(1)</script>" in shown and "\x1b" not in shown
    assert "long " * 80 not in shown  # short


def test_a_span_finds_a_case_through_an_appearance_text(
    service: Disproof, fake_matching: FakeEmbedder
) -> None:
    for i, title in enumerate(["NATO bases in Poland", "Biolabs in Ukraine", "Election fraud"]):
        service.create_case(CaseCreate(id=f"c{i}", title=title), "t")
    service.create_case(
        CaseCreate(
            id="crimea",
            title="Crimea joined Russia legally",
            appearances=[
                Appearance(outlet="TASS"),
                Appearance(outlet="RT DE", language="de", text=QUOTE),
            ],
        ),
        "t",
    )
    matcher = service.matcher()
    rows = matcher.index.appearances
    assert rows is not None and len(rows) == 1 and rows.positions.tolist() == [1]
    top = matcher.match(QUOTE, top_k=3).matches[0]
    assert top.case_id == "crimea"
    assert top.why.appearance is not None
    assert (top.why.appearance.outlet, top.why.appearance.language) == ("RT DE", "de")
    assert top.why.appearance.position == 1 and top.why.appearance.cosine > 0.99
    assert "dense_appearance" in top.why.retrievers
    assert top.why.dense_summary == pytest.approx(top.why.appearance.cosine, abs=1e-3)
    own = matcher.match("Crimea joined Russia legally", top_k=3).matches[0]
    assert own.case_id == "crimea" and own.why.appearance is None


def test_adding_and_removing_an_appearance_text_updates_the_index(
    service: Disproof, fake_matching: FakeEmbedder
) -> None:
    for i, title in enumerate(["NATO bases in Poland", "Biolabs in Ukraine", "Crimea was legal"]):
        service.create_case(CaseCreate(id=f"c{i}", title=title), "t")
    service.matcher()
    case = service.get_public("c2")
    quoted = [Appearance(outlet="RT DE", language="de", text=QUOTE)]
    service.update_case("c2", CaseUpdate(appearances=quoted), "t", case.version)
    encoded = fake_matching.encoded
    matcher = service.matcher()
    assert fake_matching.encoded - encoded == 1  # the quote only
    assert matcher.match(QUOTE).matches[0].why.appearance is not None
    full = build_index(CorpusStore(service.store.engine), fake_matching, Analyzer())
    assert _same_rows(matcher.index.appearances, full.appearances)
    case = service.get_public("c2")
    service.update_case("c2", CaseUpdate(appearances=[]), "t", case.version)
    matcher = service.matcher()
    assert matcher.index.appearances is not None and len(matcher.index.appearances) == 0
    assert matcher.match(QUOTE).matches == [] or all(
        m.why.appearance is None for m in matcher.match(QUOTE).matches
    )
    stored = CorpusStore(service.store.engine).vectors(FakeEmbedder.model_id)
    assert not [key for key in stored if key[1].startswith("appearance:")]  # stale vector gone
    service.delete_case("c2", "t")
    assert len(service.matcher().index.appearances or ()) == 0


def test_an_index_with_appearance_rows_is_saved_and_loaded(
    service: Disproof, fake_matching: FakeEmbedder, settings: Settings
) -> None:
    service.create_case(
        CaseCreate(id="a", title="A claim", appearances=[Appearance(outlet="X", text=QUOTE)]),
        "t",
    )
    built = service.matcher().index
    folder = settings.index_dir()
    if folder is None:
        pytest.skip("no saved index on this backend")
    loaded = Disproof.open(settings).matcher().index
    assert _same_rows(loaded.appearances, built.appearances)


def _same_rows(a: AppearanceRows | None, b: AppearanceRows | None) -> bool:
    assert a is not None and b is not None
    return (
        np.array_equal(a.owners, b.owners)
        and np.array_equal(a.positions, b.positions)
        and a.outlets == b.outlets
        and a.languages == b.languages
        and np.allclose(a.vectors, b.vectors)
    )


Vectors = dict[tuple[int, str], npt.NDArray[np.float32]]


def _texts(layout: dict[int, list[int]]) -> tuple[list[CaseText], Vectors]:
    texts: list[CaseText] = []
    vectors: Vectors = {}
    for pk, positions in sorted(layout.items()):
        items = tuple(AppearanceText(p, f"quote {pk} {p}", f"o{p}", "de") for p in positions)
        texts.append(CaseText(pk, f"c{pk}", "t", "", None, "h", items))
        for p in positions:
            vector = np.zeros(4, np.float32)
            vector[(pk + p) % 4] = 1.0
            vectors[(pk, field_name(p))] = vector
    return texts, vectors


layouts = st.dictionaries(
    st.integers(1, 30), st.lists(st.integers(0, 5), unique=True, max_size=4), max_size=12
)


@settings(max_examples=60, deadline=None)
@given(layouts, layouts)
def test_replacing_rows_equals_building_them(
    before: dict[int, list[int]], after: dict[int, list[int]]
) -> None:
    old_texts, old_vectors = _texts(before)
    new_texts, new_vectors = _texts(after)
    old = AppearanceRows.build(old_texts, old_vectors, 4)
    changed = [pk for pk in after if before.get(pk) != after[pk]]
    gone = np.array(sorted(set(before) - set(after)) + changed, dtype=np.int64)
    fresh_texts = [t for t in new_texts if t.pk in changed]
    fresh = AppearanceRows.build(fresh_texts, new_vectors, 4)
    expected = AppearanceRows.build(new_texts, new_vectors, 4)
    assert _same_rows(old.replaced(gone, fresh), expected)
    pks = np.array(sorted(after), dtype=np.int64)
    if len(expected) and len(pks):
        query = np.full(4, 0.5, dtype=np.float32)
        owners, best, at = expected.best(pks, query)
        assert owners.tolist() == sorted(pk for pk, ps in after.items() if ps)
        for owner, value, row in zip(owners, best, at, strict=True):
            mine = expected.vectors[expected.owners == owner] @ query
            assert value == pytest.approx(mine.max()) and expected.owners[row] == owner
            assert float(expected.vectors[row] @ query) == pytest.approx(value)


def test_the_case_page_shows_the_text_escaped(settings: Settings, fake_matching: object) -> None:
    from fastapi.testclient import TestClient

    from disproof.api.app import create_app

    service = Disproof.open(settings)
    hostile = "<script>alert(1)</script> " + "long " * 200
    service.create_case(
        CaseCreate(id="h", title="A claim", appearances=[Appearance(outlet="X", text=hostile)]),
        "t",
    )
    with TestClient(create_app(settings, service=service)) as client:
        page = client.get("/cases/h")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text and "long " * 80 not in page.text


@pytest.mark.model
def test_a_german_quote_finds_its_case_through_an_earlier_german_one(tmp_path: Path) -> None:
    service = Disproof.open(Settings(db=str(tmp_path / "demo.db")))
    service.load_demo()
    case = service.get_public("demo-ukraine-biolabs-2022")
    filed = Appearance(
        outlet="Example DE",
        language="de",
        text="Laut dem russischen Verteidigungsministerium betreibt das Pentagon in der Ukraine "
        "geheime Labore, in denen Biowaffen entwickelt werden.",
    )
    update = CaseUpdate(appearances=[*case.appearances, filed])
    service.update_case(case.id, update, "t", case.version)
    text = (
        "Das russische Militär sagt, die Amerikaner entwickeln in ukrainischen Laboren Biowaffen."
    )
    top = service.matcher().match(text, top_k=3).matches[0]
    assert top.case_id == case.id
    assert top.why.appearance is not None and top.why.appearance.language == "de"
    assert top.why.appearance.position == len(case.appearances)
    assert top.band != "confirmed"  # a German span and an English case: cross-language model
